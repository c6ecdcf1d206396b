import path from 'node:path';
import { errorParts } from '../core/db-codes.js';
import type { VerifySqlState } from '../core/plan/resolve-check.js';
import type { Target } from '../core/target.js';
import { isVerifyTemplate, notReadOnly, verifyQueries } from '../core/verify-sql.js';
import { KEY_LIMIT, type FailingQuery } from '../core/verify-rows.js';
import type { DbReader } from '../adapters/db-reader.js';
import type { Ports } from './ports.js';

/** How long one verify.sql query may run: long enough for a COUNT on a big table, not for a scan of days. */
export const VERIFY_TIMEOUT_MS = 30_000;

/** --show-rows at a terminal: the rows a query found, for a person's eyes only (never a result). */
export type ShowRows = (query: string, columns: string[], rows: unknown[][]) => void;

/** What running verify.sql needs: the ports, and --show-rows when a person asked at a terminal. */
export interface VerifyIo {
  ports: Ports;
  showRows?: ShowRows | undefined;
}

export interface VerifyQueryResult extends FailingQuery {
  /** The database's error, when the query could not run (with its SQLSTATE when it has one). */
  error?: { code: string | undefined; message: string } | undefined;
}

/**
 * Runs a hotfix's verify.sql against an environment, read-only, and says what it found. A file
 * that is missing, still the template, or without a query proves nothing; one that would write
 * is refused before anything runs.
 */
export async function verifySqlState(
  io: VerifyIo,
  target: Target,
  migrationDir: string,
  timeoutMs = VERIFY_TIMEOUT_MS,
): Promise<VerifySqlState> {
  const text = await io.ports.files.read(path.join(migrationDir, 'verify.sql'));
  if (text === undefined) return { state: 'missing' };
  if (isVerifyTemplate(text)) return { state: 'template' };
  const provider = target.provider;
  const queries = verifyQueries(text, provider);
  if (queries.length === 0) return { state: 'empty' };
  const writes = notReadOnly(text, provider);
  if (writes.length > 0) return { state: 'not-read-only', statements: writes.map((w) => w.statement) };
  const results = await runVerifyQueries(io, target, queries, timeoutMs);
  const failed = results.find((r) => r.error);
  if (failed?.error) return { state: 'error', query: failed.query, ...failed.error };
  const failing = results
    .filter((r) => r.rows > 0)
    .map(({ query, rows, keyColumns, keys }) => ({ query, rows, keyColumns, keys }));
  return failing.length > 0 ? { state: 'fails', failing } : { state: 'holds', queries: queries.length };
}

/**
 * Runs verify.sql's queries over the read-only connection, in a READ ONLY transaction with a
 * statement timeout (PostgreSQL; SQLite's connection is query_only). Each is counted by the
 * database; what comes back is the count and at most ten key values (core/verify-rows.ts):
 * the rows' values reach only `showRows`, when a person asked for them at a terminal.
 */
export async function runVerifyQueries(
  io: VerifyIo,
  target: Target,
  queries: readonly string[],
  timeoutMs: number,
): Promise<VerifyQueryResult[]> {
  return readOnly(io.ports, target, timeoutMs, async (reader) => {
    const out: VerifyQueryResult[] = [];
    for (const query of queries) {
      try {
        const r = await reader.countedQuery(query, KEY_LIMIT);
        out.push({ query, rows: r.total, keyColumns: r.keyColumns, keys: r.keys });
        if (r.total > 0) io.showRows?.(query, r.columns, r.sample);
      } catch (cause) {
        out.push({ query, rows: 0, keyColumns: null, keys: [], error: errorParts(cause) });
        break; // the transaction is aborted: later queries would only repeat the error
      }
    }
    return out;
  });
}

/**
 * A single number from a read-only query (the rows a DELETE would touch, for a confirmation),
 * or the database's error.
 */
export async function readOnlyCount(
  ports: Ports,
  target: Target,
  query: string,
  timeoutMs: number,
): Promise<{ n: number } | { error: { code: string | undefined; message: string } }> {
  return readOnly(ports, target, timeoutMs, async (reader) => {
    try {
      const [row] = await reader.query<Record<string, unknown>>(query);
      return { n: row ? Number(Object.values(row)[0]) : Number.NaN };
    } catch (cause) {
      return { error: errorParts(cause) };
    }
  });
}

async function readOnly<T>(
  ports: Ports,
  target: Target,
  timeoutMs: number,
  fn: (reader: DbReader) => Promise<T>,
): Promise<T> {
  const reader = await ports.db.reader(target);
  const pg = target.provider === 'postgresql';
  try {
    if (pg) {
      await reader.query('BEGIN READ ONLY');
      await reader.query(`SET LOCAL statement_timeout = ${Math.max(1, Math.round(timeoutMs))}`);
    }
    return await fn(reader);
  } finally {
    if (pg) await reader.query('ROLLBACK').catch(() => undefined);
    await reader.close();
  }
}

/** How many queries the verify.sql files of a hotfix's migrations hold (templates hold none). */
export async function verifyQueryCount(
  ports: Ports,
  s: { target: Target; migrationsDir: string; migrations: string[] },
): Promise<number> {
  let n = 0;
  for (const m of s.migrations) {
    const text = await ports.files.read(path.join(s.migrationsDir, m, 'verify.sql'));
    if (text !== undefined && !isVerifyTemplate(text)) n += verifyQueries(text, s.target.provider).length;
  }
  return n;
}
