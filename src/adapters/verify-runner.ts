import { errorParts } from '../core/db-codes.js';
import type { Target } from '../core/target.js';
import { openDbReader } from './db-reader.js';

export interface VerifyQueryResult {
  query: string;
  /** The first rows it returned (a hotfix holds when every query returns none). */
  rows: Record<string, unknown>[];
  /** The database's error, when the query could not run (with its SQLSTATE when it has one). */
  error?: { code: string | undefined; message: string } | undefined;
}

const SHOWN_ROWS = 5;

/**
 * Runs verify.sql's queries over the read-only connection, in a READ ONLY transaction with a
 * statement timeout (PostgreSQL; SQLite's connection is query_only), and keeps the first rows
 * of each: what is still wrong, for the person to see.
 */
export async function runVerifyQueries(
  target: Target,
  queries: readonly string[],
  timeoutMs: number,
): Promise<VerifyQueryResult[]> {
  const reader = await openDbReader(target);
  const out: VerifyQueryResult[] = [];
  const pg = target.provider === 'postgresql';
  try {
    if (pg) {
      await reader.query('BEGIN READ ONLY');
      await reader.query(`SET LOCAL statement_timeout = ${Math.max(1, Math.round(timeoutMs))}`);
    }
    for (const query of queries) {
      try {
        const rows = await reader.query<Record<string, unknown>>(query);
        out.push({ query, rows: rows.slice(0, SHOWN_ROWS).map(plain) });
      } catch (cause) {
        out.push({ query, rows: [], error: errorParts(cause) });
        break; // the transaction is aborted: later queries would only repeat the error
      }
    }
  } finally {
    if (pg) await reader.query('ROLLBACK').catch(() => undefined);
    await reader.close();
  }
  return out;
}

/** Rows as JSON-safe values (dates as ISO text, bigints as text). */
function plain(row: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(row).map(([k, v]) => [
      k,
      v instanceof Date ? v.toISOString() : typeof v === 'bigint' ? v.toString() : v,
    ]),
  );
}
