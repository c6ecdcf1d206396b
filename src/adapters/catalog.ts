import { queryKey, type CatalogFact, type CatalogQuery } from '../core/proof/types.js';
import type { Target } from '../core/target.js';
import { openDbReader, type DbReader } from './db-reader.js';

/**
 * Reads what the live catalog says about each query, over the read-only connection: the
 * object's definition as the database prints it (pg_get_indexdef, pg_get_constraintdef,
 * format_type, pg_get_expr, pg_get_triggerdef, pg_get_viewdef; SQLite's stored CREATE text).
 */
export async function readCatalog(
  target: Target,
  queries: readonly CatalogQuery[],
): Promise<Map<string, CatalogFact>> {
  const facts = new Map<string, CatalogFact>();
  if (queries.length === 0) return facts;
  const reader = await openDbReader(target);
  try {
    for (const q of queries) {
      const key = queryKey(q);
      if (facts.has(key)) continue;
      facts.set(key, target.provider === 'sqlite' ? await sqliteFact(reader, q) : await pgFact(reader, q));
    }
  } finally {
    await reader.close();
  }
  return facts;
}

type Row = Record<string, unknown>;
const none: CatalogFact = { exists: false };
const text = (v: unknown): string | undefined =>
  typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'bigint' ? v.toString() : undefined;

async function one(reader: DbReader, sql: string, params: unknown[]): Promise<Row | undefined> {
  return (await reader.query<Row>(sql, params))[0];
}

const REL = `FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace`;

async function pgFact(reader: DbReader, q: CatalogQuery): Promise<CatalogFact> {
  switch (q.kind) {
    case 'relation': {
      const r = await one(
        reader,
        `SELECT c.relkind::text AS kind, CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid) END AS def
         ${REL} WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')`,
        [q.schema, q.name],
      );
      return r ? { exists: true, def: text(r.def) } : none;
    }
    case 'index': {
      const r = await one(
        reader,
        `SELECT pg_get_indexdef(i.indexrelid) AS def, i.indisvalid AS valid
         FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = $1 AND c.relname = $2`,
        [q.schema, q.name],
      );
      return r ? { exists: true, def: text(r.def), valid: r.valid === true } : none;
    }
    case 'constraint':
    case 'primary-key': {
      const r = await one(
        reader,
        `SELECT pg_get_constraintdef(con.oid) AS def, con.convalidated AS valid
         FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = $1 AND c.relname = $2 AND ${q.kind === 'primary-key' ? `con.contype = 'p'` : 'con.conname = $3'}`,
        q.kind === 'primary-key' ? [q.schema, q.table] : [q.schema, q.table, q.name],
      );
      return r ? { exists: true, def: text(r.def), valid: r.valid === true } : none;
    }
    case 'column': {
      const r = await one(
        reader,
        `SELECT format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS not_null, pg_get_expr(d.adbin, d.adrelid) AS dflt
         FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
         LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
         WHERE n.nspname = $1 AND c.relname = $2 AND a.attname = $3 AND a.attnum > 0 AND NOT a.attisdropped`,
        [q.schema, q.table, q.name],
      );
      return r
        ? { exists: true, type: text(r.type), notNull: r.not_null === true, default: text(r.dflt) ?? null }
        : none;
    }
    case 'trigger': {
      const r = await one(
        reader,
        `SELECT pg_get_triggerdef(t.oid) AS def
         FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = $1 AND c.relname = $2 AND t.tgname = $3 AND NOT t.tgisinternal`,
        [q.schema, q.table, q.name],
      );
      return r ? { exists: true, def: text(r.def) } : none;
    }
    case 'function': {
      const r = await one(
        reader,
        `SELECT p.prosrc AS body, l.lanname AS language, pg_get_function_result(p.oid) AS result
         FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace JOIN pg_language l ON l.oid = p.prolang
         WHERE n.nspname = $1 AND p.proname = $2 ORDER BY p.oid LIMIT 1`,
        [q.schema, q.name],
      );
      return r
        ? { exists: true, body: text(r.body), language: text(r.language), type: text(r.result) }
        : none;
    }
    case 'extension': {
      const r = await one(reader, `SELECT extversion FROM pg_extension WHERE extname = $1`, [q.name]);
      return r ? { exists: true } : none;
    }
    case 'enum':
    case 'type': {
      const rows = await reader.query<Row>(
        `SELECT e.enumlabel AS label FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
         LEFT JOIN pg_enum e ON e.enumtypid = t.oid WHERE n.nspname = $1 AND t.typname = $2 ORDER BY e.enumsortorder`,
        [q.schema, q.name],
      );
      if (rows.length === 0) return none;
      return {
        exists: true,
        labels: rows.map((r) => text(r.label)).filter((l): l is string => l !== undefined),
      };
    }
    case 'schema': {
      const r = await one(reader, `SELECT 1 AS x FROM pg_namespace WHERE nspname = $1`, [q.name]);
      return r ? { exists: true } : none;
    }
  }
}

async function sqliteFact(reader: DbReader, q: CatalogQuery): Promise<CatalogFact> {
  if (q.kind === 'column') {
    const r = await one(
      reader,
      `SELECT type, "notnull" AS not_null, dflt_value AS dflt FROM pragma_table_info(?) WHERE lower(name) = lower(?)`,
      [q.table ?? '', q.name],
    );
    return r
      ? { exists: true, type: text(r.type), notNull: Number(r.not_null) === 1, default: text(r.dflt) ?? null }
      : none;
  }
  const types: Partial<Record<CatalogQuery['kind'], string[]>> = {
    relation: ['table', 'view'],
    index: ['index'],
    trigger: ['trigger'],
  };
  const kinds = types[q.kind];
  if (!kinds) return none;
  const r = await one(
    reader,
    `SELECT sql FROM sqlite_master WHERE type IN (${kinds.map(() => '?').join(', ')}) AND lower(name) = lower(?)`,
    [...kinds, q.name],
  );
  return r ? { exists: true, def: text(r.sql) } : none;
}
