import path from 'node:path';
import { verifySqlState } from './verify-sql.js';
import { changesData } from '../core/verify-sql.js';
import { isLostCode, isTimeoutCode, lostConnection } from '../core/db-codes.js';
import { ownTransactions, settleTimeout } from './lock-timeout.js';
import { writePreflight } from './write-preflight.js';
import { restoredCounts } from './restore-check.js';
import { invalidIndexesLeft } from './db-state.js';
import { prismaTarget } from '../core/target.js';
import { findingsError, HotfixError, infraError, isHotfixError } from '../core/errors.js';
import { settleIntent } from '../core/intent.js';
import { rowState, type DbMigrationState, type MigrationRow } from '../core/migration-state.js';
import { objectKey, pgDefaultSchema } from '../core/sql/objects.js';
import type { PrismaOutcome } from '../core/prisma-output.js';
import type { Action, RemovedPart } from '../core/plan/types.js';
import type { Session } from './session.js';
import { withTask } from './deps.js';
import {
  downSqlFailure,
  failureCommit,
  failureDetails,
  failureError,
  notRunCommit,
  notRunError,
  prismaNothingRan,
  type RecordedStep,
  type StepContext,
} from './step-errors.js';

/**
 * The one recorded step of deploy, resolve and rollback: intent in the ledger -> the actions
 * (prisma, SQL, catalog checks) -> the outcome, confirmed from `_prisma_migrations` rather than
 * from prisma's words -> the outcome event. A step that stops records why (not run, failed)
 * and commits it before the error goes up; a crash or hang is settled from the table, exactly
 * as the next run's reconcile would. Returns an error to raise once the ledger is committed
 * (a roll forward that applied but left something behind).
 */
export async function runRecorded(s: Session, step: RecordedStep): Promise<HotfixError | undefined> {
  try {
    return await runRecordedStep(s, step);
  } finally {
    s.ports.run.setActivity(undefined);
    s.ports.run.setCanceller(undefined);
  }
}

