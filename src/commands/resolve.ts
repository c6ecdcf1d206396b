import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { rowState } from '../adapters/db-reader.js';
import { openPrisma, type Prisma, prismaTarget } from '../adapters/prisma.js';
import { checklist, type ChecklistItem } from '../core/checklists.js';
import { findingsError, infraError, usageError } from '../core/errors.js';
import { deriveState } from '../core/ledger.js';
import type { Deps } from './deps.js';
import {
  confirmProtected,
  openHotfixContext,
  recorder,
  settleFromDatabase,
  withNote,
  type EnvCommandInput,
  type HotfixContext,
} from './hotfix-context.js';
import { readDbState, type DbMigrationState } from '../workflow/db-state.js';
import { promises as fs } from 'node:fs';
import { analyzeSql, migrationParts, objectKey, objectsOf, pgDefaultSchema } from '../core/partial.js';
import { probeObjects } from '../adapters/db-writer.js';

export interface ResolveInput extends EnvCommandInput {
  rolledBack?: boolean;
  skipCheck?: boolean;
}

export interface ResolveResult {
  command: 'resolve';
  hotfix: string;
  env: string;
  database: string;
  migration: string;
  action: 'applied' | 'rolled-back';
  alreadyDone: boolean;
  /** Which check proved the database has the change, or why none ran. */
  check: string;
  commit: string | null;
  checklist: ChecklistItem[];
}

export async function resolve(input: ResolveInput, deps: Deps): Promise<ResolveResult> {
  if (input.skipCheck && !input.reason) {
    throw usageError(
      'SKIP_NEEDS_REASON',
      '--skip-check needs --reason TEXT: the ledger records why the check was skipped.',
    );
  }
  const ctx = await openHotfixContext(input, deps, 'resolve');
  try {
    return await run(ctx, input, deps);
  } finally {
    await ctx.lock?.release();
  }
}

