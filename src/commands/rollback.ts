import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { probeObjects, runStatements } from '../adapters/db-writer.js';
import { rowState, type RowState } from '../adapters/db-reader.js';
import { openPrisma, prismaTarget } from '../adapters/prisma.js';
import { checklist, type ChecklistItem } from '../core/checklists.js';
import { findingsError, infraError, usageError } from '../core/errors.js';
import { deriveState, type EventType, type LedgerEvent } from '../core/ledger.js';
import { addTimeoutsPreamble, DEFAULT_TIMEOUTS } from '../core/lint/index.js';
import { checkTimeouts } from '../core/lint/preamble.js';
import { migrationSlug, migrationTimestamp, resolveInside } from '../core/names.js';
import {
  analyzeSql,
  objectKey,
  objectsOf,
  migrationParts,
  pgDefaultSchema,
  planRevert,
  removalSql,
  type DbObject,
  type MigrationPart,
  type RevertPlan,
  type SqlStatement,
} from '../core/partial.js';
import { isDownTemplate } from '../core/templates.js';
import type { Deps } from './deps.js';
import {
  confirmProtected,
  openHotfixContext,
  recordedMigrateDeploy,
  recorder,
  settleFromDatabase,
  unansweredIntent,
  withNote,
  type EnvCommandInput,
  type HotfixContext,
  type Recorder,
} from './hotfix-context.js';
import { acceptedRisk, lintFiles, lintGate, type LintSummary } from '../workflow/lint-gate.js';
import { readDbState, type DbMigrationState } from '../workflow/db-state.js';
import { sha256Hex } from '../core/checksum.js';
import { oneLine, relativeTo } from '../core/text.js';

export interface RollbackInput extends EnvCommandInput {
  /** Failed migration: do not run down.sql, only check that it was reverted by hand. */
  manual?: boolean;
  /** Roll forward: also apply other pending migrations that would go out with the revert. */
  includePending?: boolean;
  /** Roll forward despite error-severity lint findings on a protected environment (needs --reason). */
  acceptRisk?: boolean;
  lockTimeout?: string;
  statementTimeout?: string;
}

/** What the database showed for the hotfix's migration when the command started. */
export type RollbackFound =
  'absent' | 'failed' | 'applied' | 'rolled-back' | 'rolled-forward' | 'revert-failed';
/**
 * - revert: run the needed parts of down.sql, check, `migrate resolve --rolled-back`
 * - manual: check a revert done by hand, `migrate resolve --rolled-back`
 * - roll-forward: new migration `<ts>_revert_<slug>` from down.sql, `migrate deploy`
 * - finish-revert: the revert migration failed part way: run its missing parts, `resolve --applied` it
 */
export type RollbackAction = 'none' | 'revert' | 'manual' | 'roll-forward' | 'finish-revert';

export interface RollbackResult {
  command: 'rollback';
  hotfix: string;
  env: string;
  database: string;
  migration: string;
  dryRun: boolean;
  found: RollbackFound;
  action: RollbackAction;
  /** Nothing to undo: never applied there, or already rolled back / forward. */
  alreadyDone: boolean;
  /** One sentence: what happened (or would happen). */
  summary: string;
  /** The migration's parts and whether each is in the database (as found, before anything ran). */
  parts: { object: string; change: 'adds' | 'removes'; statement: number; present: boolean }[];
  /** Migration statements whose effect the catalog cannot show (data changes...). */
  unchecked: { statement: number; sql: string; why: string }[];
  /** down.sql (or the revert migration) statement by statement: run or not, and why. */
  steps: { statement: number; sql: string; run: boolean; why: string }[];
  /** The SQL that ran (or would run). */
  sql: string | null;
  revert: { migration: string; path: string; created: boolean; commit: string | null } | null;
  timeouts: { lockTimeout: string; statementTimeout: string } | null;
  reconciled: string | null;
  commit: string | null;
  lint: LintSummary | null;
  next: string[];
  checklist: ChecklistItem[];
}

/** First line of a revert migration: how a later run (or another environment) finds it. */
export const REVERT_MARKER = '-- hotfix:revert-of';

export async function rollback(input: RollbackInput, deps: Deps): Promise<RollbackResult> {
  if (input.acceptRisk && !input.reason) {
    throw usageError(
      'ACCEPT_RISK_NEEDS_REASON',
      '--accept-risk needs --reason TEXT: the ledger records why the risk was accepted.',
    );
  }
  checkTimeouts(timeoutsOf(input));
  const ctx = await openHotfixContext(input, deps, 'rollback');
  try {
    if (ctx.target.provider === 'mysql') {
      // The plan reads the catalog to see which parts of the migration are there: PostgreSQL and
      // SQLite only, so far. Refuse before touching anything rather than guess.
      throw usageError(
        'ROLLBACK_UNSUPPORTED',
        `hotfix rollback does not support MySQL yet (environment "${ctx.target.env.name}").`,
        {
          hint: 'Revert by hand following down.sql, then prisma migrate resolve --rolled-back <migration> for a failed migration, or add a revert migration for an applied one.',
        },
      );
    }
    return await run(ctx, input, deps);
  } finally {
    await ctx.lock?.release();
  }
}

