import { promises as fs } from 'node:fs';
import path from 'node:path';
import { rowState } from '../adapters/db-reader.js';
import { checklist, type ChecklistItem } from '../core/checklists.js';
import { findingsError, usageError } from '../core/errors.js';
import { deriveState } from '../core/ledger.js';
import type { Deps } from './deps.js';
import {
  confirmProtected,
  openHotfixContext,
  recordedMigrateDeploy,
  recorder,
  unansweredIntent,
  type EnvCommandInput,
  type HotfixContext,
  settleFromDatabase,
} from './hotfix-context.js';
import { readDbState } from '../workflow/db-state.js';
import { acceptedRisk, lintFiles, lintGate, type LintSummary } from '../workflow/lint-gate.js';
import { relativeTo } from '../core/text.js';

export interface DeployInput extends EnvCommandInput {
  includePending?: boolean;
  /** Run despite error-severity lint findings on a protected environment (needs --reason). */
  acceptRisk?: boolean;
}

export interface DeployResult {
  command: 'deploy';
  hotfix: string;
  env: string;
  database: string;
  migration: string;
  dryRun: boolean;
  /** What was (or, with --dry-run, would be) applied, in order. */
  applied: string[];
  alreadyApplied: boolean;
  sql: { migration: string; sql: string }[];
  reconciled: string | null;
  commit: string | null;
  checklist: ChecklistItem[];
  lint: LintSummary | null;
}

export async function deploy(input: DeployInput, deps: Deps): Promise<DeployResult> {
  if (input.acceptRisk && !input.reason) {
    throw usageError(
      'ACCEPT_RISK_NEEDS_REASON',
      '--accept-risk needs --reason TEXT: the ledger records why the risk was accepted.',
    );
  }
  const ctx = await openHotfixContext(input, deps, 'deploy');
  try {
    return await run(ctx, input, deps);
  } finally {
    await ctx.lock?.release();
  }
}