async function runRecordedStep(s: Session, step: RecordedStep): Promise<HotfixError | undefined> {
  const ctx: StepContext = {
    hotfix: s.input.name,
    env: s.target.env.name,
    migration: s.migration,
    ran: [],
    migrationsRel: s.config.migrations,
    urlEnv: s.target.env.urlEnv,
  };
  // Read before the intent: the rows this step may write, to tell afterwards whether anything
  // ran at all (an unreachable database stops here, with nothing recorded).
  const pre = await writePreflight(s, step);
  const before = await s.readDb();
  const mark = s.rec.mark();
  /** Nothing changed in the database: the ledger goes back to before the intent. */
  const nothingRan = async (error: HotfixError): Promise<HotfixError> => {
    await s.rec.rewind(mark);
    return withNote(error, 'Nothing ran, so nothing was recorded: the ledger is as it was') as HotfixError;
  };
  /** Whether an earlier action of this step changed the database. */
  let changed = false;
  await s.rec.append([
    {
      type: 'intent',
      outcome: 'pending',
      migration: s.migration,
      details: { action: step.action, ...step.intent, rows: confirmRows(step) },
    },
  ]);
  s.ports.run.faultPoint('after-intent');
  s.ports.run.setActivity(`${step.label} (${s.migration})`);
  const target = s.target;
  s.ports.run.setCanceller(() => s.ports.db.terminateOwnSessions(target));
  const stop = async (
    outcome: 'failed' | 'skipped',
    details: Record<string, unknown>,
    commit: string,
    error: Error,
  ) => {
    await s.rec.append([{ type: step.outcome, outcome, migration: s.migration, details }]);
    await s.rec.commit(commit);
    return error;
  };
  let prismaSaid: PrismaOutcome | undefined;
  let leftover: { labels: string[]; error: HotfixError } | undefined;
  for (const action of step.actions) {
    let result: ActionResult;
    try {
      result = await runAction(s, action, ctx);
    } catch (error) {
      // prisma never started (its engine is missing): nothing ran, nothing is recorded.
      if (!changed && isHotfixError(error) && error.code === 'PRISMA_ENGINE_MISSING')
        throw await nothingRan(error);
      throw await settleCrash(s, step, action, error);
    }
    if (result.kind === 'prisma') {
      const o = result.outcome;
      if (o.kind !== 'ok' && !changed && o.kind !== 'already-applied') {
        // The outcome comes from _prisma_migrations, not from prisma's words: no row written or
        // changed means nothing ran, whatever prisma failed on (its config, the role, the lock).
        const after = await s.readDb().catch(() => undefined);
        if (after && unchanged(before, after, namesOf(action, step))) {
          throw await nothingRan(prismaNothingRan(step, ctx, o));
        }
      }
      // P1017 (the server closed the connection) may come after the row was written: the row
      // read back below decides, not a "nothing was done" said unchecked.
      if (o.kind === 'unreachable' && o.code === 'P1017') {
        prismaSaid = { kind: 'error', code: o.code, message: o.message };
        changed = true;
        continue;
      }
      if (o.kind === 'unreachable' || o.kind === 'lock-timeout') {
        if (!changed) throw await nothingRan(notRunError(step, ctx, o));
        throw await stop(
          'skipped',
          {
            ...(typeof step.intent.revert === 'string' ? { revert: step.intent.revert } : {}),
            code: o.code,
            ...(ctx.ran.length > 0 ? { ran: ctx.ran } : {}),
          },
          notRunCommit(step, ctx, o.code),
          notRunError(step, ctx, o),
        );
      }
      // Stopped by its own timeout, or its session ended under it: one transaction, nothing
      // stayed. A roll forward's revert is settled only for the latter (a timeout there is
      // finished by running the same rollback again, as before).
      const settleable =
        o.kind === 'migration-failed' &&
        ((step.action === 'deploy' && isTimeoutCode(o.databaseCode)) ||
          (step.action === 'roll-forward' && isLostCode(o.databaseCode)));
      if (settleable) {
        const revert = typeof step.intent.revert === 'string' ? step.intent.revert : undefined;
        const settled = await settleTimeout(
          s,
          o.migration ?? revert ?? s.migration,
          o.databaseCode!,
          revert ? `hotfix rollback ${ctx.hotfix} --env ${ctx.env}` : undefined,
          pre.timeouts,
          o.databaseError,
        );
        if (settled) {
          throw await stop(
            'skipped',
            { ...(revert ? { revert } : {}), ...settled.details },
            `hotfix(${ctx.hotfix}): ${step.label} stopped (${String(settled.details.code)}); nothing applied`,
            settled.error,
          );
        }
      }
      prismaSaid = o;
    } else if (result.kind === 'stop') {
      if (result.outcome === 'skipped' && !changed && ctx.ran.length === 0 && isHotfixError(result.error))
        throw await nothingRan(result.error);
      throw await stop(result.outcome, result.details, result.commit, result.error);
    } else if (result.kind === 'leftover') {
      leftover = result;
    }
    // A writer that got here changed the database, or cannot be shown not to have.
    changed ||= WRITERS.has(action.kind) && (result.kind === 'done' || result.kind === 'prisma');
  }
  s.ports.run.faultPoint('after-actions');
  // Confirm from the table, not from prisma's words: every row the step names.
  const db = await s.readDb();
  // A connection lost after prisma's write committed: the row says it is done.
  const prismaOk =
    prismaSaid === undefined ||
    prismaSaid.kind === 'ok' ||
    prismaSaid.kind === 'already-applied' ||
    (prismaSaid.kind === 'error' && lostConnection(prismaSaid.code, prismaSaid.message));
  if (prismaOk && confirmRows(step).every((m) => db.stateOf(m) === step.confirm.expect)) {
    await recordDone(s, step, [
      {
        type: step.outcome,
        outcome: 'ok',
        migration: s.migration,
        details: { ...step.details, ...(leftover ? { leftover: leftover.labels } : {}) },
      },
    ]);
    s.ports.run.faultPoint('after-outcome');
    return leftover?.error;
  }
  const revert = typeof step.intent.revert === 'string' ? { revert: step.intent.revert } : {};
  const dataSaid = step.action === 'deploy' ? await dataChangeState(s, db) : undefined;
  const details = {
    ...revert,
    ...failureDetails(step, prismaSaid),
    ...(dataSaid ? { verifySql: dataSaid.state } : {}),
  };
  await s.rec.append([{ type: step.outcome, outcome: 'failed', migration: s.migration, details }]);
  const commit = await s.rec.commit(failureCommit(step, ctx, prismaSaid));
  const error = failureError(
    step,
    ctx,
    prismaSaid,
    step.action === 'deploy' ? { commit: commit ?? null } : {},
  );
  if (dataSaid) error.message += `\n${dataSaid.text}`;
  if (step.action === 'deploy') {
    const invalid = await invalidIndexesLeft(s.ports, s.target, s.migrationsDir, s.migrations, s.input.name);
    if (invalid.length > 0) error.message += `\n${invalid.join('\n')}`;
  }
  throw error;
}

