// Facts for the pure plans, as a command would gather them: no database, no git, no prisma.
import { createLedger, type NewEvent } from '../../src/core/ledger.js';
import { migrationState, type MigrationRow } from '../../src/core/migration-state.js';
import type { EnvFacts } from '../../src/core/plan/types.js';

export const HOTFIX = 'fix-orders';
export const MIGRATION = '20261121100000_fix_orders';
export const INIT = '20240101000000_init';
const at = '2026-11-21T10:00:00.000Z';
const env = { name: 'production', fingerprint: '0123456789ab' };

type RowSpec = 'applied' | 'failed' | 'rolled-back';

/** `_prisma_migrations` rows from `{name: state}` (oldest first, as read). */
export function rows(spec: Record<string, RowSpec | RowSpec[]>): MigrationRow[] {
  const out: MigrationRow[] = [];
  let n = 0;
  for (const [name, states] of Object.entries(spec)) {
    for (const state of Array.isArray(states) ? states : [states]) {
      n += 1;
      out.push({
        id: String(n),
        migrationName: name,
        checksum: 'c'.repeat(64),
        startedAt: at,
        finishedAt: state === 'applied' ? at : null,
        rolledBackAt: state === 'rolled-back' ? at : null,
        appliedStepsCount: state === 'applied' ? 1 : 0,
        logs: state === 'failed' ? 'ERROR: boom' : null,
      });
    }
  }
  return out;
}

/** Ledger events for the production environment. */
export function envEvent(
  type: NewEvent['type'],
  outcome: NewEvent['outcome'],
  details?: Record<string, unknown>,
  command = 'deploy',
): NewEvent {
  return {
    type,
    outcome,
    at,
    actor: 'oncall@example.com',
    command,
    env,
    migration: MIGRATION,
    ...(details ? { details } : {}),
  };
}

export interface FactsOptions {
  rows?: MigrationRow[];
  folders?: string[];
  events?: NewEvent[];
  protected?: boolean;
  yes?: boolean;
  /** The hotfix's migrations when it has more than one. */
  parts?: string[];
}

export function envFacts(o: FactsOptions = {}): EnvFacts {
  const start: NewEvent = {
    type: 'started',
    at,
    actor: 'oncall@example.com',
    command: 'start',
    outcome: 'ok',
  };
  return {
    hotfix: {
      name: HOTFIX,
      migration: MIGRATION,
      migrations: o.parts ?? [MIGRATION],
      branch: `hotfix/${HOTFIX}`,
    },
    env: { name: 'production', protected: o.protected ?? true, database: 'db.internal:5432/shop' },
    ledger: createLedger(
      { name: HOTFIX, branch: `hotfix/${HOTFIX}`, base: 'main', migration: MIGRATION, createdAt: at },
      [
        start,
        { ...start, type: 'migration-created', migration: MIGRATION, checksum: 'a'.repeat(64) },
        ...(o.events ?? []),
      ],
    ),
    db: migrationState(o.rows ?? rows({ [INIT]: 'applied' }), o.folders ?? [INIT, MIGRATION]),
    input: { yes: o.yes ?? false, reason: undefined },
  };
}

/** Runs a plan and returns its error (or throws when it did not refuse). */
export function refusal(fn: () => unknown): {
  code: string;
  exitCode: number;
  message: string;
  hint?: string;
} {
  try {
    fn();
  } catch (error) {
    return error as { code: string; exitCode: number; message: string; hint?: string };
  }
  throw new Error('expected the plan to refuse');
}

/** The kinds of a plan's steps, with the recorded step's action: a compact view to compare. */
export function shape(plan: readonly { kind: string; action?: unknown }[]): string[] {
  return plan.map((s) => (s.kind === 'recorded' ? `recorded:${String(s.action)}` : s.kind));
}
