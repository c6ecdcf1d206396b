import type { EventType, LedgerEvent, LedgerFile } from './ledger.js';
import { deriveState } from './ledger.js';
import { infraError, ledgerError } from './errors.js';

/**
 * What a command was about to do when it wrote its `intent` event. Typed, so that a later run
 * settles exactly the step that was interrupted (a killed `resolve` is settled as a resolve,
 * never as a deploy), from the `_prisma_migrations` row that tells its outcome.
 */
export const INTENT_ACTIONS = [
  'deploy',
  'resolve-applied',
  'resolve-rolled-back',
  'revert',
  /** An applied hotfix undone in one environment only (rollback --here). */
  'revert-here',
  /** A data fix undone from its backup (rollback --restore), here only. */
  'restore',
  'manual',
  'finish-revert',
  'roll-forward',
] as const;
export type IntentAction = (typeof INTENT_ACTIONS)[number];

export type RowState = 'applied' | 'failed' | 'rolled-back' | 'absent';

export type OutcomeEventType = Extract<
  EventType,
  'deployed' | 'resolved' | 'rolled-back' | 'rolled-forward' | 'restored'
>;

/** An outcome event without what the recorder adds (time, actor, command, environment, reason). */
export interface EventBody {
  type: OutcomeEventType;
  outcome: 'ok' | 'failed' | 'skipped';
  migration: string;
  details?: Record<string, unknown>;
}

interface SettleRule {
  command: 'deploy' | 'resolve' | 'rollback';
  /** The outcome event this action ends with. */
  event: OutcomeEventType;
  /** Whose row tells the outcome: the hotfix migration, or the revert migration it applies. */
  rowOf: 'migration' | 'revert';
  /** The row's state once the action has finished. */
  desired: Exclude<RowState, 'absent' | 'failed'>;
  /** A failed row is this action's failure (migrate deploy writes one), not merely "not run". */
  failedIsFailure: boolean;
}

export const SETTLE_RULES: Record<IntentAction, SettleRule> = {
  deploy: {
    command: 'deploy',
    event: 'deployed',
    rowOf: 'migration',
    desired: 'applied',
    failedIsFailure: true,
  },
  'resolve-applied': {
    command: 'resolve',
    event: 'resolved',
    rowOf: 'migration',
    desired: 'applied',
    failedIsFailure: false,
  },
  'resolve-rolled-back': {
    command: 'resolve',
    event: 'rolled-back',
    rowOf: 'migration',
    desired: 'rolled-back',
    failedIsFailure: false,
  },
  revert: {
    command: 'rollback',
    event: 'rolled-back',
    rowOf: 'migration',
    desired: 'rolled-back',
    failedIsFailure: false,
  },
  'revert-here': {
    command: 'rollback',
    event: 'rolled-back',
    rowOf: 'migration',
    desired: 'rolled-back',
    failedIsFailure: false,
  },
  restore: {
    command: 'rollback',
    event: 'restored',
    rowOf: 'migration',
    desired: 'rolled-back',
    failedIsFailure: false,
  },
  manual: {
    command: 'rollback',
    event: 'rolled-back',
    rowOf: 'migration',
    desired: 'rolled-back',
    failedIsFailure: false,
  },
  'finish-revert': {
    command: 'rollback',
    event: 'rolled-forward',
    rowOf: 'revert',
    desired: 'applied',
    failedIsFailure: false,
  },
  'roll-forward': {
    command: 'rollback',
    event: 'rolled-forward',
    rowOf: 'revert',
    desired: 'applied',
    failedIsFailure: true,
  },
};

export interface Intent {
  action: IntentAction;
  command: SettleRule['command'];
  env: string;
  /** The hotfix migration. */
  migration: string;
  /** The revert migration applied by a roll forward. */
  revert: string | undefined;
  /** The migrations whose rows tell the outcome, when the intent names them (a hotfix in parts). */
  rows?: string[] | undefined;
  /** The intent event itself. */
  event: LedgerEvent;
}

/** Free-form actions written before intents were typed, by command. */
const LEGACY: Record<string, IntentAction> = {
  'deploy|migrate deploy': 'deploy',
  'resolve|migrate resolve --applied': 'resolve-applied',
  'resolve|migrate resolve --rolled-back': 'resolve-rolled-back',
};