/**
 * The outcome of a step the database shows done. If the ledger cannot take it (a full disk), the
 * error must say that the database changed: the intent stays, and the next run settles it.
 */
async function recordDone(s: Session, step: RecordedStep, events: Parameters<Session['rec']['append']>[0]) {
  try {
    await s.rec.append(events);
  } catch (error) {
    const cause = isHotfixError(error) ? error : undefined;
    throw infraError(
      'RECORD_FAILED',
      `${step.label}: DONE in the database (${confirmRows(step).join(', ')} ${step.confirm.expect} in _prisma_migrations), but the ledger could not record it: ${error instanceof Error ? error.message : String(error)}`,
      {
        hint: `${cause?.hint ? `${cause.hint} ` : ''}The ledger keeps the intent of this step; the next hotfix command for ${s.input.name} reads the database and records it. Do not run the SQL again by hand.`,
        cause: error,
      },
    );
  }
}

/** The rows that must end in the step's expected state: the one it names, and the hotfix's other parts. */
const confirmRows = (step: RecordedStep) => [step.confirm.migration, ...(step.confirm.also ?? [])];

type ActionResult =
  | { kind: 'done' }
  | { kind: 'prisma'; outcome: PrismaOutcome }
  | { kind: 'leftover'; labels: string[]; error: HotfixError }
  | {
      kind: 'stop';
      outcome: 'failed' | 'skipped';
      details: Record<string, unknown>;
      commit: string;
      error: Error;
    };