async function run(ctx: HotfixContext, input: ResolveInput, deps: Deps): Promise<ResolveResult> {
  const env = ctx.target.env.name;
  const action = input.rolledBack ? 'rolled-back' : 'applied';
  const migrationsDir = path.resolve(ctx.projectRoot, ctx.config.migrations);
  const rec = recorder(ctx, input, deps, 'resolve');
  const state = await readDbState(ctx.target, migrationsDir);
  const row = state.latest(ctx.migration);
  const current = row ? rowState(row) : 'absent';
  const result: ResolveResult = {
    command: 'resolve',
    hotfix: ctx.ledger.name,
    env,
    database: ctx.target.describe,
    migration: ctx.migration,
    action,
    alreadyDone: false,
    check: 'none',
    commit: null,
    checklist: [],
  };
  const eventType = action === 'applied' ? 'resolved' : 'rolled-back';
  const done = async (message: string) => {
    if (rec.file() !== ctx.ledger) result.commit = (await rec.commit(message)) ?? null;
    result.checklist = checklist(action === 'applied' ? 'post-deploy' : 'rollback', deriveState(rec.file()), {
      environments: Object.keys(ctx.config.environments),
    });
    return result;
  };

  if (action === 'rolled-back') {
    if (current === 'rolled-back') {
      result.alreadyDone = true;
      return done(`hotfix(${ctx.ledger.name}): ${env} already rolled back`);
    }
    if (current !== 'failed') {
      throw usageError(
        'NOT_FAILED',
        current === 'absent'
          ? `${ctx.migration} was never applied to ${env}: there is nothing to mark rolled back (Prisma P3011).`
          : `${ctx.migration} is applied on ${env}, not failed. Prisma can mark only a FAILED migration as rolled back (P3012); an applied one stays in history.`,
        {
          hint: `To undo an applied hotfix, roll forward with: hotfix rollback ${ctx.ledger.name} --env ${env}`,
        },
      );
    }
  } else if (current === 'applied') {
    result.alreadyDone = true;
    const known = deriveState(rec.file()).envs.find((e) => e.name === env);
    if (known?.state !== 'resolved' && known?.state !== 'deployed') {
      await rec.append([
        {
          type: 'resolved',
          outcome: 'ok',
          migration: ctx.migration,
          details: { found: 'already applied (P3008)' },
        },
      ]);
    }
    return done(`hotfix(${ctx.ledger.name}): ${env} already has ${ctx.migration}`);
  }

  const prisma = await openPrisma(ctx.projectRoot, ctx.config.schema, deps.exec, ctx.git.root);
  if (action === 'applied') {
    if (input.skipCheck) result.check = `skipped: ${input.reason}`;
    else result.check = await checkDatabaseHasChange(ctx, prisma, state, migrationsDir);
  }
  await confirmProtected(ctx, input, deps, `Mark ${ctx.migration} as ${action}`);
  await rec.append([
    {
      type: 'intent',
      outcome: 'pending',
      migration: ctx.migration,
      details: { action: `migrate resolve --${action}`, check: result.check },
    },
  ]);
  const ran = await prisma
    .run({ kind: 'resolve', action, migration: ctx.migration }, prismaTarget(ctx.target))
    .catch(async (error: unknown) => {
      const settled = await settleFromDatabase(
        rec,
        ctx,
        eventType,
        action,
        'prisma migrate resolve did not finish',
      );
      await rec.commit(`hotfix(${ctx.ledger.name}): resolve on ${env} interrupted`);
      throw withNote(error, settled);
    });
  const o = ran.outcome;
  if (o.kind === 'unreachable' || o.kind === 'lock-timeout') {
    await rec.append([
      { type: eventType, outcome: 'skipped', migration: ctx.migration, details: { code: o.code } },
    ]);
    await rec.commit(`hotfix(${ctx.ledger.name}): resolve on ${env} did not run (${o.code})`);
    throw infraError(
      o.kind === 'unreachable' ? 'DB_UNREACHABLE' : 'MIGRATE_LOCK_HELD',
      `prisma could not ${o.kind === 'unreachable' ? 'reach' : 'lock'} the ${env} database (${o.code}); nothing was marked.`,
      {
        hint: 'Check the database, wait for other migrations to finish, then retry.',
      },
    );
  }
  // Confirm from the table, not from prisma's words.
  const after = (await readDbState(ctx.target, migrationsDir)).latest(ctx.migration);
  const confirmed =
    after !== undefined && rowState(after) === (action === 'applied' ? 'applied' : 'rolled-back');
  if ((o.kind === 'ok' || o.kind === 'already-applied') && confirmed) {
    await rec.append([
      {
        type: eventType,
        outcome: 'ok',
        migration: ctx.migration,
        details: { check: result.check, appliedSteps: after.appliedStepsCount },
      },
    ]);
    return done(`hotfix(${ctx.ledger.name}): ${ctx.migration} marked ${action} on ${env}`);
  }
  const code = 'code' in o ? (o.code ?? null) : null;
  await rec.append([
    {
      type: eventType,
      outcome: 'failed',
      migration: ctx.migration,
      details: { code, message: 'message' in o ? o.message.slice(0, 1000) : null },
    },
  ]);
  await rec.commit(`hotfix(${ctx.ledger.name}): resolve on ${env} FAILED`);
  throw findingsError(
    'RESOLVE_FAILED',
    `prisma migrate resolve --${action} did not take effect on ${env}${code ? ` (${code})` : ''}: ${'message' in o ? o.message.slice(0, 600) : 'the row is not in the expected state'}`,
    {
      hint: `See the state with: hotfix status ${ctx.ledger.name}`,
    },
  );
}

/**
 * Does the live database already contain the hotfix? Prisma compares a replay of the
 * migrations applied there plus the hotfix (in a temporary shadow database) with the live
 * schema: an empty diff means yes. Pending migrations of others are left out, so they do not
 * count as "missing".
 */