const timeoutsOf = (input: RollbackInput) => ({
  lockTimeout: input.lockTimeout ?? DEFAULT_TIMEOUTS.lockTimeout,
  statementTimeout: input.statementTimeout ?? DEFAULT_TIMEOUTS.statementTimeout,
});

interface Run {
  ctx: HotfixContext;
  input: RollbackInput;
  deps: Deps;
  rec: Recorder;
  result: RollbackResult;
  migrationsDir: string;
  schema: string;
}

async function run(ctx: HotfixContext, input: RollbackInput, deps: Deps): Promise<RollbackResult> {
  const env = ctx.target.env.name;
  const migrationsDir = path.resolve(ctx.projectRoot, ctx.config.migrations);
  const r: Run = {
    ctx,
    input,
    deps,
    rec: recorder(ctx, input, deps, 'rollback'),
    migrationsDir,
    schema: ctx.target.provider === 'postgresql' ? pgDefaultSchema(ctx.target.url) : 'main',
    result: {
      command: 'rollback',
      hotfix: ctx.ledger.name,
      env,
      database: ctx.target.describe,
      migration: ctx.migration,
      dryRun: input.dryRun === true,
      found: 'absent',
      action: 'none',
      alreadyDone: false,
      summary: '',
      parts: [],
      unchecked: [],
      steps: [],
      sql: null,
      revert: null,
      timeouts: null,
      reconciled: null,
      commit: null,
      lint: null,
      next: [],
      checklist: [],
    },
  };
  const { rec, result } = r;

  // A run that was killed between intent and outcome: settle it from the database first.
  const open = input.dryRun ? undefined : unansweredIntent(rec.file(), env);
  if (open) result.reconciled = await reconcile(r, open);

  const state = await readDbState(ctx.target, migrationsDir);
  const row = state.latest(ctx.migration);
  const current = row ? rowState(row) : 'absent';
  const known = deriveState(rec.file()).envs.find((e) => e.name === env)?.state;

  if (current === 'absent') {
    result.alreadyDone = true;
    result.summary = `${ctx.migration} was never applied to ${env}: there is nothing to undo.`;
    return finish(r, `hotfix(${ctx.ledger.name}): ${env} never had ${ctx.migration}`);
  }
  if (current === 'rolled-back') {
    result.found = 'rolled-back';
    result.alreadyDone = true;
    result.summary = `${ctx.migration} is already rolled back on ${env}: nothing to do.`;
    if (!input.dryRun && known !== 'rolled-back')
      await rec.append([
        {
          type: 'rolled-back',
          outcome: 'ok',
          migration: ctx.migration,
          details: { found: 'already rolled back' },
        },
      ]);
    return finish(r, `hotfix(${ctx.ledger.name}): ${env} already rolled back`);
  }
  if (current === 'failed') {
    result.found = 'failed';
    return revertInPlace(r, state, {
      kind: input.manual ? 'manual' : 'revert',
      downFile: path.join(ctx.migrationDir, 'down.sql'),
      resolve: { action: 'rolled-back', migration: ctx.migration },
      event: 'rolled-back',
    });
  }

  // Applied: Prisma cannot un-apply it; roll forward with a revert migration.
  const revert = await findRevert(migrationsDir, ctx.migration);
  const revertRow = revert ? state.latest(revert) : undefined;
  const revertState = revertRow ? rowState(revertRow) : 'absent';
  if (revert && revertState === 'applied') {
    result.found = 'rolled-forward';
    result.alreadyDone = true;
    result.revert = { migration: revert, path: revertPath(r, revert), created: false, commit: null };
    result.summary = `${ctx.migration} is already rolled forward on ${env} by ${revert}: nothing to do.`;
    if (!input.dryRun && known !== 'rolled-forward')
      await rec.append([
        {
          type: 'rolled-forward',
          outcome: 'ok',
          migration: ctx.migration,
          details: { found: 'already rolled forward', revert },
        },
      ]);
    return finish(r, `hotfix(${ctx.ledger.name}): ${env} already rolled forward`);
  }
  if (revert && revertState === 'failed') {
    result.found = 'revert-failed';
    result.revert = { migration: revert, path: revertPath(r, revert), created: false, commit: null };
    return revertInPlace(r, state, {
      kind: input.manual ? 'manual' : 'finish-revert',
      downFile: path.join(migrationsDir, revert, 'migration.sql'),
      resolve: { action: 'applied', migration: revert },
      event: 'rolled-forward',
    });
  }
  result.found = 'applied';
  if (input.manual) {
    throw usageError(
      'MANUAL_NEEDS_FAILED',
      `${ctx.migration} is applied on ${env}, not failed: --manual only checks a FAILED migration that was reverted by hand.`,
      {
        hint: `Prisma cannot mark an applied migration rolled back (P3012). Roll forward instead: hotfix rollback ${ctx.ledger.name} --env ${env}`,
      },
    );
  }
  return rollForward(r, state, revert);
}

// ---------------------------------------------------------------------------------------------
// down.sql