async function runAction(s: Session, action: Action, ctx: StepContext): Promise<ActionResult> {
  const env = s.target.env.name;
  switch (action.kind) {
    case 'prisma-deploy':
    case 'prisma-resolve': {
      const prisma = await s.prisma();
      const command =
        action.kind === 'prisma-deploy'
          ? ({ kind: 'deploy' } as const)
          : ({ kind: 'resolve', action: action.action, migration: action.migration } as const);
      const label =
        command.kind === 'deploy'
          ? `prisma migrate deploy on ${env}`
          : `prisma migrate resolve --${command.action} on ${env}`;
      const run = await withTask(s.deps, label, () => prisma.run(command, prismaTarget(s.target)));
      return { kind: 'prisma', outcome: run.outcome };
    }
    case 'run-sql': {
      let out;
      try {
        out = await s.ports.db.runStatements(s.target, action.statements, {
          lockTimeout: action.lockTimeout,
          statementTimeout: action.statementTimeout,
          schema: schemaOf(s),
        });
      } catch (error) {
        // Nothing ran: unreachable, or Prisma's migration lock is held.
        if (!isHotfixError(error)) throw error;
        return {
          kind: 'stop',
          outcome: 'skipped',
          details: { error: error.code },
          commit: `hotfix(${ctx.hotfix}): rollback on ${env} did not run`,
          error,
        };
      }
      if (out.ok || !out.failed) {
        ctx.ran = action.statements.map((st) => st.index);
        return { kind: 'done' };
      }
      return {
        kind: 'stop',
        outcome: 'failed',
        ...downSqlFailure(ctx, action.file, out.failed, out.committed),
      };
    }
    case 'check-restored': {
      const counts = await restoredCounts(s, action.items);
      const short = counts.filter((c) => c.found !== c.expected);
      if (short.length === 0) return { kind: 'done' };
      const text = short
        .map(
          (c) =>
            `  - "${c.table}"${c.column ? `.${c.column}` : ''}: ${c.found} of ${c.expected} row(s) of the backup are back as saved`,
        )
        .join('\n');
      return {
        kind: 'stop',
        outcome: 'failed',
        details: {
          short: short.map((c) => ({
            table: c.table,
            column: c.column,
            expected: c.expected,
            found: c.found,
          })),
        },
        commit: `hotfix(${ctx.hotfix}): restore on ${env} not complete`,
        error: findingsError(
          'RESTORE_INCOMPLETE',
          `The backup ${action.backup} is not all back on ${env}:\n${text}\n${ctx.migration} was not marked rolled back.`,
          {
            hint: `Find what differs (rows changed since the backup, or restored only in part), put them back, then record it: hotfix rollback ${ctx.hotfix} --env ${env} --restore --manual`,
          },
        ),
      };
    }
    case 'mark-rolled-back': {
      const out = await s.ports.db.markRolledBack(s.target, action.migrations, schemaOf(s));
      if (out.ok) return { kind: 'done' };
      const f = out.failed;
      return {
        kind: 'stop',
        outcome: 'failed',
        details: { ran: ctx.ran, code: f?.code ?? null, message: f?.message ?? null },
        commit: `hotfix(${ctx.hotfix}): rollback on ${env}: down.sql ran, marking failed`,
        error: infraError(
          'MARK_FAILED',
          `down.sql ran on ${env} and nothing of ${ctx.migration} is left, but marking it rolled back in _prisma_migrations failed${f?.code ? ` (${f.code})` : ''}: ${f?.message ?? 'unknown'}.`,
          { hint: `Run the same rollback again: it finds nothing left to revert and only marks it.` },
        ),
      };
    }
    case 'check-removed': {
      const left = await partsLeft(s, action.parts);
      if (left.length === 0) return { kind: 'done' };
      const text = left
        .map(
          (p) =>
            `  - ${p.label} (${p.change === 'adds' ? 'added' : 'removed'} by statement ${p.statement} of migration.sql)`,
        )
        .join('\n');
      const labels = left.map((p) => p.label);
      if (action.afterApplying) {
        return {
          kind: 'leftover',
          labels,
          error: findingsError(
            'LEFTOVER',
            `${action.what} was applied on ${env}, but the database still has\n${text}`,
            {
              hint: `Remove it with a further migration; see hotfix status ${ctx.hotfix}.`,
            },
          ),
        };
      }
      return {
        kind: 'stop',
        outcome: 'failed',
        details: { leftover: labels, ran: ctx.ran },
        commit: `hotfix(${ctx.hotfix}): rollback on ${env} left parts of ${ctx.migration}`,
        error: findingsError(
          'LEFTOVER',
          `After ${action.what}, the ${env} database still has\n${text}\n${ctx.migration} was not marked.`,
          {
            hint: 'Remove it by hand, then run again with --manual.',
            details: { leftover: labels },
          },
        ),
      };
    }
  }
}

const WRITERS = new Set<Action['kind']>(['prisma-deploy', 'prisma-resolve', 'run-sql', 'mark-rolled-back']);

/** The migrations whose rows a prisma action may write. */
function namesOf(action: Action, step: RecordedStep): string[] {
  if (action.kind === 'prisma-deploy') return [...action.migrations, ...confirmRows(step)];
  if (action.kind === 'prisma-resolve') return [action.migration];
  return confirmRows(step);
}

/** No row of `names` was added or changed between the two readings. */
function unchanged(before: DbMigrationState, after: DbMigrationState, names: readonly string[]): boolean {
  const same = (a: MigrationRow | undefined, b: MigrationRow | undefined) =>
    a?.id === b?.id &&
    a?.finishedAt === b?.finishedAt &&
    a?.rolledBackAt === b?.rolledBackAt &&
    a?.appliedStepsCount === b?.appliedStepsCount;
  return names.every(
    (n) =>
      before.rows.filter((r) => r.migrationName === n).length ===
        after.rows.filter((r) => r.migrationName === n).length && same(before.latest(n), after.latest(n)),
  );
}

