import path from 'node:path';
import { readIfExists } from '../adapters/fs-safe.js';
import { runVerifyQueries, type ShowRows } from '../adapters/verify-runner.js';
import type { VerifySqlState } from '../core/plan/resolve-check.js';
import type { Target } from '../core/target.js';
import { isVerifyTemplate, notReadOnly, verifyQueries } from '../core/verify-sql.js';

/** How long one verify.sql query may run: long enough for a COUNT on a big table, not for a scan of days. */
export const VERIFY_TIMEOUT_MS = 30_000;

/**
 * Runs a hotfix's verify.sql against an environment, read-only, and says what it found. A file
 * that is missing, still the template, or without a query proves nothing; one that would write
 * is refused before anything runs.
 */
export async function verifySqlState(
  target: Target,
  migrationDir: string,
  showRows?: ShowRows,
  timeoutMs = VERIFY_TIMEOUT_MS,
): Promise<VerifySqlState> {
  const text = await readIfExists(path.join(migrationDir, 'verify.sql'));
  if (text === undefined) return { state: 'missing' };
  if (isVerifyTemplate(text)) return { state: 'template' };
  const provider = target.provider;
  const queries = verifyQueries(text, provider);
  if (queries.length === 0) return { state: 'empty' };
  const writes = notReadOnly(text, provider);
  if (writes.length > 0) return { state: 'not-read-only', statements: writes.map((w) => w.statement) };
  const results = await runVerifyQueries(target, queries, timeoutMs, showRows);
  const failed = results.find((r) => r.error);
  if (failed?.error) return { state: 'error', query: failed.query, ...failed.error };
  const failing = results
    .filter((r) => r.rows > 0)
    .map(({ query, rows, keyColumns, keys }) => ({ query, rows, keyColumns, keys }));
  return failing.length > 0 ? { state: 'fails', failing } : { state: 'holds', queries: queries.length };
}

/** How many queries the verify.sql files of a hotfix's migrations hold (templates hold none). */
export async function verifyQueryCount(s: {
  target: Target;
  migrationsDir: string;
  migrations: string[];
}): Promise<number> {
  let n = 0;
  for (const m of s.migrations) {
    const text = await readIfExists(path.join(s.migrationsDir, m, 'verify.sql'));
    if (text !== undefined && !isVerifyTemplate(text)) n += verifyQueries(text, s.target.provider).length;
  }
  return n;
}
