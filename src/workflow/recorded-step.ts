import { isLostCode, isTimeoutCode, lostConnection } from '../core/db-codes.js';
import { settleTimeout } from './lock-timeout.js';
import { invalidIndexesLeft } from './db-state.js';
import { prismaTarget } from '../core/target.js';
import { findingsError, HotfixError, infraError, isHotfixError } from '../core/errors.js';
import { settleIntent } from '../core/intent.js';
import { rowState } from '../core/migration-state.js';
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
      throw await settleCrash(s, step, action, error);
    }
    if (result.kind === 'prisma') {
      const o = result.outcome;
      // P1017 (the server closed the connection) in migrate resolve may come after the row was
      // written: the row read back below decides, not a "nothing was marked" said unchecked.
      if (o.kind === 'unreachable' && o.code === 'P1017' && action.kind === 'prisma-resolve') {
        prismaSaid = { kind: 'error', code: o.code, message: o.message };
        continue;
      }
      if (o.kind === 'unreachable' || o.kind === 'lock-timeout') {
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
      throw await stop(result.outcome, result.details, result.commit, result.error);
    } else if (result.kind === 'leftover') {
      leftover = result;
    }
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
  const details = { ...revert, ...failureDetails(step, prismaSaid) };
  await s.rec.append([{ type: step.outcome, outcome: 'failed', migration: s.migration, details }]);
  const commit = await s.rec.commit(failureCommit(step, ctx, prismaSaid));
  const error = failureError(
    step,
    ctx,
    prismaSaid,
    step.action === 'deploy' ? { commit: commit ?? null } : {},
  );
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