async function readDown(r: Run, file: string): Promise<string> {
  const rel = relativeTo(r.ctx.projectRoot, file);
  const how =
    `Write in ${rel} the SQL that undoes migration.sql, statement by statement in reverse order ` +
    '(CREATE INDEX -> DROP INDEX, ADD COLUMN -> ALTER TABLE ... DROP COLUMN, ADD CONSTRAINT -> DROP CONSTRAINT); ' +
    'for a schema change, prisma migrate diff --from-schema <edited schema> --to-migrations <folder> --script prints it. ' +
    'Delete the "-- hotfix:down-template" line, commit, and run the rollback again.';
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    throw usageError('DOWN_MISSING', `${rel} does not exist: rollback needs the reverse of the migration.`, {
      hint: how,
    });
  }
  if (isDownTemplate(text)) {
    throw usageError('DOWN_TEMPLATE', `${rel} is still the template: it holds no reverse SQL yet.`, {
      hint: how,
    });
  }
  return text;
}

/** The revert migration of `migration`, if one was created (here or for another environment). */
async function findRevert(migrationsDir: string, migration: string): Promise<string | undefined> {
  const entries = await fs.readdir(migrationsDir, { withFileTypes: true });
  for (const e of entries
    .filter((d) => d.isDirectory() && /^\d{14}_revert_/.test(d.name))
    .map((d) => d.name)
    .sort()) {
    const file = path.join(migrationsDir, e, 'migration.sql');
    if (!existsSync(file)) continue;
    const head = (await fs.readFile(file, 'utf8')).split('\n', 1)[0] ?? '';
    if (head.startsWith(`${REVERT_MARKER} ${migration} `) || head === `${REVERT_MARKER} ${migration}`)
      return e;
  }
  return undefined;
}

const revertPath = (r: Run, revert: string) =>
  relativeTo(r.ctx.projectRoot, path.join(r.migrationsDir, revert, 'migration.sql'));

function describeParts(r: Run, plan: Pick<RevertPlan, 'parts' | 'unchecked'>): void {
  r.result.parts = plan.parts.map((p) => ({
    object: p.label,
    change: p.change,
    statement: p.statement,
    present: p.present,
  }));
  r.result.unchecked = plan.unchecked;
}

function describeSteps(r: Run, plan: RevertPlan): void {
  r.result.steps = plan.steps.map((s) => ({
    statement: s.statement.index,
    sql: s.statement.sql,
    run: s.run,
    why: s.why,
  }));
}

function leftoverText(parts: MigrationPart[], provider: HotfixContext['target']['provider']): string {
  return parts
    .map((p) => {
      const fix =
        p.change === 'adds'
          ? removalSql(p.object, provider === 'sqlite' ? 'sqlite' : 'postgresql')
          : undefined;
      return `  - ${p.label} (${p.change === 'adds' ? 'added' : 'removed'} by statement ${p.statement} of migration.sql)${fix ? `; to remove it: ${fix}` : ''}`;
    })
    .join('\n');
}

// ---------------------------------------------------------------------------------------------
// A failed migration (or a failed revert migration): undo what is there, check, resolve.

interface InPlace {
  kind: 'revert' | 'manual' | 'finish-revert';
  /** down.sql, or the revert migration's SQL when finishing it. */
  downFile: string;
  resolve: { action: 'rolled-back' | 'applied'; migration: string };
  event: Extract<EventType, 'rolled-back' | 'rolled-forward'>;
}

