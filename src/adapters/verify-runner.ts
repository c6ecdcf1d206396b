import { errorParts } from '../core/db-codes.js';
import type { Target } from '../core/target.js';
import { KEY_LIMIT, type FailingQuery } from '../core/verify-rows.js';
import { openDbReader, type DbReader } from './db-reader.js';

export interface VerifyQueryResult extends FailingQuery {
  /** The database's error, when the query could not run (with its SQLSTATE when it has one). */
  error?: { code: string | undefined; message: string } | undefined;
}

/** --show-rows at a terminal: the rows a query found, for a person's eyes only (never a result). */
export type ShowRows = (query: string, columns: string[], rows: unknown[][]) => void;

/**
 * Runs verify.sql's queries over the read-only connection, in a READ ONLY transaction with a
 * statement timeout (PostgreSQL; SQLite's connection is query_only). Each is counted by the
 * database; what comes back is the count and at most ten key values (core/verify-rows.ts):
 * the rows' values reach only `showRows`, when a person asked for them at a terminal.
 */
export async function runVerifyQueries(
  target: Target,
  queries: readonly string[],
  timeoutMs: number,
  showRows?: ShowRows,
): Promise<VerifyQueryResult[]> {
  return readOnly(target, timeoutMs, async (reader) => {
    const out: VerifyQueryResult[] = [];
    for (const query of queries) {
      try {
        const r = await reader.countedQuery(query, KEY_LIMIT);
        out.push({ query, rows: r.total, keyColumns: r.keyColumns, keys: r.keys });
        if (r.total > 0) showRows?.(query, r.columns, r.sample);
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
  target: Target,
  query: string,
  timeoutMs: number,
): Promise<{ n: number } | { error: { code: string | undefined; message: string } }> {
  return readOnly(target, timeoutMs, async (reader) => {
    try {
      const [row] = await reader.query<Record<string, unknown>>(query);
      return { n: row ? Number(Object.values(row)[0]) : Number.NaN };
    } catch (cause) {
      return { error: errorParts(cause) };
    }
  });
}

async function readOnly<T>(
  target: Target,
  timeoutMs: number,
  fn: (reader: DbReader) => Promise<T>,
): Promise<T> {
  const reader = await openDbReader(target);
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
