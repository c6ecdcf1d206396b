/**
 * What resolve must find in the live catalog for each statement of a hotfix migration, what the
 * catalog says, and the verdict. The expectations come from the migration's own SQL
 * (expect-postgres.ts, expect-sqlite.ts); the facts from a read-only connection
 * (adapters/catalog.ts); the verdict is pure (judge.ts).
 */

/** One lookup in the catalog; `key()` identifies it. */
export interface CatalogQuery {
  kind:
    | 'relation'
    | 'index'
    | 'constraint'
    | 'primary-key'
    | 'column'
    | 'trigger'
    | 'function'
    | 'extension'
    | 'enum'
    | 'type'
    | 'schema';
  /** PostgreSQL schema (SQLite: 'main'). */
  schema: string;
  /** The table of a constraint, column, trigger or primary key. */
  table?: string | undefined;
  name: string;
}

export const queryKey = (q: CatalogQuery): string => [q.kind, q.schema, q.table ?? '', q.name].join('\u0000');

/** What the statement leaves behind, as the catalog must show it. */
export type Expect =
  | { kind: 'exists'; exists: boolean }
  | { kind: 'index'; ast: unknown }
  | { kind: 'constraint'; ast: unknown; notValid: boolean }
  | { kind: 'validated' }
  | { kind: 'column'; type?: unknown; notNull?: boolean; default?: unknown; serial?: boolean }
  | { kind: 'default'; expr: unknown }
  | { kind: 'not-null'; value: boolean }
  | { kind: 'trigger'; ast: unknown }
  | { kind: 'function'; body?: string | undefined; language?: string | undefined; returns?: unknown }
  | { kind: 'enum'; labels?: string[] | undefined; has?: string | undefined; hasNot?: string | undefined }
  | { kind: 'view'; ast: unknown }
  /** SQLite keeps each CREATE statement's text: the stored text must say the same. */
  | { kind: 'stored-sql'; sql: string }
  /** A SQLite column as PRAGMA table_info shows it. */
  | { kind: 'sqlite-column'; type: string; notNull: boolean; default: string | null };

export interface Check {
  /** How messages name it: `index "Post_title_idx"`. */
  label: string;
  query: CatalogQuery;
  expect: Expect;
}

/** A statement of migration.sql and how it is proved. */
export interface StatementProof {
  statement: number;
  line: number;
  sql: string;
  /** Nothing to prove (SET, transaction control, comments). */
  trivial?: boolean;
  checks: Check[];
  /** Why the catalog cannot show (all of) what it does: a data change, a grant, a DO block... */
  unprovable?: string | undefined;
}

/** What the catalog says about one query (adapters/catalog.ts). */
export interface CatalogFact {
  exists: boolean;
  /** pg_get_indexdef / pg_get_constraintdef / pg_get_triggerdef / pg_get_viewdef / sqlite_master.sql */
  def?: string | undefined;
  /** Index: indisvalid. Constraint: convalidated. */
  valid?: boolean | undefined;
  /** Column: format_type; function: pg_get_function_result. */
  type?: string | undefined;
  notNull?: boolean | undefined;
  default?: string | null | undefined;
  /** Function source and language. */
  body?: string | undefined;
  language?: string | undefined;
  /** Enum labels in order. */
  labels?: string[] | undefined;
}

export type Verdict =
  { ok: true; how: string } | { ok: false; state: 'missing' | 'differs' | 'invalid'; detail: string };