async function checkDatabaseHasChange(
  ctx: HotfixContext,
  prisma: Prisma,
  state: DbMigrationState,
  migrationsDir: string,
): Promise<string> {
  if (prisma.major === 6) {
    // Prisma 6 takes the shadow database only on its command line: check the catalog ourselves.
    return catalogCheck(
      ctx,
      `Prisma ${prisma.version} cannot diff a migrations folder without a URL on its command line`,
    );
  }
  const applied = new Set(state.rows.filter((r) => rowState(r) === 'applied').map((r) => r.migrationName));
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'hotfix-check-'));
  try {
    for (const name of [...applied, ctx.migration]) {
      if (existsSync(path.join(migrationsDir, name)))
        cpSync(path.join(migrationsDir, name), path.join(scratch, name), { recursive: true });
    }
    const lockFile = path.join(migrationsDir, 'migration_lock.toml');
    if (existsSync(lockFile)) cpSync(lockFile, path.join(scratch, 'migration_lock.toml'));
    const target = prismaTarget(ctx.target);
    // From the live database to the migrations: the script is exactly what the database lacks.
    const diff = await prisma.run(
      {
        kind: 'diff',
        from: { kind: 'datasource' },
        to: { kind: 'migrations', path: scratch },
        script: true,
        exitCode: true,
      },
      target,
    );
    if (diff.outcome.kind === 'unreachable') {
      throw infraError(
        'DB_UNREACHABLE',
        `prisma could not reach the ${ctx.target.env.name} database for the check (${diff.outcome.code}).`,
        {
          hint: 'Check the database and the URL, then retry.',
        },
      );
    }
    if (diff.exitCode === 0)
      return 'prisma migrate diff: the live database matches the migrations applied there plus the hotfix';
    if (diff.exitCode === 2) {
      throw findingsError(
        'CHANGE_MISSING',
        `The ${ctx.target.env.name} database does not have what ${ctx.migration} describes. Missing:\n${diff.stdout.trim()}`,
        {
          hint: `If it was never patched by hand, apply it instead: hotfix deploy ${ctx.ledger.name} --env ${ctx.target.env.name}`,
          details: { missing: diff.stdout },
        },
      );
    }
    // Typically no right to create Prisma's shadow database on that server: fall back.
    const why =
      (diff.stderr || diff.stdout)
        .trim()
        .split('\n')
        .find((l) => l.trim().length > 0) ?? `exit ${diff.exitCode}`;
    return await catalogCheck(ctx, `prisma migrate diff could not run (${why.slice(0, 200)})`);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * The check the tool does itself when Prisma's diff is not available: every object the
 * migration adds or removes (indexes, columns, constraints, tables, ...) must be in that state
 * in the live catalog. Statements whose effect the catalog cannot show (data changes, DO
 * blocks) cannot be confirmed this way: they are named, and --skip-check --reason is the way on.
 */
async function catalogCheck(ctx: HotfixContext, why: string): Promise<string> {
  const provider = ctx.target.provider;
  if (provider === 'mysql') {
    throw usageError('CHECK_UNAVAILABLE', `No check is available for MySQL here (${why}).`, {
      hint: 'Check the database by hand, then run again with --skip-check --reason "<what you checked>".',
    });
  }
  const schema = provider === 'postgresql' ? pgDefaultSchema(ctx.target.url) : 'main';
  const sql = await fs.readFile(path.join(ctx.migrationDir, 'migration.sql'), 'utf8');
  const statements = await analyzeSql(sql, provider, schema);
  const found = await probeObjects(ctx.target, objectsOf(statements), schema);
  const { parts, unchecked } = migrationParts(statements, (o) => found.get(objectKey(o)) ?? false);
  const missing = parts.filter((p) => !p.present);
  if (missing.length > 0) {
    throw findingsError(
      'CHANGE_MISSING',
      `The ${ctx.target.env.name} database does not have what ${ctx.migration} describes (catalog check; ${why}). Missing:\n${missing
        .map((p) => `  ${p.change === 'adds' ? 'no' : 'still has'} ${p.label} (statement ${p.statement})`)
        .join('\n')}`,
      {
        hint: `If it was never patched by hand, apply it instead: hotfix deploy ${ctx.ledger.name} --env ${ctx.target.env.name}`,
      },
    );
  }
  if (unchecked.length > 0 || parts.length === 0) {
    throw usageError(
      'CHECK_INCOMPLETE',
      `The catalog check (${why}) cannot confirm ${unchecked.length > 0 ? unchecked.map((u) => `statement ${u.statement} (${u.why})`).join('; ') : 'a migration that changes no schema object'}.`,
      { hint: 'Check those by hand, then run again with --skip-check --reason "<what you checked>".' },
    );
  }
  return `catalog check (${why}): ${parts.map((p) => `${p.label} ${p.change === 'adds' ? 'present' : 'gone'}`).join(', ')}`;
}
