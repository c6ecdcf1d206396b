import path from 'node:path';
import { pgDefaultSchema, qi } from '../core/sql/objects.js';
import type { RestoredItem } from '../core/plan/types.js';
import type { Session } from './session.js';

export interface RestoredCount {
  table: string;
  column: string | null;
  /** Rows the backup holds. */
  expected: number;
  /** Of those, the rows the table holds as they were saved (the column: with the saved value). */
  found: number;
}

/**
 * Whether a backup's rows are back, compared in the database: each saved row must be in its
 * table exactly as saved (a column: the row, found by its key, with the saved value). The
 * backup's JSON goes to the server as a parameter; only counts come back. PostgreSQL only (a
 * SQLite backup is the whole file).
 */
export async function restoredCounts(s: Session, items: readonly RestoredItem[]): Promise<RestoredCount[]> {
  const schema = pgDefaultSchema(s.target.url);
  const reader = await s.ports.db.reader(s.target);
  try {
    const out: RestoredCount[] = [];
    for (const item of items) {
      const json = (await s.ports.files.read(path.resolve(s.projectRoot, item.file))) ?? '[]';
      const table = `${qi(schema)}.${qi(item.table)}`;
      const saved = `json_populate_recordset(NULL::${table}, $1::json)`;
      let sql: string;
      if (item.column === null) {
        sql = `SELECT count(*)::int AS expected, count(*) FILTER (WHERE EXISTS (SELECT 1 FROM ${table} t WHERE to_jsonb(t) = to_jsonb(b)))::int AS found FROM ${saved} b`;
      } else {
        const key = await reader.query<{ name: string }>(
          `SELECT a.attname AS name FROM pg_index i
             JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, pos) ON true
             JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
            WHERE i.indrelid = to_regclass($1) AND i.indisprimary ORDER BY k.pos`,
          [table],
        );
        const match = key.map((k) => `t.${qi(k.name)} = b.${qi(k.name)}`).join(' AND ') || 'false';
        const col = qi(item.column);
        sql = `SELECT count(*)::int AS expected, count(t.*) FILTER (WHERE t.${col} IS NOT DISTINCT FROM b.${col})::int AS found FROM ${saved} b LEFT JOIN ${table} t ON ${match}`;
      }
      const [row] = await reader.query<{ expected: number; found: number }>(sql, [json]);
      out.push({
        table: item.table,
        column: item.column,
        expected: row?.expected ?? 0,
        found: row?.found ?? 0,
      });
    }
    return out;
  } finally {
    await reader.close();
  }
}