async function revertInPlace(r: Run, state: DbMigrationState, how: InPlace): Promise<RollbackResult> {
  const { ctx, input, deps, rec, result } = r;
  const env = ctx.target.env.name;
  const provider = ctx.target.provider;
  result.action = how.kind;
  const manual = how.kind === 'manual';
  const migrationSql = await fs.readFile(path.join(ctx.migrationDir, 'migration.sql'), 'utf8');
  const downSql = manual ? '' : await readDown(r, how.downFile);
  const others = state.failed.map((f) => f.migrationName).filter((m) => m !== how.resolve.migration);
  if (others.length > 0) {
    throw usageError(
      'OTHER_FAILED',
      `${env} has other failed migrations too (Prisma P3009): ${others.join(', ')}.`,
      { hint: 'Settle those first (prisma migrate resolve after reverting or completing them by hand).' },
    );
  }

  const mig = await analyzeSql(migrationSql, provider, r.schema);
  const down = await analyzeSql(downSql, provider, r.schema);
  const existing = await probe(r, mig, down);
  const plan = planRevert(mig, down, existing, 'needed');
  describeParts(r, plan);
  describeSteps(r, plan);
  const toRun = plan.steps.filter((s) => s.run).map((s) => s.statement);
  result.sql = toRun.length > 0 ? toRun.map((s) => `${s.sql};`).join('\n') : null;
  result.timeouts = toRun.length > 0 ? timeoutsOf(input) : null;
  const downRel = relativeTo(ctx.projectRoot, how.downFile);

  if (!manual && plan.unmatched.length > 0) {
    throw usageError(
      'DOWN_UNMATCHED',
      `${downRel} has statements whose effect cannot be read from the database, so hotfix cannot tell whether they are needed:\n` +
        plan.unmatched
          .map((s) => `  - statement ${s.index} (line ${s.line}): ${oneLine(s.sql)} (${s.note ?? 'unknown'})`)
          .join('\n') +
        '\nNothing was run.',
      {
        hint: `Check the database and revert by hand what ${ctx.migration} left, then: hotfix rollback ${ctx.ledger.name} --env ${env} --manual --reason "<what you did>"`,
        details: { unmatched: plan.unmatched.map((s) => ({ statement: s.index, sql: s.sql })) },
      },
    );
  }
  if (plan.conflicts.length > 0) {
    throw findingsError(
      'DOWN_WOULD_FAIL',
      `${downRel} does not fit what is in the ${env} database:\n` +
        plan.conflicts
          .map((c) => `  - statement ${c.statement.index}: ${oneLine(c.statement.sql)}: ${c.why}`)
          .join('\n') +
        '\nNothing was run.',
      {
        hint: `Fix ${downRel} (IF EXISTS, or one statement per change), or revert by hand and run with --manual.`,
        details: { conflicts: plan.conflicts.map((c) => ({ statement: c.statement.index, why: c.why })) },
      },
    );
  }
  if (plan.leftovers.length > 0) {
    throw findingsError(
      'LEFTOVER',
      manual
        ? `${ctx.migration} is not reverted on ${env}: the database still has\n${leftoverText(plan.leftovers, provider)}\nNothing was marked.`
        : `${downRel} does not remove everything ${ctx.migration} left on ${env}; this would still be there:\n${leftoverText(plan.leftovers, provider)}\nNothing was run or marked.`,
      {
        hint: manual
          ? `Remove it by hand and run again, or let hotfix run down.sql: drop --manual.`
          : `Add the missing statements to ${downRel} (or remove the objects by hand and use --manual), then run again.`,
        details: { leftover: plan.leftovers.map((p) => p.label) },
      },
    );
  }

  const verb =
    how.resolve.action === 'rolled-back' ? 'mark it rolled back' : `mark ${how.resolve.migration} applied`;
  result.summary = input.dryRun
    ? toRun.length > 0
      ? `Would run ${toRun.filter((s) => s.kind !== 'session').length} statement(s) of ${downRel}, check that nothing of ${ctx.migration} is left, then ${verb}.`
      : `Nothing of ${ctx.migration} is in the ${env} database: would ${verb}.`
    : '';
  if (input.dryRun) return finish(r, '');

  await confirmProtected(
    ctx,
    input,
    deps,
    how.resolve.action === 'rolled-back'
      ? `Revert ${ctx.migration} and mark it rolled back`
      : `Finish the revert ${how.resolve.migration} and mark it applied`,
  );
  await rec.append([
    {
      type: 'intent',
      outcome: 'pending',
      migration: ctx.migration,
      details: {
        action: how.kind,
        ...(how.event === 'rolled-forward' ? { revert: how.resolve.migration } : {}),
        run: toRun.map((s) => s.index),
        present: plan.parts.filter((p) => p.present).map((p) => p.label),
      },
    },
  ]);
  const fail = async (details: Record<string, unknown>, message: string) => {
    await rec.append([{ type: how.event, outcome: 'failed', migration: ctx.migration, details }]);
    await rec.commit(message);
  };

  if (toRun.length > 0) {
    const out = await runStatements(
      ctx.target,
      toRun.map((s) => ({ index: s.index, sql: s.sql, concurrent: s.concurrent })),
      { ...timeoutsOf(input), schema: r.schema },
    ).catch(async (error: unknown) => {
      // Nothing ran: unreachable, or Prisma's migration lock is held.
      await rec.append([
        {
          type: how.event,
          outcome: 'skipped',
          migration: ctx.migration,
          details: { error: (error as { code?: string }).code ?? 'error' },
        },
      ]);
      await rec.commit(`hotfix(${ctx.ledger.name}): rollback on ${env} did not run`);
      throw error;
    });
    if (!out.ok && out.failed) {
      const f = out.failed;
      const timeout = f.code === '55P03' || f.code === '57014' || /SQLITE_BUSY/.test(f.code ?? '');
      await fail(
        {
          statement: f.index,
          code: f.code ?? null,
          error: f.message.slice(0, 1000),
          committed: out.committed,
        },
        `hotfix(${ctx.ledger.name}): rollback on ${env} FAILED`,
      );
      const message =
        `Statement ${f.index} of ${downRel} failed on ${env}${f.code ? ` (${f.code})` : ''}: ${f.message}\n` +
        (out.committed.length > 0
          ? `Statements ${out.committed.join(', ')} were committed before it (they ran outside its transaction).`
          : 'Its transaction was rolled back: the database is as it was.') +
        ` ${ctx.migration} is still marked failed.`;
      const hint = timeout
        ? 'The database was busy (lock_timeout/statement_timeout). Retry in a quieter moment, or raise --lock-timeout / --statement-timeout; running again is safe.'
        : `Fix ${downRel} and run again: it only runs what is still needed.`;
      throw timeout
        ? infraError('ROLLBACK_TIMEOUT', message, { hint, details: { failed: f } })
        : findingsError('ROLLBACK_SQL_FAILED', message, { hint, details: { failed: f } });
    }
  }

  // Check: nothing of the migration is left.
  const after = await probe(r, mig, []);
  const left = migrationParts(mig, after).parts.filter((p) => p.present);
  if (left.length > 0) {
    await fail(
      { leftover: left.map((p) => p.label), ran: toRun.map((s) => s.index) },
      `hotfix(${ctx.ledger.name}): rollback on ${env} left parts of ${ctx.migration}`,
    );
    throw findingsError(
      'LEFTOVER',
      `After ${manual ? 'the manual revert' : downRel}, the ${env} database still has\n${leftoverText(left, provider)}\n${ctx.migration} was not marked.`,
      {
        hint: 'Remove it by hand, then run again with --manual.',
        details: { leftover: left.map((p) => p.label) },
      },
    );
  }

  // Mark it, and confirm from the table rather than from prisma's words.
  const prisma = await openPrisma(ctx.projectRoot, ctx.config.schema, deps.exec, ctx.git.root);
  const ran = await prisma
    .run(
      { kind: 'resolve', action: how.resolve.action, migration: how.resolve.migration },
      prismaTarget(ctx.target),
    )
    .catch(async (error: unknown) => {
      const settled =
        how.event === 'rolled-back'
          ? await settleFromDatabase(
              rec,
              ctx,
              'rolled-back',
              'rolled-back',
              'prisma migrate resolve did not finish',
            )
          : await settleRevert(r, how.resolve.migration, 'prisma migrate resolve did not finish', false);
      await rec.commit(`hotfix(${ctx.ledger.name}): rollback on ${env} interrupted`);
      throw withNote(error, settled);
    });
  const o = ran.outcome;
  if (o.kind === 'unreachable' || o.kind === 'lock-timeout') {
    await rec.append([
      {
        type: how.event,
        outcome: 'skipped',
        migration: ctx.migration,
        details: { code: o.code, ran: toRun.map((s) => s.index) },
      },
    ]);
    await rec.commit(`hotfix(${ctx.ledger.name}): rollback on ${env} not marked (${o.code})`);
    throw infraError(
      o.kind === 'unreachable' ? 'DB_UNREACHABLE' : 'MIGRATE_LOCK_HELD',
      `${toRun.length > 0 ? `down.sql ran and nothing of ${ctx.migration} is left, but p` : 'P'}risma could not ${o.kind === 'unreachable' ? 'reach' : 'lock'} the ${env} database (${o.code}) to mark ${how.resolve.migration} ${how.resolve.action}.`,
      { hint: `Run the same hotfix rollback again: it finds nothing left to revert and only marks it.` },
    );
  }
  const final = (await readDbState(ctx.target, r.migrationsDir)).latest(how.resolve.migration);
  const wanted: RowState = how.resolve.action === 'rolled-back' ? 'rolled-back' : 'applied';
  if (final && rowState(final) === wanted) {
    await rec.append([
      {
        type: how.event,
        outcome: 'ok',
        migration: ctx.migration,
        details: {
          action: how.kind,
          ran: toRun.map((s) => s.index),
          reverted: plan.parts.filter((p) => p.present).map((p) => p.label),
          unchecked: plan.unchecked.map((u) => u.statement),
          ...(how.event === 'rolled-forward' ? { revert: how.resolve.migration } : {}),
        },
      },
    ]);
    const ranCount = toRun.filter((s) => s.kind !== 'session').length;
    result.summary =
      how.resolve.action === 'rolled-back'
        ? `${ctx.migration} is rolled back on ${env}: ${manual ? 'the manual revert checked' : ranCount > 0 ? `${ranCount} statement(s) of down.sql run` : 'nothing of it was in the database'}, nothing of it is left, and _prisma_migrations marks it rolled back.`
        : `The revert ${how.resolve.migration} is finished on ${env}: ${ranCount} statement(s) run, nothing of ${ctx.migration} is left, and it is marked applied.`;
    return finish(
      r,
      `hotfix(${ctx.ledger.name}): ${ctx.migration} ${how.resolve.action === 'rolled-back' ? 'rolled back' : 'rolled forward'} on ${env}`,
    );
  }
  const code = 'code' in o ? (o.code ?? null) : null;
  await fail(
    { code, message: 'message' in o ? o.message.slice(0, 1000) : null },
    `hotfix(${ctx.ledger.name}): rollback on ${env} not marked`,
  );
  throw findingsError(
    'RESOLVE_FAILED',
    `Nothing of ${ctx.migration} is left on ${env}, but prisma migrate resolve --${how.resolve.action} did not take effect${code ? ` (${code})` : ''}: ${'message' in o ? o.message.slice(0, 600) : 'the row is not in the expected state'}`,
    {
      hint: `Run the same hotfix rollback again (it is safe), or see the state with: hotfix status ${ctx.ledger.name}`,
    },
  );
}

