import { connectCause } from '../core/connect-cause.js';
import { findingsError, HotfixError, infraError, usageError } from '../core/errors.js';
import type { WriteFailure } from '../adapters/db-writer.js';
import { prismaCause, type PrismaOutcome } from '../core/prisma-output.js';
import type { Step } from '../core/plan/types.js';
import { isOwnTimeoutCode, lostConnection, lostLine } from '../core/db-codes.js';

/**
 * What a recorded step says when it stops: one sentence per action and outcome, naming what
 * did and did not change. Kept apart from the step's mechanics (recorded-step.ts).
 */

export type RecordedStep = Extract<Step, { kind: 'recorded' }>;

/** Prisma's code and message for an outcome, its banners left out; undefined when it said nothing. */
function prismaSaid(o: PrismaOutcome | undefined, max = 6): string | undefined {
  if (!o || !('message' in o)) return undefined;
  const cause = prismaCause('', o.message, max);
  const code = 'code' in o ? o.code : undefined;
  // The outcome's code is authoritative (the fake and the parser agree on it).
  const text = code && !cause.text.includes(code) ? `${code}: ${cause.text}` : cause.text;
  return text.trim() === '' ? undefined : text;
}

const IN_PLACE = new Set(['revert', 'manual', 'finish-revert']);

export const isInPlace = (step: RecordedStep) => IN_PLACE.has(step.action);

/** The hotfix-level name of what ran, for commit messages. */
export interface StepContext {
  hotfix: string;
  env: string;
  migration: string;
  /** Statements of down.sql run before the failure (a revert in place). */
  ran: number[];
  /** The migrations folder, relative to the project root. */
  migrationsRel: string;
  /** The variable that holds the environment's URL, for connection hints. */
  urlEnv: string;
}

/** prisma could not reach the database, or another migration holds Prisma's lock: nothing ran. */
export function notRunError(
  step: RecordedStep,
  ctx: StepContext,
  o: Extract<PrismaOutcome, { kind: 'unreachable' | 'lock-timeout' }>,
): HotfixError {
  const why = o.kind === 'unreachable' ? connectCause(o, { name: ctx.env, urlEnv: ctx.urlEnv }) : undefined;
  const code = why ? why.code : 'MIGRATE_LOCK_HELD';
  const verb = why ? `connect to (${why.what})` : 'lock';
  if (step.action === 'resolve-applied' || step.action === 'resolve-rolled-back') {
    return infraError(
      code,
      `prisma could not ${verb} the ${ctx.env} database (${o.code}); nothing was marked.`,
      {
        hint: 'Check the database, wait for other migrations to finish, then retry.',
      },
    );
  }
  if (isInPlace(step)) {
    const mark = step.confirm;
    const action = mark.expect === 'rolled-back' ? 'rolled-back' : 'applied';
    return infraError(
      code,
      `${ctx.ran.length > 0 ? `down.sql ran and nothing of ${ctx.migration} is left, but p` : 'P'}risma could not ${verb} the ${ctx.env} database (${o.code}) to mark ${mark.migration} ${action}.`,
      { hint: 'Run the same hotfix rollback again: it finds nothing left to revert and only marks it.' },
    );
  }
  const revert = typeof step.intent.revert === 'string' ? step.intent.revert : undefined;
  const notApplied = revert
    ? `${revert} was not applied (run the same hotfix rollback again: it applies the ${revert} already committed)`
    : 'nothing was applied';
  return infraError(
    code,
    why
      ? `prisma could not connect to the ${ctx.env} database: ${why.what} (${o.code}); ${notApplied}.`
      : `Another migration holds Prisma's migration lock on ${ctx.env} (${o.code}, advisory lock 72707369); ${notApplied}.`,
    {
      hint: why
        ? `${why.hint} Then run the same command again.`
        : 'Wait for the other migrate deploy to finish, then run the same command again.',
    },
  );
}

/** Commit message for a step that did not run. */
export function notRunCommit(step: RecordedStep, ctx: StepContext, code: string): string {
  return isInPlace(step)
    ? `hotfix(${ctx.hotfix}): rollback on ${ctx.env} not marked (${code})`
    : `hotfix(${ctx.hotfix}): ${step.label} did not run (${code})`;
}

/** What the ledger records of a prisma outcome that did not bring the row where it should be. */
export function failureDetails(step: RecordedStep, o: PrismaOutcome | undefined): Record<string, unknown> {
  const code = o && 'code' in o ? (o.code ?? null) : null;
  const message = o && 'message' in o ? o.message.slice(0, 1000) : null;
  if (step.action === 'deploy' || step.action === 'roll-forward') {
    return o?.kind === 'migration-failed'
      ? {
          code: o.code,
          ...(step.action === 'deploy' ? { migration: o.migration ?? null } : {}),
          databaseCode: o.databaseCode ?? null,
          databaseError: o.databaseError ?? null,
        }
      : {
          code,
          message:
            message ?? (step.action === 'deploy' ? 'migration not recorded as finished' : 'not finished'),
        };
  }
  return { code, message };
}

