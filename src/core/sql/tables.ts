import type { Provider } from '../target.js';
import { parsePg } from './parser.js';

/**
 * The tables a migration names, without schema (as pg_class.relname): shown before a protected
 * deploy, and asked about when a lock timed out. PostgreSQL's parser gives them (RangeVars and
 * DROP TABLE's names; DO and function bodies, strings to it, by keywords), so the caller loads
 * it first (loadParser); SQL it cannot parse and other dialects fall back to the keywords before
 * a table's name. The answer depends on the provider only, never on what was loaded before.
 */
export function tablesOf(sql: string, provider: Provider): string[] {
  if (provider !== 'postgresql') return tablesByKeywords(sql);
  let tree;
  try {
    tree = parsePg(sql);
  } catch (error) {
    // The parser not loaded is a bug of the caller; a syntax error is SQL it cannot read.
    if ((error as { code?: string }).code === 'LINT_PARSER_NOT_LOADED') throw error;
    return tablesByKeywords(sql);
  }
  return fromTree(tree);
}

type Stmts = { stmts?: { stmt?: unknown }[] };

function fromTree(tree: Stmts): string[] {
  const names = new Set<string>();
  for (const { stmt } of tree.stmts ?? []) {
    const found: { name: string; schema?: string }[] = [];
    const ctes = new Set<string>();
    const walk = (node: unknown, key?: string): void => {
      if (Array.isArray(node)) return node.forEach((n) => walk(n, key));
      if (node === null || typeof node !== 'object') return;
      // A RangeVar is wrapped ({RangeVar: ...}) where the field is any node, bare where it must
      // be one (DeleteStmt.relation): known by its relpersistence either way. A composite type's
      // or a sequence's name is one too, and no table.
      const rv = node as { relname?: unknown; schemaname?: unknown; relpersistence?: unknown };
      if (typeof rv.relname === 'string' && 'relpersistence' in rv && key !== 'typevar' && key !== 'sequence')
        found.push({
          name: rv.relname,
          ...(typeof rv.schemaname === 'string' ? { schema: rv.schemaname } : {}),
        });
      const n = node as {
        CommonTableExpr?: { ctename?: unknown };
        DropStmt?: {
          removeType?: string;
          objects?: { List?: { items?: { String?: { sval?: string } }[] } }[];
        };
        DoStmt?: { args?: { DefElem?: { defname?: string; arg?: { String?: { sval?: string } } } }[] };
        CreateFunctionStmt?: {
          options?: {
            DefElem?: { defname?: string; arg?: { List?: { items?: { String?: { sval?: string } }[] } } };
          }[];
        };
      };
      if (typeof n.CommonTableExpr?.ctename === 'string') ctes.add(n.CommonTableExpr.ctename);
      // DROP TABLE names its tables as lists of strings (schema, name), not as RangeVars.
      if (n.DropStmt?.removeType === 'OBJECT_TABLE')
        for (const o of n.DropStmt.objects ?? []) {
          const last = o.List?.items?.at(-1)?.String?.sval;
          if (last) found.push({ name: last });
        }
      // The body of a DO block or a function is a string to the parser: its tables by keywords.
      for (const d of n.DoStmt?.args ?? [])
        if (d.DefElem?.defname === 'as' && d.DefElem.arg?.String?.sval)
          tablesByKeywords(d.DefElem.arg.String.sval).forEach((t) => found.push({ name: t }));
      for (const d of n.CreateFunctionStmt?.options ?? [])
        if (d.DefElem?.defname === 'as')
          for (const item of d.DefElem.arg?.List?.items ?? [])
            if (item.String?.sval) tablesByKeywords(item.String.sval).forEach((t) => found.push({ name: t }));
      for (const [k, value] of Object.entries(node)) walk(value, k);
    };
    walk(stmt);
    // A WITH query's own name is no table, in its statement and unqualified only.
    for (const f of found) if (f.schema !== undefined || !ctes.has(f.name)) names.add(f.name);
  }
  return [...names];
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
