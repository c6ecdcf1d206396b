import { deriveState, type LedgerFile } from './ledger.js';
import type { RowState } from './intent.js';
import { rowState, type MigrationRow } from './migration-state.js';

/**
 * What a ledger claims of each environment's `_prisma_migrations`, and where a database says
 * otherwise. A ledger is a file in git: anyone can add a "deployed to production" event by hand
 * (or a merge can carry one over); the database is the truth, so a claim it contradicts is
 * never trusted (finish refuses, status and checklist show it).
 */
export interface LedgerClaim {
  env: string;
  migration: string;
  /** applied: deployed, resolved; not-applied: rolled back here (or a failed one undone). */
  expect: 'applied' | 'not-applied';
  /** The event that makes the claim. */
  event: { type: string; at: string; actor: string };
}

export interface ClaimMismatch extends LedgerClaim {
  /** What the database says of the migration's latest row. */
  found: RowState;
}

/** The claims of every environment in a settled state. */
export function ledgerClaims(file: LedgerFile): LedgerClaim[] {
  const state = deriveState(file);
  const out: LedgerClaim[] = [];
  for (const env of state.envs) {
    const expect =
      env.state === 'deployed' || env.state === 'resolved'
        ? 'applied'
        : env.state === 'rolled-back'
          ? 'not-applied'
          : undefined;
    if (!expect) continue;
    const event = { type: env.lastEvent.type, at: env.lastEvent.at, actor: env.lastEvent.actor };
    for (const m of state.migrations) out.push({ env: env.name, migration: m.name, expect, event });
  }
  return out;
}

/** The claims about `env` that its rows contradict. */
export function contradicted(
  claims: readonly LedgerClaim[],
  env: string,
  rows: readonly MigrationRow[],
): ClaimMismatch[] {
  const out: ClaimMismatch[] = [];
  for (const c of claims) {
    if (c.env !== env) continue;
    const found = rowState(rows.filter((r) => r.migrationName === c.migration).at(-1));
    const holds = c.expect === 'applied' ? found === 'applied' : found !== 'applied';
    if (!holds) out.push({ ...c, found });
  }
  return out;
}

/** One line per contradiction, for people. */
export function describeMismatch(m: ClaimMismatch): string {
  const db = m.found === 'absent' ? 'has no row of it' : `has it ${m.found}`;
  return `${m.env}: the ledger says ${m.event.type} (${m.event.at}, ${m.event.actor}), but _prisma_migrations ${db} for ${m.migration}`;
}

export interface ClaimsChecked {
  /** Claims the database contradicts. */
  mismatches: ClaimMismatch[];
  /** Environments whose claims were read against their database. */
  checked: string[];
  /** Environments with a claim that could not be read, and why (named, never assumed). */
  unread: { env: string; why: string }[];
}
