import { isParserLoaded, parsePg } from './parser.js';

/**
 * The tables a migration names, without schema (as pg_class.relname): shown before a protected
 * deploy, and asked about when a lock timed out. PostgreSQL's parser gives them exactly (every
 * RangeVar but a WITH query's own name); SQL it cannot parse (another dialect, or the parser not
 * loaded) falls back to the keywords before a table's name.
 */
export function tablesOf(sql: string): string[] {
  if (isParserLoaded()) {
    try {
      return fromTree(parsePg(sql));
    } catch {
      // not PostgreSQL's syntax: the keyword scan below
    }
  }
  return tablesByKeywords(sql);
}

function fromTree(tree: unknown): string[] {
  const names = new Set<string>();
  const ctes = new Set<string>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (node === null || typeof node !== 'object') return;
    // A RangeVar is wrapped ({RangeVar: ...}) where the field is any node, bare where it must
    // be one (DeleteStmt.relation): known by its relpersistence either way.
    const rv = node as { relname?: unknown; relpersistence?: unknown };
    if (typeof rv.relname === 'string' && 'relpersistence' in rv) names.add(rv.relname);
    const cte = (node as { CommonTableExpr?: { ctename?: unknown } }).CommonTableExpr?.ctename;
    if (typeof cte === 'string') ctes.add(cte);
    for (const value of Object.values(node)) {
      walk(value);
    }
  };
  walk(tree);
  return [...names].filter((n) => !ctes.has(n));
}

const NAME = String.raw`(?:"?[\w$]+"?\s*\.\s*)?(?:"((?:[^"]|"")+)"|([A-Za-z_][\w$]*))`;
/** After these a table's name follows; after ON only an index's table (ON x (cols) / USING). */
const KEYWORD_NAME = new RegExp(
  String.raw`\b(?:TABLE|INTO|UPDATE|FROM|JOIN|REFERENCES)\s+(?:ONLY\s+|IF\s+(?:NOT\s+)?EXISTS\s+)?${NAME}|\bON\s+(?:ONLY\s+)?${NAME}\s*(?:\(|USING\b)`,
  'gi',
);
const NOT_TABLES = new Set(['only', 'if', 'select', 'set', 'cascade', 'restrict', 'lateral']);

export function tablesByKeywords(sql: string): string[] {
  const ctes = new Set(
    [...sql.matchAll(/(?:\bWITH(?:\s+RECURSIVE)?|,)\s+"?([\w$]+)"?\s+AS\s*\(/gi)].map((m) =>
      m[1]!.toLowerCase(),
    ),
  );
  const names = new Set<string>();
  for (const m of sql.matchAll(KEYWORD_NAME)) {
    const quoted = m[1] ?? m[3];
    const name = quoted !== undefined ? quoted.replace(/""/g, '"') : (m[2] ?? m[4]!).toLowerCase();
    if (!NOT_TABLES.has(name.toLowerCase()) && !ctes.has(name.toLowerCase())) names.add(name);
  }
  return [...names];
}
