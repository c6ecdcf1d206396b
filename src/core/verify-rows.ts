import { oneLine } from './text.js';

/**
 * What a verify.sql query found, as it may leave the database: how many rows, and at most
 * `KEY_LIMIT` primary-key values to find them by (or row numbers where the result carries no
 * whole key). Never the rows' other values: they are production data, and what is reported goes
 * to terminals, CI logs, job summaries and the ledger in git. `--show-rows` prints the values
 * at a terminal only, outside every result.
 */
export interface FailingQuery {
  query: string;
  /** How many rows it returned (counted by the database). */
  rows: number;
  /** The primary-key columns whose values `keys` holds; null when the result has no whole key. */
  keyColumns: string[] | null;
  /** The key values of the first rows (composite keys as `(a, b)`), or their row numbers (1-based). */
  keys: string[];
}

export const KEY_LIMIT = 10;

/** One line per query: the query, then `3 rows; "Comment".id: 2, 3, 9` (never other values). */
export function failingText(failing: readonly FailingQuery[], pad = '  '): string {
  return failing.map((f) => `${pad}${oneLine(f.query)}\n${pad}    ${rowsLine(f)}`).join('\n');
}

export function rowsLine(f: FailingQuery): string {
  const n = `${f.rows.toLocaleString('en-US')} row${f.rows === 1 ? '' : 's'}`;
  const more = f.rows > f.keys.length ? ', …' : '';
  if (f.keyColumns) {
    const cols = f.keyColumns.length === 1 ? f.keyColumns[0]! : `(${f.keyColumns.join(', ')})`;
    return `${n}; ${cols}: ${f.keys.join(', ')}${more}`;
  }
  return `${n} (no primary key among its columns; rows ${f.keys.join(', ')}${more})`;
}

/** Said wherever rows were found: where their values can be seen, and where never. */
export const SHOW_ROWS_NOTE =
  'Row values are never printed or recorded; at a terminal, --show-rows prints them (never in CI, --json or the ledger).';