async function probe(r: Run, ...lists: SqlStatement[][]): Promise<(o: DbObject) => boolean> {
  const found = await probeObjects(r.ctx.target, objectsOf(...lists), r.schema);
  return (o) => found.get(objectKey(o)) ?? false;
}

// ---------------------------------------------------------------------------------------------
// An applied migration: roll forward with a revert migration, as safely as hotfix deploy.

async function rollForward(
  r: Run,
  state: DbMigrationState,
  existingRevert: string | undefined,
): Promise<RollbackResult> {
  const { ctx, input, deps, rec, result } = r;
  const env = ctx.target.env.name;
  const provider = ctx.target.provider;
  result.action = 'roll-forward';
  const downFile = path.join(ctx.migrationDir, 'down.sql');
  const downRel = relativeTo(ctx.projectRoot, downFile);

  let revert: string;
  let revertSql: string;
  let timeoutsNote: string | null = null;
  if (existingRevert) {
    // Created for another environment (or by a run that stopped): apply the same one here.
    revert = existingRevert;
    revertSql = await fs.readFile(path.join(r.migrationsDir, revert, 'migration.sql'), 'utf8');
  } else {
    const down = await readDown(r, downFile);
    revert = await revertName(r);
    const header =
      `${REVERT_MARKER} ${ctx.migration} (hotfix ${ctx.ledger.name})\n` +
      `-- Prisma cannot un-apply a finished migration, so hotfix rollback applies ${downRel} as this new one.\n`;
    let body = down.endsWith('\n') ? down : `${down}\n`;
    if (provider !== 'sqlite') {
      try {
        body = addTimeoutsPreamble(body, { ...timeoutsOf(input), provider }).replace(
          '(hotfix start --timeouts)',
          '(hotfix rollback)',
        );
        result.timeouts = timeoutsOf(input);
      } catch {
        // CONCURRENTLY must run alone in its migration: no SET can share the file.
        timeoutsNote = 'no timeouts: a CONCURRENTLY statement must be alone in its migration';
      }
    }
    revertSql = header + body;
  }
  result.revert = { migration: revert, path: revertPath(r, revert), created: !existingRevert, commit: null };
  result.sql = revertSql;

  // Check the revert against the database first: a revert migration that fails becomes a
  // failed migration that blocks every later deploy (P3009).
  const mig = await analyzeSql(
    await fs.readFile(path.join(ctx.migrationDir, 'migration.sql'), 'utf8'),
    provider,
    r.schema,
  );
  const rev = await analyzeSql(revertSql, provider, r.schema);
  const plan = planRevert(mig, rev, await probe(r, mig, rev), 'all');
  describeParts(r, plan);
  describeSteps(r, plan);
  if (plan.conflicts.length > 0) {
    throw findingsError(
      'DOWN_WOULD_FAIL',
      `The revert (${downRel}) would fail on ${env} as the database stands:\n` +
        plan.conflicts
          .map((c) => `  - statement ${c.statement.index}: ${oneLine(c.statement.sql)}: ${c.why}`)
          .join('\n') +
        '\nNothing was created or run.',
      {
        hint: `Someone changed the database by hand? Compare it with ${ctx.migration}, fix ${downRel} (IF EXISTS), and run again.`,
        details: { conflicts: plan.conflicts.map((c) => ({ statement: c.statement.index, why: c.why })) },
      },
    );
  }
  if (plan.leftovers.length > 0) {
    throw findingsError(
      'LEFTOVER',
      `${downRel} does not undo all of ${ctx.migration}; after it this would still be in the ${env} database:\n${leftoverText(plan.leftovers, provider)}\nNothing was created or run.`,
      {
        hint: `Add the missing statements to ${downRel}, commit, and run again.`,
        details: { leftover: plan.leftovers.map((p) => p.label) },
      },
    );
  }
  if (state.failed.length > 0) {
    const names = state.failed.map((f) => f.migrationName);
    throw usageError(
      'FAILED_MIGRATION',
      `${env} has a failed migration (Prisma P3009): ${names.join(', ')}. migrate deploy will not run until it is settled.`,
      {
        hint: `Settle ${names.join(', ')} first (prisma migrate resolve, after reverting or completing it by hand).`,
      },
    );
  }
  const others = state.pending.filter((m) => m !== revert);
  if (others.length > 0 && !input.includePending) {
    throw usageError(
      'OTHER_PENDING',
      `Applying the revert to ${env} would also apply ${others.length} other migration(s): ${others.join(', ')}.`,
      {
        hint: 'Deploy those first, or pass --include-pending to apply them together with the revert.',
        details: { pending: others },
      },
    );
  }
  const relDir = relativeTo(ctx.projectRoot, r.migrationsDir);
  result.lint = await lintFiles(
    [{ file: `${relDir}/${revert}/migration.sql`, sql: revertSql, hotfix: true }],
    r.migrationsDir,
    ctx.projectRoot,
  );
  const applies = [...others, revert].sort();
  result.summary = `${input.dryRun ? 'Would create' : 'Creates'} ${revert} from ${downRel} and apply ${applies.join(', ')} to ${env}${timeoutsNote ? ` (${timeoutsNote})` : ''}; ${ctx.migration} stays in the history.`;
  if (input.dryRun) {
    if (existingRevert)
      result.summary = `Would apply the existing ${revert} to ${env}; ${ctx.migration} stays in the history.`;
    return finish(r, '');
  }
  const blocking = lintGate(result.lint, {
    env,
    protected: ctx.target.env.protected,
    acceptRisk: input.acceptRisk,
    what: 'the revert that would run',
    file: downRel,
  });
  if (!existingRevert) {
    const branch = await ctx.git.currentBranch();
    if (branch !== ctx.ledger.branch) {
      throw usageError(
        'NOT_ON_HOTFIX_BRANCH',
        `The revert migration belongs on the hotfix branch ${ctx.ledger.branch}, and you are on ${branch ?? 'a detached HEAD'}.`,
        { hint: `git checkout ${ctx.ledger.branch}, then run the rollback again.` },
      );
    }
  }
  await confirmProtected(ctx, input, deps, `Roll back ${ctx.migration} by applying ${revert}`);
  result.revert.commit = await writeRevert(r, revert, revertSql, downFile);

  const o = await recordedMigrateDeploy(ctx, rec, deps, {
    type: 'rolled-forward',
    intent: { action: 'roll-forward', revert, migrations: applies, ...acceptedRisk(blocking) },
    details: { revert },
    label: `roll forward on ${env}`,
    notApplied: `${revert} was not applied (run the same hotfix rollback again: it applies the ${revert} already committed)`,
    settle: () => settleRevert(r, revert, 'prisma migrate deploy did not finish', true),
  });
  const after = (await readDbState(ctx.target, r.migrationsDir)).latest(revert);
  if (o.kind === 'ok' && after && rowState(after) === 'applied') {
    const left = migrationParts(mig, await probe(r, mig)).parts.filter((p) => p.present);
    await rec.append([
      {
        type: 'rolled-forward',
        outcome: 'ok',
        migration: ctx.migration,
        details: {
          revert,
          revertChecksum: sha256Hex(revertSql),
          migrations: applies,
          ...(left.length > 0 ? { leftover: left.map((p) => p.label) } : {}),
        },
      },
    ]);
    result.summary = `${ctx.migration} is rolled forward on ${env}: ${revert} applied; both stay in _prisma_migrations.`;
    const done = await finish(
      r,
      `hotfix(${ctx.ledger.name}): ${ctx.migration} rolled forward on ${env} (${revert})`,
    );
    if (left.length > 0) {
      throw findingsError(
        'LEFTOVER',
        `${revert} was applied on ${env}, but the database still has\n${leftoverText(left, provider)}`,
        { hint: `Remove it with a further migration; see hotfix status ${ctx.ledger.name}.` },
      );
    }
    return done;
  }
  const failure =
    o.kind === 'migration-failed'
      ? { code: o.code, databaseCode: o.databaseCode ?? null, databaseError: o.databaseError ?? null }
      : {
          code: 'code' in o ? (o.code ?? null) : null,
          message: 'message' in o ? o.message.slice(0, 1000) : 'not finished',
        };
  await rec.append([
    { type: 'rolled-forward', outcome: 'failed', migration: ctx.migration, details: { revert, ...failure } },
  ]);
  await rec.commit(
    `hotfix(${ctx.ledger.name}): roll forward on ${env} FAILED (${failure.code ?? 'unknown'})`,
  );
  throw findingsError(
    'REVERT_FAILED',
    o.kind === 'migration-failed'
      ? `The revert ${revert} failed on ${env} (${o.code}). Database error${o.databaseCode ? ` ${o.databaseCode}` : ''}: ${o.databaseError ?? o.message}`
      : `prisma migrate deploy did not finish ${revert} on ${env}: ${'message' in o ? o.message.slice(0, 800) : 'no finished row'}`,
    {
      hint: `Fix the cause (and ${revertPath(r, revert)} if its SQL is wrong), then run the same hotfix rollback again: it finishes the revert from where it stopped.`,
    },
  );
}

