import type { Node } from 'libpg-query';
import { scanSql } from './sql/lexer.js';
import { parsePg } from './sql/parser.js';
import { qi } from './sql/objects.js';

/**
 * What `--backup` saves before SQL that drops or rewrites data: for each such statement, the
 * rows or the column it takes away, as the database has them now. Pure; the parser must be
 * loaded. Restoring is the reverse: rows go back (INSERT ... ON CONFLICT DO NOTHING), an
 * overwritten or dropped column gets its values back by primary key (once the column is there).
 */

export interface BackupItem {
  /** 1-based statement in the SQL that will run, for messages. */
  statement: number;
  /** DELETE: the rows it deletes; UPDATE: the rows before it; DROP TABLE: every row. */
  kind: 'rows' | 'column';
  schema: string | undefined;
  table: string;
  /** For 'column': the column dropped or retyped. */
  column?: string | undefined;
  /** The read-only query of what to save: `<table alias or name>.*` rows, or the key and column. */
  select: string;
  /** Restored with the primary key (an UPDATE, a column): it must be read from the catalog. */
  needsKey: boolean;
  /** One line for people: `rows DELETE removes from "Comment"`. */
  what: string;
}

/** Top-level keyword offsets of one statement (strings, quotes, comments and parentheses skipped). */
function topLevelAt(sql: string, word: string): number {
  let depth = 0;
  const re = new RegExp(`^${word}\\b`, 'i');
  for (let i = 0; i < sql.length; i += 1) {
    const ch = sql[i]!;
    if (ch === "'" || ch === '"') {
      const close = sql.indexOf(ch, i + 1);
      i = close === -1 ? sql.length : close;
    } else if (ch === '(') depth += 1;
    else if (ch === ')') depth -= 1;
    else if (depth === 0 && re.test(sql.slice(i)) && !/[\w$]/.test(sql[i - 1] ?? '')) return i;
  }
  return -1;
}

/** The WHERE clause of a statement as written (without RETURNING), or '' when it has none. */
function whereOf(sql: string): string {
  const where = topLevelAt(sql, 'WHERE');
  if (where === -1) return '';
  const returning = topLevelAt(sql, 'RETURNING');
  return sql.slice(where, returning > where ? returning : sql.length).trim();
}

/** The backups that the SQL about to run calls for (PostgreSQL). */
export function backupItems(sql: string, defaultSchema = 'public'): BackupItem[] {
  const out: BackupItem[] = [];
  scanSql(sql, 'postgresql').statements.forEach((chunk, i) => {
    const text = sql.slice(chunk.start, chunk.end);
    let node: Node | undefined;
    try {
      node = parsePg(text).stmts?.[0]?.stmt;
    } catch {
      return;
    }
    if (!node) return;
    const statement = i + 1;
    const rel = (r: { schemaname?: string; relname?: string } | undefined) => ({
      schema: r?.schemaname && r.schemaname !== defaultSchema ? r.schemaname : undefined,
      table: r?.relname ?? '',
    });
    const name = (t: { schema: string | undefined; table: string }) =>
      `${t.schema ? `${qi(t.schema)}.` : ''}${qi(t.table)}`;
    if ('DeleteStmt' in node || 'UpdateStmt' in node) {
      const s = 'DeleteStmt' in node ? node.DeleteStmt : node.UpdateStmt;
      const t = rel(s.relation);
      if (!t.table) return;
      const alias = s.relation?.alias?.aliasname;
      const from = `${name(t)}${alias ? ` ${qi(alias)}` : ''}`;
      // DELETE ... USING and UPDATE ... FROM join other tables: keep only the target's rows.
      const others = 'DeleteStmt' in node ? topLevelAt(text, 'USING') : topLevelAt(text, 'FROM');
      const where = whereOf(text);
      const whereAt = topLevelAt(text, 'WHERE');
      const keyword = 'DeleteStmt' in node ? 'USING' : 'FROM';
      const joined =
        others === -1
          ? ''
          : `, ${text.slice(others + keyword.length, whereAt === -1 ? text.length : whereAt).trim()}`;
      const update = 'UpdateStmt' in node;
      out.push({
        statement,
        kind: 'rows',
        ...t,
        select: `SELECT ${qi(alias ?? t.table)}.* FROM ${from}${joined} ${where}`.trim(),
        needsKey: update,
        what: `rows ${update ? 'UPDATE changes in' : 'DELETE removes from'} ${name(t)}, as they are now`,
      });
      return;
    }
    if ('DropStmt' in node && node.DropStmt.removeType === 'OBJECT_TABLE') {
      for (const obj of node.DropStmt.objects ?? []) {
        const names =
          'List' in obj ? (obj.List.items ?? []).map((n) => ('String' in n ? n.String.sval : '')) : [];
        const table = names.at(-1);
        if (!table) continue;
        const t = {
          schema: names.length > 1 && names.at(-2) !== defaultSchema ? names.at(-2) : undefined,
          table,
        };
        out.push({
          statement,
          kind: 'rows',
          ...t,
          select: `SELECT * FROM ${name(t)}`,
          needsKey: false,
          what: `every row of ${name(t)} (DROP TABLE)`,
        });
      }
      return;
    }
    if ('AlterTableStmt' in node) {
      const t = rel(node.AlterTableStmt.relation);
      for (const item of node.AlterTableStmt.cmds ?? []) {
        if (!('AlterTableCmd' in item)) continue;
        const cmd = item.AlterTableCmd;
        if ((cmd.subtype === 'AT_DropColumn' || cmd.subtype === 'AT_AlterColumnType') && cmd.name) {
          out.push({
            statement,
            kind: 'column',
            ...t,
            column: cmd.name,
            select: '', // the primary key is read first: the adapter builds SELECT <key>, <column>
            needsKey: true,
            what: `column ${name(t)}.${qi(cmd.name)} (${cmd.subtype === 'AT_DropColumn' ? 'DROP COLUMN' : 'type change'})`,
          });
        }
      }
    }
  });
  return out;
}

/** restore.sql for one saved table: what puts the saved values back, the statement per kind. */
export function restoreSql(
  item: BackupItem,
  key: readonly string[],
  json: string,
  columns: readonly string[],
): string {
  const table = `${item.schema ? `${qi(item.schema)}.` : ''}${qi(item.table)}`;
  // A dollar quote no backup can contain: the JSON text goes in verbatim.
  let tag = 'hotfix_backup';
  while (json.includes(`$${tag}$`)) tag += '_';
  const data = `json_populate_recordset(NULL::${table}, $${tag}$${json}$${tag}$)`;
  if (item.kind === 'column') {
    const col = qi(item.column ?? '');
    const match = key.map((k) => `t.${qi(k)} = b.${qi(k)}`).join(' AND ');
    return `UPDATE ${table} AS t SET ${col} = b.${col} FROM ${data} AS b WHERE ${match};\n`;
  }
  if (item.needsKey && key.length > 0) {
    const set = columns.filter((c) => !key.includes(c)).map((c) => `${qi(c)} = EXCLUDED.${qi(c)}`);
    return `INSERT INTO ${table} SELECT * FROM ${data}\nON CONFLICT (${key.map(qi).join(', ')}) DO UPDATE SET ${set.join(', ')};\n`;
  }
  return `INSERT INTO ${table} SELECT * FROM ${data}\nON CONFLICT DO NOTHING;\n`;
}
