import type { DbObject } from './objects.js';

/** What one statement does to the catalog: the shape analyzeSql returns (see analyze.ts). */

export interface Effect {
  object: DbObject;
  /** Whether the object exists (NOT NULL / default: is set) once the statement has run. */
  exists: boolean;
  /** Running it when the object is already so does not fail (IF [NOT] EXISTS, SET NOT NULL...). */
  idempotent: boolean;
}

export type StatementKind = 'change' | 'session' | 'transaction' | 'unknown';

export interface SqlStatement {
  /** 1-based position in its file. */
  index: number;
  line: number;
  /** The statement as written (comments inside kept), without its `;`. */
  sql: string;
  kind: StatementKind;
  effects: Effect[];
  /** Must run outside a transaction (CONCURRENTLY, VACUUM). */
  concurrent: boolean;
  /** Why an unknown statement is unknown ("a data change (UPDATE)"). */
  note?: string | undefined;
  /** The table whose rows a data change (INSERT, UPDATE, DELETE, MERGE) writes. */
  writes?: DbObject | undefined;
}

/** What the dialect analyses (effects-postgres.ts, effects-sqlite.ts) say about a statement. */
export type Analysis = Pick<SqlStatement, 'kind' | 'effects' | 'concurrent' | 'note' | 'writes'>;

export const unknownStatement = (note: string, concurrent = false): Analysis => ({
  kind: 'unknown',
  effects: [],
  concurrent,
  note,
});
