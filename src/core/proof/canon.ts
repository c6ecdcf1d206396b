/**
 * Canonical forms of libpg-query AST fragments, so that what a migration says and what the
 * catalog shows (pg_get_indexdef, pg_get_constraintdef, pg_get_expr, format_type...) compare
 * equal when PostgreSQL stored what the migration asked for. PostgreSQL rewrites expressions
 * on the way in: it adds casts to constants and columns, turns IN (...) into = ANY (ARRAY[...])
 * and BETWEEN into two comparisons, qualifies columns in views, and drops the default btree.
 * Only those rewrites are undone here; anything else that differs stays different, and a
 * difference is reported, never waved through.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const NOISE = new Set([
  'location',
  'stmt_location',
  'stmt_len',
  'rexpr_list_start',
  'rexpr_list_end',
  'list_start',
  'list_end',
]);

const isObject = (v: unknown): v is Record<string, Json> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** An A_Const's value as text, whatever its type (protobuf leaves 0, false and '' out). */
function constValue(c: Record<string, Json>): Json {
  if (c.isnull) return { const: null };
  for (const [key, field] of [
    ['ival', 'ival'],
    ['fval', 'fval'],
    ['sval', 'sval'],
    ['bsval', 'bsval'],
    ['boolval', 'boolval'],
  ] as const) {
    const v = c[key];
    if (isObject(v)) {
      const inner = v[field];
      if (key === 'boolval') return { const: inner === true ? 'true' : 'false' };
      const value = typeof inner === 'string' || typeof inner === 'number' ? String(inner) : '';
      return { const: key === 'ival' && value === '' ? '0' : value };
    }
  }
  return { const: null };
}

const str = (n: Json): string | undefined =>
  isObject(n) && isObject(n.String) && typeof n.String.sval === 'string' ? n.String.sval : undefined;

function rewrite(node: Record<string, Json>): Json {
  // Casts PostgreSQL adds around constants and columns ('x'::text, (name)::text).
  if (isObject(node.TypeCast)) {
    const arg = node.TypeCast.arg;
    if (isObject(arg) && (isObject(arg.A_Const) || isObject(arg.ColumnRef))) return canon(arg);
  }
  if (isObject(node.A_Const)) return constValue(node.A_Const);
  // Columns compare by name: views and some definitions qualify them with their table.
  if (isObject(node.ColumnRef) && Array.isArray(node.ColumnRef.fields)) {
    const last = node.ColumnRef.fields.at(-1) ?? null;
    return { ColumnRef: { field: canon(last) } };
  }
  if (isObject(node.A_Expr)) {
    const e = node.A_Expr;
    const op = Array.isArray(e.name) ? str(e.name[0] ?? null) : undefined;
    // x IN (a, b) is stored as x = ANY (ARRAY[a, b]); NOT IN as <> ALL (...).
    if (e.kind === 'AEXPR_IN' && isObject(e.rexpr) && isObject(e.rexpr.List)) {
      return canon({
        A_Expr: {
          kind: op === '<>' ? 'AEXPR_OP_ALL' : 'AEXPR_OP_ANY',
          name: e.name ?? null,
          lexpr: e.lexpr ?? null,
          rexpr: { A_ArrayExpr: { elements: e.rexpr.List.items ?? [] } },
        },
      });
    }
    // x BETWEEN a AND b is stored as x >= a AND x <= b.
    if (e.kind === 'AEXPR_BETWEEN' && isObject(e.rexpr) && isObject(e.rexpr.List)) {
      const [low, high] = e.rexpr.List.items as Json[];
      const cmp = (o: string, r: Json): Json => ({
        A_Expr: { kind: 'AEXPR_OP', name: [{ String: { sval: o } }], lexpr: e.lexpr ?? null, rexpr: r },
      });
      return canon({
        BoolExpr: { boolop: 'AND_EXPR', args: [cmp('>=', low ?? null), cmp('<=', high ?? null)] },
      });
    }
    // x LIKE y is stored as the operator it names: x ~~ y (NOT LIKE !~~, ILIKE ~~*).
    if (e.kind === 'AEXPR_LIKE' || e.kind === 'AEXPR_ILIKE') {
      return canon({ A_Expr: { ...e, kind: 'AEXPR_OP' } });
    }
  }
  // Functions and types of pg_catalog are shown unqualified.
  if (isObject(node.FuncCall) && Array.isArray(node.FuncCall.funcname)) {
    const names = node.FuncCall.funcname.filter((n) => str(n) !== 'pg_catalog');
    return canonObject({ FuncCall: { ...node.FuncCall, funcname: names, funcformat: null } });
  }
  return canonObject(node);
}

function canonObject(node: Record<string, Json>): Json {
  const out: Record<string, Json> = {};
  for (const key of Object.keys(node).sort()) {
    if (NOISE.has(key)) continue;
    const v = canon(node[key] ?? null);
    if (v === null || (Array.isArray(v) && v.length === 0)) continue;
    out[key] = v;
  }
  return out;
}

/** The canonical form of an AST fragment (a plain JSON value). */
export function canon(node: unknown): Json {
  if (Array.isArray(node)) return node.map((n) => canon(n));
  if (isObject(node)) return rewrite(node);
  return (node as Json) ?? null;
}

/** Do two AST fragments say the same once PostgreSQL's rewrites are undone? */
export function sameAst(a: unknown, b: unknown): boolean {
  return JSON.stringify(canon(a)) === JSON.stringify(canon(b));
}

/** A type name canonically: pg_catalog dropped, serial types as the integers they are. */
export function canonType(typeName: unknown): Json {
  if (!isObject(typeName)) return null;
  const names = (Array.isArray(typeName.names) ? typeName.names : [])
    .map((n) => str(n))
    .filter((n): n is string => n !== undefined && n !== 'pg_catalog');
  const serial: Record<string, string> = { serial: 'int4', bigserial: 'int8', smallserial: 'int2' };
  const last = names.at(-1);
  const name = last && serial[last.toLowerCase()] ? [serial[last.toLowerCase()]!] : names;
  return canon({
    name,
    typmods: typeName.typmods ?? null,
    array: Array.isArray(typeName.arrayBounds) ? typeName.arrayBounds.length : 0,
  });
}

/** serial, bigserial, smallserial: an integer column with a sequence default. */
export function isSerial(typeName: unknown): boolean {
  if (!isObject(typeName) || !Array.isArray(typeName.names)) return false;
  const last = str(typeName.names.at(-1) ?? null)?.toLowerCase();
  return last === 'serial' || last === 'bigserial' || last === 'smallserial';
}