export function failureCommit(step: RecordedStep, ctx: StepContext, o: PrismaOutcome | undefined): string {
  const code = (o && 'code' in o ? o.code : undefined) ?? 'unknown';
  if (step.action === 'deploy') return `hotfix(${ctx.hotfix}): deploy to ${ctx.env} FAILED (${code})`;
  if (step.action === 'roll-forward')
    return `hotfix(${ctx.hotfix}): roll forward on ${ctx.env} FAILED (${code})`;
  if (isInPlace(step)) return `hotfix(${ctx.hotfix}): rollback on ${ctx.env} not marked`;
  return `hotfix(${ctx.hotfix}): resolve on ${ctx.env} FAILED`;
}

/** A statement of down.sql (run in place by hotfix's own session) failed: what stayed, and why. */
export function downSqlFailure(
  ctx: StepContext,
  file: string,
  f: WriteFailure,
  committed: number[],
): { details: Record<string, unknown>; commit: string; error: HotfixError } {
  const timeout = isOwnTimeoutCode(f.code) || /SQLITE_BUSY/.test(f.code ?? '');
  const lost = lostConnection(f.code, f.message);
  const before =
    committed.length > 0
      ? `Statements ${committed.join(', ')} were committed before it (they ran outside its transaction). `
      : '';
  const itself = f.atCommit
    ? 'It failed at the COMMIT of its transaction: whether that committed is not known here; the next run reads the catalog.'
    : f.concurrent
      ? 'It ran outside a transaction (CONCURRENTLY): what it did in part may stay (an index left INVALID); the next run reads the catalog.'
      : lost
        ? 'The server rolls back a transaction it did not commit: nothing of it stayed.'
        : `Its transaction was rolled back${before ? '' : ': the database is as it was'}.`;
  const kept = `${before}${itself}`;
  const message = lost
    ? `The connection to ${ctx.env} was lost while statement ${f.index} of ${file} ${f.atCommit ? 'was committed' : 'ran'}${f.code ? ` (${f.code})` : ''}: ${f.message}\n${kept} ${ctx.migration} is still marked failed.`
    : `Statement ${f.index} of ${file} failed on ${ctx.env}${f.code ? ` (${f.code})` : ''}: ${f.message}\n${kept} ${ctx.migration} is still marked failed.`;
  const again = `hotfix rollback ${ctx.hotfix} --env ${ctx.env}`;
  const hint = lost
    ? `Once the database is back, run the same command again (${again}): it checks what is there and runs only what is still needed.`
    : timeout
      ? 'The database was busy (lock_timeout/statement_timeout). Retry in a quieter moment, or raise --lock-timeout / --statement-timeout; running again is safe.'
      : `Fix ${file} and run again: it only runs what is still needed.`;
  const options = { hint, details: { failed: f } };
  return {
    details: { statement: f.index, code: f.code ?? null, error: f.message.slice(0, 1000), committed },
    commit: `hotfix(${ctx.hotfix}): rollback on ${ctx.env} FAILED`,
    error: lost
      ? infraError('DB_CONNECTION_LOST', message, options)
      : timeout
        ? infraError('ROLLBACK_TIMEOUT', message, options)
        : findingsError('ROLLBACK_SQL_FAILED', message, options),
  };
}

/** The row is not where the step should have brought it: the error, with prisma's own words. */
export function failureError(
  step: RecordedStep,
  ctx: StepContext,
  o: PrismaOutcome | undefined,
  extra: Record<string, unknown>,
): HotfixError {
  const message = o && 'message' in o ? o.message : undefined;
  const code = o && 'code' in o ? o.code : undefined;
  const target = step.confirm.migration;
  if (step.action === 'deploy' || step.action === 'roll-forward') {
    const revert = step.action === 'roll-forward';
    const what = revert
      ? `The revert ${target}`
      : `Migration ${(o?.kind === 'migration-failed' && o.migration) || target}`;
    return findingsError(
      revert ? 'REVERT_FAILED' : 'DEPLOY_FAILED',
      o?.kind === 'migration-failed'
        ? `${what} failed on ${ctx.env} (${o.code}). Database error${o.databaseCode ? ` ${o.databaseCode}` : ''}: ${o.databaseError ?? prismaSaid(o, 10) ?? o.message}`
        : `prisma migrate deploy did not finish ${target} on ${ctx.env}: ${prismaSaid(o, 10)?.slice(0, 800) ?? 'no finished row'}`,
      {
        hint: revert
          ? `Fix the cause (and ${ctx.migrationsRel}/${target}/migration.sql if its SQL is wrong), then run the same hotfix rollback again: it finishes the revert from where it stopped.`
          : `Undo what it left with: hotfix rollback ${ctx.hotfix} --env ${ctx.env}`,
        details: { ...failureDetails(step, o), ...extra },
      },
    );
  }
  const action = step.confirm.expect === 'rolled-back' ? 'rolled-back' : 'applied';
  // Reached only when the row read back is not in the expected state: "not marked" is checked.
  if (message !== undefined && lostConnection(undefined, message)) {
    const again = isInPlace(step)
      ? `hotfix rollback ${ctx.hotfix} --env ${ctx.env}`
      : `hotfix resolve ${ctx.hotfix} --env ${ctx.env}${action === 'rolled-back' ? ' --rolled-back' : ''}`;
    return infraError(
      'DB_CONNECTION_LOST',
      `The connection to ${ctx.env} was lost while prisma migrate resolve --${action} ran (the session was terminated or the server went down): ${target} is not marked ${action} (checked in _prisma_migrations)${isInPlace(step) ? `, and nothing of ${ctx.migration} is left` : ''}. Prisma said: ${lostLine(message)}`,
      { hint: `Once the database is back, run the same command again: ${again}` },
    );
  }
  if (isInPlace(step)) {
    return findingsError(
      'RESOLVE_FAILED',
      `Nothing of ${ctx.migration} is left on ${ctx.env}, but prisma migrate resolve --${action} did not take effect: ${prismaSaid(o)?.slice(0, 600) ?? `${code ? `${code}, ` : ''}the row is not in the expected state`}`,
      {
        hint: `Run the same hotfix rollback again (it is safe), or see the state with: hotfix status ${ctx.hotfix}`,
      },
    );
  }
  return findingsError(
    'RESOLVE_FAILED',
    `prisma migrate resolve --${action} did not take effect on ${ctx.env}: ${prismaSaid(o)?.slice(0, 600) ?? `${code ? `${code}, ` : ''}the row is not in the expected state`}`,
    { hint: `See the state with: hotfix status ${ctx.hotfix}` },
  );
}

