import type { Provider } from '../target.js';

/** The catalog objects a migration can add or remove, and how messages and SQL name them. */

export type ObjectKind =
  | 'schema'
  | 'table'
  | 'view'
  | 'sequence'
  | 'index'
  | 'type'
  | 'trigger'
  | 'column'
  | 'constraint'
  | 'not-null'
  | 'default';

export interface DbObject {
  kind: ObjectKind;
  /** PostgreSQL schema when it is not the default one; always undefined on SQLite. */
  schema?: string | undefined;
  /** Owning table: columns, constraints, NOT NULL, defaults; indexes when the SQL names it. */
  table?: string | undefined;
  name: string;
  /** SQLite: names compare without case (the label keeps the case as written). */
  caseless?: true | undefined;
}

const WITH_TABLE = new Set<ObjectKind>(['column', 'constraint', 'not-null', 'default']);

/** Identity of an object: indexes are per schema (their table is only metadata). */
export function objectKey(o: DbObject): string {
  const fold = (s: string | undefined) => (o.caseless ? (s ?? '').toLowerCase() : (s ?? ''));
  return [o.kind, fold(o.schema), WITH_TABLE.has(o.kind) ? fold(o.table) : '', o.name].join('\u0000');
}

/** An identifier quoted as PostgreSQL (and SQLite) print it. */
export const qi = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** How messages name an object: `column "User"."flag"`. */
export function objectLabel(o: DbObject): string {
  const rel = (name: string) => (o.schema ? `${qi(o.schema)}.${qi(name)}` : qi(name));
  switch (o.kind) {
    case 'column':
      return `column ${rel(o.table ?? '?')}.${qi(o.name)}`;
    case 'constraint':
      return `constraint ${qi(o.name)} on ${rel(o.table ?? '?')}`;
    case 'not-null':
      return `NOT NULL on ${rel(o.table ?? '?')}.${qi(o.name)}`;
    case 'default':
      return `default of ${rel(o.table ?? '?')}.${qi(o.name)}`;
    case 'schema':
      return `schema ${qi(o.name)}`;
    default:
      return `${o.kind} ${rel(o.name)}`;
  }
}

/** SQL that removes an object a migration added: offered when down.sql lacks it. */
export function removalSql(o: DbObject, provider: Provider): string | undefined {
  const rel = (name: string) => (o.schema ? `${qi(o.schema)}.${qi(name)}` : qi(name));
  switch (o.kind) {
    case 'table':
    case 'view':
    case 'sequence':
    case 'index':
    case 'type':
    case 'trigger':
      return `DROP ${o.kind.toUpperCase()} ${rel(o.name)};`;
    case 'column':
      return `ALTER TABLE ${rel(o.table ?? '?')} DROP COLUMN ${qi(o.name)};`;
    case 'constraint':
      return provider === 'sqlite'
        ? undefined
        : `ALTER TABLE ${rel(o.table ?? '?')} DROP CONSTRAINT ${qi(o.name)};`;
    case 'not-null':
      return `ALTER TABLE ${rel(o.table ?? '?')} ALTER COLUMN ${qi(o.name)} DROP NOT NULL;`;
    case 'default':
      return `ALTER TABLE ${rel(o.table ?? '?')} ALTER COLUMN ${qi(o.name)} DROP DEFAULT;`;
    case 'schema':
      return `DROP SCHEMA ${qi(o.name)};`;
  }
}

/** The schema Prisma uses for a PostgreSQL URL (`?schema=`), `public` without one. */
export function pgDefaultSchema(url: string): string {
  try {
    return new URL(url).searchParams.get('schema') || 'public';
  } catch {
    return 'public';
  }
}
