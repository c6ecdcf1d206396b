import { analyzeSqlSync } from '../sql/analyze.js';
import { scanSql } from '../sql/lexer.js';
import type { CatalogQuery, Check, StatementProof } from './types.js';

/**
 * What each statement of a SQLite migration leaves in the catalog. SQLite keeps every CREATE
 * statement's text in sqlite_master, so an index, view, trigger or table is compared by that
 * text; an added column by what PRAGMA table_info says of it. Names compare without case.
 */

const KIND: Partial<Record<string, CatalogQuery['kind']>> = {
  table: 'relation',
  view: 'relation',
  index: 'index',
  trigger: 'trigger',
  column: 'column',
};

/** `ADD [COLUMN] name TYPE ... [NOT NULL] [DEFAULT x]`, read from the statement's code. */
function addedColumn(code: string): { type: string; notNull: boolean; default: string | null } | undefined {
  const m =
    /\bADD\s+(?:COLUMN\s+)?(?:"(?:[^"]|"")*"|`[^`]*`|[\w$]+)\s+([A-Za-z][\w]*(?:\s*\([^)]*\))?)?(.*)$/is.exec(
      code,
    );
  if (!m) return undefined;
  const rest = m[2] ?? '';
  const dflt = /\bDEFAULT\s+('(?:[^']|'')*'|-?[\d.]+|\([^)]*\)|[A-Za-z_]\w*)/i.exec(rest)?.[1];
  return {
    type: (m[1] ?? '').replace(/\s+/g, '').toUpperCase(),
    notNull: /\bNOT\s+NULL\b/i.test(rest),
    default: dflt ?? null,
  };
}

export function expectSqlite(sql: string): StatementProof[] {
  const chunks = scanSql(sql, 'sqlite').statements;
  const statements = analyzeSqlSync(sql, 'sqlite');
  // CREATE TABLE texts by name: a table redefined through a renamed copy is proved by that text.
  const created = new Map<string, string>();
  return statements.map((s, i) => {
    const base = { statement: s.index, line: s.line, sql: s.sql };
    if (s.kind === 'session' || s.kind === 'transaction') return { ...base, checks: [], trivial: true };
    if (s.kind === 'unknown')
      return { ...base, checks: [], unprovable: s.note ?? 'its effect is not visible in the catalog' };
    const code = chunks[i]?.code ?? s.sql;
    const checks: Check[] = [];
    const renamed = s.effects.length === 2 && s.effects[0]?.object.kind === 'table' && !s.effects[0].exists;
    for (const e of s.effects) {
      const kind = KIND[e.object.kind];
      if (!kind) return { ...base, checks: [], unprovable: `a ${e.object.kind} change` };
      const name = e.object.name.toLowerCase();
      const table = e.object.table?.toLowerCase();
      const query: CatalogQuery = {
        kind,
        schema: 'main',
        table: kind === 'column' ? table : undefined,
        name,
      };
      const label =
        kind === 'column'
          ? `column "${e.object.table}"."${e.object.name}"`
          : `${e.object.kind} "${e.object.name}"`;
      if (!e.exists) {
        checks.push({ label, query, expect: { kind: 'exists', exists: false } });
      } else if (kind === 'column') {
        const col = addedColumn(code);
        checks.push({
          label,
          query,
          expect: col ? { kind: 'sqlite-column', ...col } : { kind: 'exists', exists: true },
        });
      } else if (/^CREATE\b/i.test(code)) {
        if (e.object.kind === 'table') created.set(name, s.sql);
        checks.push({ label, query, expect: { kind: 'stored-sql', sql: s.sql } });
      } else if (renamed) {
        // ALTER TABLE "new_X" RENAME TO "X": SQLite stores the copy's CREATE text under the new name.
        const from = s.effects[0]!.object.name;
        const text = created.get(from.toLowerCase());
        checks.push({
          label,
          query,
          expect: text
            ? { kind: 'stored-sql', sql: text.replace(from, e.object.name) }
            : { kind: 'exists', exists: true },
        });
      } else {
        checks.push({ label, query, expect: { kind: 'exists', exists: true } });
      }
    }
    return { ...base, checks };
  });
}