/** Reads an intent event; a ledger whose intent names no known action is refused (exit 3). */
export function intentOf(event: LedgerEvent, where: string): Intent {
  const raw = typeof event.details?.action === 'string' ? event.details.action : '';
  const action =
    (INTENT_ACTIONS as readonly string[]).includes(raw) && raw !== ''
      ? (raw as IntentAction)
      : LEGACY[`${event.command}|${raw}`];
  if (!action || !event.env || !event.migration) {
    throw ledgerError(
      'LEDGER_INTENT_UNKNOWN',
      `Ledger ${where}: event ${event.seq} is an intent of "${event.command}" with action "${raw}", which this hotfix version cannot settle.`,
      {
        hint: 'Upgrade prisma-hotfix; or check the database by hand and record the outcome with the command that was interrupted.',
        details: { path: where, seq: event.seq },
      },
    );
  }
  const revert = typeof event.details?.revert === 'string' ? event.details.revert : undefined;
  const rows = Array.isArray(event.details?.rows)
    ? event.details.rows.filter((r): r is string => typeof r === 'string')
    : undefined;
  return {
    action,
    rows,
    command: SETTLE_RULES[action].command,
    env: event.env.name,
    migration: event.migration,
    revert,
    event,
  };
}

/** The intent an interrupted run left for `env` (the last event there, unanswered), if any. */
export function openIntent(file: LedgerFile, env: string, where: string): Intent | undefined {
  const state = deriveState(file).envs.find((e) => e.name === env);
  return state?.state === 'in-progress' ? intentOf(state.lastEvent, where) : undefined;
}

type IntentRef = Pick<Intent, 'action' | 'migration' | 'revert'> & { rows?: string[] | undefined };

/** The migrations whose `_prisma_migrations` rows tell the intent's outcome. */
export function outcomeRowsOf(intent: IntentRef): string[] {
  if (intent.rows && intent.rows.length > 0) return intent.rows;
  return [SETTLE_RULES[intent.action].rowOf === 'revert' && intent.revert ? intent.revert : intent.migration];
}

/**
 * How an interrupted action ended, from its row: done when the row is in the state the action
 * leads to; failed when the action is one that writes failed rows and the row is failed; else
 * nothing took effect (a skipped outcome restores the state from before the intent). A row
 * not finished while another session holds Prisma's migration lock is a migration still
 * running (the killed command's prisma child, or someone else's): nothing is settled (exit 4).
 */
export function settleIntent(
  intent: IntentRef,
  rowStates: RowState | readonly RowState[],
  why: string,
  facts: {
    logs?: string | null | undefined;
    lockHolder?: string | undefined;
    env?: string;
    /** What the intent pinned (a deploy's checksums): kept on an outcome recorded as done. */
    checksums?: unknown;
  } = {},
): { event: EventBody; note: string } {
  const rule = SETTLE_RULES[intent.action];
  const target = outcomeRowsOf(intent).join(', ');
  // Several rows (a hotfix in parts): done when all are; failed when one is; else where it stopped.
  const states = typeof rowStates === 'string' ? [rowStates] : [...rowStates];
  const row: RowState = states.every((r) => r === rule.desired)
    ? rule.desired
    : states.includes('failed')
      ? 'failed'
      : (states.find((r) => r !== rule.desired) ?? 'absent');
  const logs = facts.logs;
  if (facts.lockHolder && row !== 'applied' && row !== 'rolled-back') {
    throw infraError(
      'MIGRATION_IN_PROGRESS',
      `${why}, and a migration is still running${facts.env ? ` on ${facts.env}` : ''}: Prisma's migration lock is held by ${facts.lockHolder}, and ${target} is ${row === 'absent' ? 'not recorded yet' : 'not finished yet'}. Nothing was recorded.`,
      { hint: 'Wait for it to finish, then run the same command again: it records what happened.' },
    );
  }
  const details: Record<string, unknown> = {
    reconciled: why,
    rowState: row,
    ...(intent.revert ? { revert: intent.revert } : {}),
  };
  const event = (outcome: EventBody['outcome'], extra: Record<string, unknown> = {}): EventBody => ({
    type: rule.event,
    outcome,
    migration: intent.migration,
    details: { ...details, ...extra },
  });
  if (row === rule.desired) {
    const pinned =
      facts.checksums && typeof facts.checksums === 'object' ? { checksums: facts.checksums } : {};
    return {
      event: event('ok', pinned),
      note: `${why}; the database shows ${target} ${row}: recorded as done`,
    };
  }
  if (row === 'failed' && rule.failedIsFailure) {
    return {
      event: event('failed', { logs: logs?.slice(0, 1000) ?? null }),
      note: `${why}; the database shows ${target} failed: recorded as failed`,
    };
  }
  if (rule.command === 'rollback') {
    return {
      event: event('skipped'),
      note: `${why}; the database shows ${target} ${row === 'absent' ? 'not applied' : `still ${row}`}: recorded as not finished`,
    };
  }
  return {
    event: event('skipped'),
    note: `${why}; the database shows no change for ${target}: recorded as not run`,
  };
}