/** `<timestamp>_revert_<slug>`, after every existing folder so Prisma applies it last. */
async function revertName(r: Run): Promise<string> {
  const folders = (await fs.readdir(r.migrationsDir, { withFileTypes: true }))
    .filter((d) => d.isDirectory() && /^\d{14}_/.test(d.name))
    .map((d) => d.name.slice(0, 14))
    .sort();
  let ts = migrationTimestamp(r.deps.now());
  const latest = folders.at(-1);
  if (latest && ts <= latest) ts = (BigInt(latest) + 1n).toString(); // a clock behind the history
  return `${ts}_revert_${migrationSlug(r.ctx.ledger.name)}`;
}

/** Writes and commits the revert migration (with down.sql, when it was edited); undone on failure. */
async function writeRevert(r: Run, revert: string, sql: string, downFile: string): Promise<string | null> {
  const { ctx, input } = r;
  const dir = resolveInside(r.migrationsDir, revert);
  const toGit = (p: string) => path.relative(ctx.git.root, p).split(path.sep).join('/');
  const paths = [toGit(dir), toGit(downFile)];
  await fs.mkdir(dir, { recursive: false });
  try {
    await fs.writeFile(path.join(dir, 'migration.sql'), sql, { flag: 'wx' });
    await ctx.git.add(paths);
    if (!input.commit) return null;
    return await ctx.git.commit(
      `hotfix(${ctx.ledger.name}): ${revert}, the revert of ${ctx.migration} (rollback on ${ctx.target.env.name})`,
      paths,
    );
  } catch (cause) {
    await ctx.git.unstage([toGit(dir)]).catch(() => undefined);
    await fs.rm(dir, { recursive: true, force: true });
    throw infraError(
      'REVERT_NOT_CREATED',
      `Could not create and commit ${revert}: ${(cause as Error).message}. It was removed; nothing ran.`,
      { hint: 'Fix the cause (a git hook?) and run the rollback again.', cause },
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Interrupted runs

/** Records what a roll forward really did, from the revert migration's row. */
async function settleRevert(r: Run, revert: string, why: string, failedCounts: boolean): Promise<string> {
  const row = (await readDbState(r.ctx.target, r.migrationsDir)).latest(revert);
  const state = row ? rowState(row) : 'absent';
  const details = { reconciled: why, revert, rowState: state };
  if (state === 'applied') {
    await r.rec.append([{ type: 'rolled-forward', outcome: 'ok', migration: r.ctx.migration, details }]);
    return `${why}; the database shows ${revert} applied: recorded as rolled forward`;
  }
  if (state === 'failed' && failedCounts) {
    await r.rec.append([
      {
        type: 'rolled-forward',
        outcome: 'failed',
        migration: r.ctx.migration,
        details: { ...details, logs: row?.logs?.slice(0, 1000) ?? null },
      },
    ]);
    return `${why}; the database shows ${revert} failed: recorded as failed`;
  }
  await r.rec.append([{ type: 'rolled-forward', outcome: 'skipped', migration: r.ctx.migration, details }]);
  return `${why}; the database shows ${revert} ${state === 'absent' ? 'not applied' : state}: recorded as not finished`;
}

/** Settles an intent nobody answered (a killed process), whichever command wrote it. */
async function reconcile(r: Run, open: LedgerEvent): Promise<string> {
  const { ctx, rec } = r;
  const action = typeof open.details?.action === 'string' ? open.details.action : '';
  const revert = typeof open.details?.revert === 'string' ? open.details.revert : undefined;
  if (open.command === 'resolve') {
    return action.includes('rolled-back')
      ? settleFromDatabase(rec, ctx, 'rolled-back', 'rolled-back', 'an earlier resolve was interrupted')
      : settleFromDatabase(rec, ctx, 'resolved', 'applied', 'an earlier resolve was interrupted');
  }
  if (open.command !== 'rollback')
    return settleFromDatabase(rec, ctx, 'deployed', 'applied', `an earlier ${open.command} was interrupted`);
  const why = 'an earlier rollback was interrupted';
  if (revert) return settleRevert(r, revert, why, action === 'roll-forward');
  // down.sql may have run in part: the run below looks at the database again and goes on.
  const row = (await readDbState(ctx.target, r.migrationsDir)).latest(ctx.migration);
  const state = row ? rowState(row) : 'absent';
  const details = { reconciled: why, rowState: state };
  if (state === 'rolled-back') {
    await rec.append([{ type: 'rolled-back', outcome: 'ok', migration: ctx.migration, details }]);
    return `${why}; the database shows ${ctx.migration} rolled back: recorded as done`;
  }
  await rec.append([{ type: 'rolled-back', outcome: 'skipped', migration: ctx.migration, details }]);
  return `${why}; the database shows ${ctx.migration} still ${state}: recorded as not finished`;
}

// ---------------------------------------------------------------------------------------------

async function finish(r: Run, message: string): Promise<RollbackResult> {
  const { ctx, input, rec, result } = r;
  const env = ctx.target.env.name;
  if (!input.dryRun && rec.file() !== ctx.ledger) result.commit = (await rec.commit(message)) ?? null;
  const state = deriveState(rec.file());
  result.checklist = checklist('rollback', state, { environments: Object.keys(ctx.config.environments) });
  const next: string[] = [];
  if (result.found === 'failed' && !input.dryRun) {
    next.push(
      `${ctx.migration} is still in ${ctx.config.migrations}: the next prisma migrate deploy runs it again. Fix migration.sql and run hotfix deploy ${ctx.ledger.name} --env ${env}, or delete the folder in a commit if the hotfix is dropped.`,
    );
  }
  if ((result.action === 'roll-forward' || result.found === 'rolled-forward') && result.revert) {
    for (const other of state.envs.filter(
      (e) => e.name !== env && (e.state === 'deployed' || e.state === 'resolved'),
    ))
      next.push(
        `${other.name} still has ${ctx.migration}: hotfix rollback ${ctx.ledger.name} --env ${other.name}`,
      );
    next.push(
      `Merge ${ctx.ledger.branch} back with ${result.revert.migration}: environments that never had the hotfix apply it and its revert in order.`,
    );
  }
  if (result.action !== 'none' || result.reconciled) next.push(`hotfix status ${ctx.ledger.name}`);
  result.next = next;
  return result;
}
