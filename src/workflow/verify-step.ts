import path from 'node:path';
import { findingsError, type HotfixError } from '../core/errors.js';
import type { VerifySqlState } from '../core/plan/resolve-check.js';
import type { Step } from '../core/plan/types.js';
import { failingText, SHOW_ROWS_NOTE } from '../core/verify-rows.js';
import type { Session } from './session.js';
import { verifySqlState } from './verify-sql.js';

/**
 * verify.sql after a deploy (it must hold: the migration ran, but does the fix?) or a rollback
 * (reported). The result is recorded as a `verified` event with the rows that are still wrong.
 */
export async function runVerifyStep(
  s: Session,
  step: Extract<Step, { kind: 'verify-sql' }>,
): Promise<{ state: VerifySqlState; error?: HotfixError }> {
  const states = await Promise.all(
    step.migrations.map((m) =>
      verifySqlState({ ports: s.ports, showRows: s.deps.showRows }, s.target, path.join(s.migrationsDir, m)),
    ),
  );
  const bad = states.find(
    (st) => st.state === 'fails' || st.state === 'error' || st.state === 'not-read-only',
  );
  const holds = states.filter(
    (st): st is Extract<VerifySqlState, { state: 'holds' }> => st.state === 'holds',
  );
  const state: VerifySqlState =
    bad ??
    (holds.length > 0
      ? { state: 'holds', queries: holds.reduce((n, h) => n + h.queries, 0) }
      : (states[0] ?? { state: 'missing' }));
  if (state.state !== 'holds' && !bad) return { state }; // nothing to run: no proof, no record
  await s.rec.append([
    {
      type: 'verified',
      outcome: bad ? 'failed' : 'ok',
      migration: s.migration,
      details: {
        verifySql: state.state,
        after: step.mode === 'require' ? 'deploy' : 'rollback',
        ...detailsOf(state),
      },
    },
  ]);
  if (!bad || step.mode === 'report') return { state };
  const what =
    state.state === 'fails'
      ? `verify.sql finds rows that the hotfix should have fixed:\n${failingText(state.failing)}\n${SHOW_ROWS_NOTE}`
      : state.state === 'error'
        ? `a query of verify.sql failed${state.code ? ` (${state.code})` : ''}: ${state.message}`
        : 'verify.sql holds statements that are not read-only queries; none was run';
  return {
    state,
    error: findingsError(
      'VERIFY_SQL_FAILED',
      `The migration was applied on ${s.target.env.name}, but ${what}`,
      {
        hint: `Find the rows by the keys above; fix the data (a follow-up hotfix) or verify.sql, then check again with: hotfix verify --env ${s.target.env.name}`,
        details: detailsOf(state),
      },
    ),
  };
}

function detailsOf(state: VerifySqlState): Record<string, unknown> {
  if (state.state === 'fails') return { failing: state.failing };
  if (state.state === 'error')
    return { query: state.query, code: state.code ?? null, message: state.message.slice(0, 1000) };
  if (state.state === 'holds') return { queries: state.queries };
  return {};
}