export { causeLines } from '../core/prisma-output.js';

/**
 * prisma failed and `_prisma_migrations` shows nothing new: nothing ran. The cause comes first
 * (its config, package.json, a read-only role), with no FAILED and no advice to roll back.
 */
export function prismaNothingRan(step: RecordedStep, ctx: StepContext, o: PrismaOutcome): HotfixError {
  if (o.kind === 'unreachable' || o.kind === 'lock-timeout') return notRunError(step, ctx, o);
  const said = 'message' in o ? o.message : '';
  const cause = prismaSaid(o) ?? 'no message';
  const what =
    step.action === 'deploy'
      ? 'nothing was applied'
      : step.action === 'roll-forward'
        ? `the revert was not applied`
        : 'nothing was marked';
  const opening = `prisma failed on ${ctx.env} before it wrote to _prisma_migrations (checked): ${what}.`;
  const again = 'then run the same command again';
  // Its session ended under it before it wrote (terminated, a server restart): run it again.
  if (lostConnection(undefined, said)) {
    const command = isInPlace(step)
      ? `hotfix rollback ${ctx.hotfix} --env ${ctx.env}`
      : step.action === 'roll-forward'
        ? `hotfix rollback ${ctx.hotfix} --env ${ctx.env} --everywhere`
        : step.action === 'resolve-applied' || step.action === 'resolve-rolled-back'
          ? `hotfix resolve ${ctx.hotfix} --env ${ctx.env}${step.action === 'resolve-rolled-back' ? ' --rolled-back' : ''}`
          : `hotfix deploy ${ctx.hotfix} --env ${ctx.env}`;
    return infraError(
      'DB_CONNECTION_LOST',
      `The connection to ${ctx.env} was lost before prisma wrote to _prisma_migrations (checked): ${what}. Prisma said: ${lostLine(said)}`,
      { hint: `Once the database is back, run the same command again: ${command}` },
    );
  }
  if (/package\.json/i.test(said) && /JSON|Unexpected token|parse/i.test(said)) {
    return usageError('PACKAGE_JSON_INVALID', `${opening}\npackage.json does not parse:\n${indent(cause)}`, {
      hint: `Fix package.json (merge conflict markers?), commit it, ${again}.`,
    });
  }
  // Not the "Loaded Prisma config from prisma.config.ts" banner: the config's own errors.
  if (/PrismaConfigEnvError|Cannot resolve environment variable|Failed to load config file/i.test(said)) {
    return usageError('PRISMA_CONFIG_ERROR', `${opening}\nIts config did not load:\n${indent(cause)}`, {
      hint: `Make the Prisma config load in the shell you run hotfix from (set the variable it names), ${again}. Check with: npx prisma migrate status`,
    });
  }
  if (/read-only transaction|25006|read_only|--read-only/i.test(said)) {
    return usageError(
      'DB_READ_ONLY',
      `${opening}\nThe ${ctx.env} database took no writes:\n${indent(cause)}`,
      {
        hint: `Use a role that can write (${ctx.urlEnv} points at a read-only role, or at a replica), ${again}.`,
      },
    );
  }
  return findingsError('PRISMA_FAILED', `${opening}\nprisma said:\n${indent(cause)}`, {
    hint: `Fix what prisma reports, ${again}. Nothing needs undoing.`,
    details: { code: 'code' in o ? (o.code ?? null) : null },
  });
}

const indent = (text: string) =>
  text
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