const schemaOf = (s: Session) =>
  s.target.provider === 'postgresql' ? pgDefaultSchema(s.target.url) : 'main';

/** The parts of a migration the catalog still shows as the migration left them. */
export async function partsLeft(s: Session, parts: readonly RemovedPart[]): Promise<RemovedPart[]> {
  const objects = [...new Map(parts.map((p) => [objectKey(p.object), p.object])).values()];
  const found = await s.ports.db.probeObjects(s.target, objects, schemaOf(s));
  return parts.filter((p) => (found.get(objectKey(p.object)) ?? false) !== p.before);
}

/**
 * prisma crashed or hung (or anything else threw) between the intent and the outcome: the
 * table says what happened before that, read now, the same way the next run's reconcile would.
 */
async function settleCrash(s: Session, step: RecordedStep, action: Action, error: unknown): Promise<Error> {
  if (action.kind !== 'prisma-deploy' && action.kind !== 'prisma-resolve')
    return error instanceof Error ? error : new Error(String(error));
  const why = `prisma migrate ${action.kind === 'prisma-deploy' ? 'deploy' : 'resolve'} did not finish`;
  const revert = typeof step.intent.revert === 'string' ? step.intent.revert : undefined;
  const intent = { action: step.action, migration: s.migration, revert, rows: confirmRows(step) };
  try {
    const db = await s.readDb();
    const rows = intent.rows.map((name) => db.latest(name));
    const { event, note } = settleIntent(intent, rows.map(rowState), why, {
      logs: rows.find((r) => r?.logs)?.logs,
      checksums: step.intent.checksums,
    });
    await s.rec.append([event]);
    await s.rec.commit(`hotfix(${s.input.name}): ${step.label} interrupted`);
    return withNote(error, note);
  } catch (settleError) {
    // Leave the intent unanswered: the next run reconciles it from the database.
    const why2 = settleError instanceof Error ? settleError.message : String(settleError);
    return withNote(
      error,
      `${why}; the database could not be read to record the outcome (${why2}): the next run will`,
    );
  }
}

/** Adds what the ledger now says to an error, keeping its code and exit status. */
export function withNote(error: unknown, note: string): Error {
  if (error instanceof HotfixError) {
    return new HotfixError(error.kind, error.code, `${error.message}\n${note}.`, {
      hint: error.hint,
      cause: error.cause,
      details: error.details,
    });
  }
  return error instanceof Error ? error : new Error(String(error));
}

/**
 * A data fix whose row stayed unfinished: what of its change is in the database is not in the
 * catalog, so verify.sql decides (read-only), and the message says which. Only where the file
 * may have committed part of itself (its own COMMIT) or the database cannot roll it all back.
 */
async function dataChangeState(
  s: Session,
  db: DbMigrationState,
): Promise<{ state: 'holds' | 'fails'; text: string } | undefined> {
  const failed = s.migrations.find((m) => db.stateOf(m) === 'failed');
  if (!failed) return undefined;
  const dir = path.join(s.migrationsDir, failed);
  const sql = (await s.ports.files.read(path.join(dir, 'migration.sql'))) ?? '';
  if (!changesData(sql, s.target.provider)) return undefined;
  if (s.target.provider === 'postgresql' && !ownTransactions(sql)) return undefined;
  const v = await verifySqlState({ ports: s.ports }, s.target, dir).catch(() => undefined);
  if (v?.state === 'holds')
    return {
      state: 'holds',
      text: `verify.sql holds now (read just after the failure): the data change of ${failed} is in the database, committed before the failure; do not run it again. Check what the file does after the statement that failed, then settle its row: hotfix resolve ${s.input.name} --env ${s.target.env.name} (in place), or undo it by hand and hotfix rollback ${s.input.name} --env ${s.target.env.name} --manual.`,
    };
  if (v?.state === 'fails')
    return {
      state: 'fails',
      text: `verify.sql finds ${v.failing.reduce((n: number, f: { rows: number }) => n + f.rows, 0)} row(s) still to change (read just after the failure): the data change of ${failed} is not (wholly) in the database.`,
    };
  return undefined;
}