async function run(ctx: HotfixContext, input: DeployInput, deps: Deps): Promise<DeployResult> {
  const env = ctx.target.env.name;
  const migrationsDir = path.resolve(ctx.projectRoot, ctx.config.migrations);
  const rec = recorder(ctx, input, deps, 'deploy');
  const state = await readDbState(ctx.target, migrationsDir);
  const result: DeployResult = {
    command: 'deploy',
    hotfix: ctx.ledger.name,
    env,
    database: ctx.target.describe,
    migration: ctx.migration,
    dryRun: input.dryRun === true,
    applied: [],
    alreadyApplied: false,
    sql: [],
    reconciled: null,
    commit: null,
    checklist: [],
    lint: null,
  };

  // A run that was killed between intent and outcome: settle it from the database first.
  if (!input.dryRun && unansweredIntent(rec.file(), env)) {
    result.reconciled = await settleFromDatabase(
      rec,
      ctx,
      'deployed',
      'applied',
      'an earlier deploy was interrupted',
    );
  }

  const row = state.latest(ctx.migration);
  if (row && rowState(row) === 'applied') {
    result.alreadyApplied = true;
    const known = deriveState(rec.file()).envs.find((e) => e.name === env);
    if (!input.dryRun && known?.state !== 'deployed' && known?.state !== 'resolved') {
      await rec.append([
        { type: 'deployed', outcome: 'ok', migration: ctx.migration, details: { found: 'already applied' } },
      ]);
    }
    return finish(ctx, rec, input, result, `hotfix(${ctx.ledger.name}): ${env} already has ${ctx.migration}`);
  }
  if (state.failed.length > 0) {
    const names = state.failed.map((r) => r.migrationName);
    throw usageError(
      'FAILED_MIGRATION',
      `${env} has a failed migration (Prisma P3009): ${names.join(', ')}. migrate deploy will not run until it is settled.`,
      {
        hint: names.includes(ctx.migration)
          ? `Undo it with: hotfix rollback ${ctx.ledger.name} --env ${env} (or hotfix resolve ${ctx.ledger.name} --env ${env} --rolled-back after reverting by hand)`
          : `Settle ${names.join(', ')} first: prisma migrate resolve --rolled-back <name> after reverting it, or --applied if it was completed by hand.`,
        details: { failed: names },
      },
    );
  }
  const others = state.pending.filter((m) => m !== ctx.migration);
  if (others.length > 0 && !input.includePending) {
    throw usageError(
      'OTHER_PENDING',
      `Deploying to ${env} would also apply ${others.length} other migration(s): ${others.join(', ')}.`,
      {
        hint: 'Deploy those first, or pass --include-pending to apply them together with the hotfix.',
        details: { pending: others },
      },
    );
  }
  result.applied = state.pending;
  for (const migration of state.pending) {
    result.sql.push({
      migration,
      sql: await fs.readFile(path.join(migrationsDir, migration, 'migration.sql'), 'utf8'),
    });
  }
  const relDir = relativeTo(ctx.projectRoot, migrationsDir);
  result.lint = await lintFiles(
    result.sql.map((m) => ({
      file: `${relDir}/${m.migration}/migration.sql`,
      sql: m.sql,
      hotfix: m.migration === ctx.migration,
    })),
    migrationsDir,
    ctx.projectRoot,
  );
  if (input.dryRun) return result;
  const blocking = lintGate(result.lint, {
    env,
    protected: ctx.target.env.protected,
    acceptRisk: input.acceptRisk,
    what: 'what would run',
    file: `${relDir}/${ctx.migration}/migration.sql`,
  });

  await confirmProtected(ctx, input, deps, `Apply ${state.pending.join(', ')}`);
  const outcome = await recordedMigrateDeploy(ctx, rec, deps, {
    type: 'deployed',
    intent: { action: 'migrate deploy', migrations: state.pending, ...acceptedRisk(blocking) },
    label: `deploy to ${env}`,
    notApplied: 'nothing was applied',
    // prisma crashed or hung: the table says what it did before that.
    settle: () => settleFromDatabase(rec, ctx, 'deployed', 'applied', 'prisma migrate deploy did not finish'),
  });
  const after = await readDbState(ctx.target, migrationsDir);
  const finalRow = after.latest(ctx.migration);
  if (outcome.kind === 'ok' && finalRow && rowState(finalRow) === 'applied') {
    await rec.append([
      { type: 'deployed', outcome: 'ok', migration: ctx.migration, details: { migrations: state.pending } },
    ]);
    return finish(ctx, rec, input, result, `hotfix(${ctx.ledger.name}): deployed ${ctx.migration} to ${env}`);
  }
  const failure =
    outcome.kind === 'migration-failed'
      ? {
          code: outcome.code,
          migration: outcome.migration ?? null,
          databaseCode: outcome.databaseCode ?? null,
          databaseError: outcome.databaseError ?? null,
        }
      : {
          code: 'code' in outcome ? (outcome.code ?? null) : null,
          message:
            'message' in outcome ? outcome.message.slice(0, 1000) : 'migration not recorded as finished',
        };
  await rec.append([{ type: 'deployed', outcome: 'failed', migration: ctx.migration, details: failure }]);
  const commit = await rec.commit(
    `hotfix(${ctx.ledger.name}): deploy to ${env} FAILED (${failure.code ?? 'unknown'})`,
  );
  throw findingsError(
    'DEPLOY_FAILED',
    outcome.kind === 'migration-failed'
      ? `Migration ${outcome.migration ?? ctx.migration} failed on ${env} (${outcome.code}). Database error${outcome.databaseCode ? ` ${outcome.databaseCode}` : ''}: ${outcome.databaseError ?? outcome.message}`
      : `prisma migrate deploy did not finish ${ctx.migration} on ${env}: ${'message' in outcome ? outcome.message.slice(0, 800) : 'no finished row'}`,
    {
      hint: `Undo what it left with: hotfix rollback ${ctx.ledger.name} --env ${env}`,
      details: { ...failure, commit: commit ?? null },
    },
  );
}

async function finish(
  ctx: HotfixContext,
  rec: ReturnType<typeof recorder>,
  input: DeployInput,
  result: DeployResult,
  message: string,
): Promise<DeployResult> {
  if (!input.dryRun && rec.file() !== ctx.ledger) result.commit = (await rec.commit(message)) ?? null;
  result.checklist = checklist('post-deploy', deriveState(rec.file()), {
    environments: Object.keys(ctx.config.environments),
  });
  return result;
}
