import { parsePg } from '../sql/parser.js';
import { canon, canonType, sameAst } from './canon.js';
import { queryKey, type CatalogFact, type Check, type StatementProof, type Verdict } from './types.js';

/**
 * The verdict on each statement of a migration from what the live catalog shows: proved (with
 * how), missing, different, or not provable from a catalog at all. Pure; for PostgreSQL the
 * parser must be loaded (catalog definitions are parsed to compare them with the migration's).
 */

export interface StatementVerdict {
  statement: number;
  line: number;
  sql: string;
  status: 'proved' | 'failed' | 'unprovable' | 'trivial';
  /** Which check proved it (status proved), or what is wrong / why it cannot be proved. */
  detail: string;
  /** Each check with its verdict. */
  checks: { label: string; verdict: Verdict }[];
}

const missing = (detail: string): Verdict => ({ ok: false, state: 'missing', detail });
const differs = (detail: string): Verdict => ({ ok: false, state: 'differs', detail });
const ok = (how: string): Verdict => ({ ok: true, how });

function stmtOf(sql: string): Record<string, unknown> | undefined {
  const node = parsePg(sql).stmts?.[0]?.stmt as Record<string, unknown> | undefined;
  return node ? (Object.values(node)[0] as Record<string, unknown>) : undefined;
}

/** The one expression or type in `SELECT <text>`, as PostgreSQL printed it. */
function selectTarget(text: string): unknown {
  const s = stmtOf(`SELECT ${text}`) as { targetList?: { ResTarget?: { val?: unknown } }[] } | undefined;
  return s?.targetList?.[0]?.ResTarget?.val;
}

function parsedConstraint(def: string): Record<string, unknown> | undefined {
  const s = stmtOf(`ALTER TABLE x ADD CONSTRAINT c ${def}`) as
    { cmds?: { AlterTableCmd?: { def?: { Constraint?: Record<string, unknown> } } }[] } | undefined;
  return s?.cmds?.[0]?.AlterTableCmd?.def?.Constraint;
}

const CONSTRAINT_FIELDS = [
  'contype',
  'raw_expr',
  'keys',
  'including',
  'fk_attrs',
  'pk_attrs',
  'fk_matchtype',
  'fk_upd_action',
  'fk_del_action',
  'deferrable',
  'initdeferred',
  'is_no_inherit',
  'nulls_not_distinct',
  'exclusions',
] as const;

function pick(o: Record<string, unknown>, fields: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(fields.map((f) => [f, o[f]]));
}

function judgeOne(check: Check, fact: CatalogFact | undefined): Verdict {
  const e = check.expect;
  const label = check.label;
  if (!fact) return missing(`${label}: not looked up`);
  if (e.kind === 'exists') {
    if (fact.exists === e.exists) return ok(e.exists ? 'present' : 'gone');
    return missing(e.exists ? `no ${label}` : `still has ${label}`);
  }
  if (!fact.exists) return missing(`no ${label}`);
  const shown = fact.def ? `; the database has: ${fact.def}` : '';
  switch (e.kind) {
    case 'index': {
      if (fact.valid === false) {
        return {
          ok: false,
          state: 'invalid',
          detail: `${label} is INVALID (a CREATE INDEX CONCURRENTLY that failed): it is not used and enforces nothing`,
        };
      }
      const found = fact.def ? stmtOf(fact.def) : undefined;
      const fields = [
        'unique',
        'accessMethod',
        'indexParams',
        'indexIncludingParams',
        'whereClause',
        'nulls_not_distinct',
      ];
      return found && sameAst(pick(e.ast as Record<string, unknown>, fields), pick(found, fields))
        ? ok('present, valid, same definition')
        : differs(`${label} exists with another definition${shown}`);
    }
    case 'constraint': {
      const found = fact.def ? parsedConstraint(fact.def) : undefined;
      const want = { ...(e.ast as Record<string, unknown>) };
      // Without a column list, a foreign key references the primary key: the catalog names it.
      if (!Array.isArray(want.pk_attrs) || want.pk_attrs.length === 0) delete want.pk_attrs;
      const fields = CONSTRAINT_FIELDS.filter((f) => f in want || f === 'contype');
      const pktable = (c: Record<string, unknown>) =>
        (c.pktable as { relname?: string } | undefined)?.relname;
      if (!found || !sameAst(pick(want, fields), pick(found, fields)) || pktable(want) !== pktable(found))
        return differs(`${label} exists with another definition${shown}`);
      if (!e.notValid && fact.valid === false)
        return differs(
          `${label} is NOT VALID in the database: its rows were never checked, and the migration validates it`,
        );
      return ok(`present, same definition${fact.valid === false ? ', NOT VALID as written' : ', validated'}`);
    }
    case 'validated':
      return fact.valid ? ok('validated') : differs(`${label}: the constraint is there but NOT VALID`);
    case 'column': {
      const problems: string[] = [];
      if (
        e.type !== undefined &&
        JSON.stringify(canonType(selectTargetType(fact.type))) !== JSON.stringify(canonType(e.type))
      )
        problems.push(`type ${fact.type ?? '?'}`);
      if (e.notNull !== undefined && fact.notNull !== e.notNull)
        problems.push(fact.notNull ? 'NOT NULL' : 'nullable');
      if (e.serial) {
        if (!/^nextval\(/.test(fact.default ?? ''))
          problems.push(`default ${fact.default ?? 'none'} (not a sequence)`);
      } else if (e.default !== undefined && !sameDefault(e.default, fact.default)) {
        problems.push(`default ${fact.default ?? 'none'}`);
      }
      return problems.length === 0
        ? ok('present, same type, nullability and default')
        : differs(`${label} exists but has ${problems.join(', ')}`);
    }
    case 'default':
      return sameDefault(e.expr, fact.default)
        ? ok(e.expr === null ? 'no default' : 'same default')
        : differs(`${label} is ${fact.default ?? 'not set'}`);
    case 'not-null':
      return fact.notNull === e.value
        ? ok(e.value ? 'set' : 'dropped')
        : differs(`${label}: the column is ${fact.notNull ? 'NOT NULL' : 'nullable'}`);
    case 'trigger': {
      const found = fact.def ? stmtOf(fact.def) : undefined;
      const norm = (t: Record<string, unknown>) => ({
        ...t,
        relation: undefined,
        replace: undefined,
        funcname: Array.isArray(t.funcname) ? t.funcname.slice(-1) : t.funcname,
      });
      return found && sameAst(norm(e.ast as Record<string, unknown>), norm(found))
        ? ok('present, same definition')
        : differs(`${label} exists with another definition${shown}`);
    }
    case 'function': {
      const problems: string[] = [];
      if (e.body !== undefined && (fact.body ?? '').trim() !== e.body.trim()) problems.push('another body');
      if (e.language && fact.language?.toLowerCase() !== e.language.toLowerCase())
        problems.push(`language ${fact.language ?? '?'}`);
      if (
        e.returns !== undefined &&
        JSON.stringify(canonType(selectTargetType(fact.type))) !== JSON.stringify(canonType(e.returns))
      )
        problems.push(`returns ${fact.type ?? '?'}`);
      return problems.length === 0
        ? ok('present, same body, language and result')
        : differs(`${label} exists with ${problems.join(', ')}`);
    }
    case 'enum': {
      const labels = fact.labels ?? [];
      if (e.labels && JSON.stringify(labels) !== JSON.stringify(e.labels))
        return differs(`${label} has values ${labels.join(', ')}`);
      if (e.has !== undefined && !labels.includes(e.has)) return missing(`no ${label}`);
      if (e.hasNot !== undefined && labels.includes(e.hasNot))
        return differs(`${label}: '${e.hasNot}' is still there`);
      return ok(e.labels ? 'present, same values in order' : 'present');
    }
    case 'view': {
      const found = fact.def
        ? (stmtOf(`CREATE VIEW x AS ${fact.def}`) as { query?: unknown } | undefined)
        : undefined;
      return found && sameAst(e.ast, found.query)
        ? ok('present, same query')
        : differs(`${label} exists, but its stored query is not the one in the migration${shown}`);
    }
    case 'sqlite-column': {
      const problems: string[] = [];
      if ((fact.type ?? '').replace(/\s+/g, '').toUpperCase() !== e.type)
        problems.push(`type ${fact.type || 'none'}`);
      if (fact.notNull !== e.notNull) problems.push(fact.notNull ? 'NOT NULL' : 'nullable');
      if ((fact.default ?? null) !== e.default) problems.push(`default ${fact.default ?? 'none'}`);
      return problems.length === 0
        ? ok('present, same type, nullability and default')
        : differs(`${label} exists but has ${problems.join(', ')}`);
    }
    case 'stored-sql':
      return normalSql(fact.def ?? '') === normalSql(e.sql)
        ? ok('present, same definition')
        : differs(`${label} exists with another definition${shown}`);
  }
}

/** format_type's text back into a TypeName. */
function selectTargetType(type: string | undefined): unknown {
  if (!type) return undefined;
  const cast = selectTarget(`NULL::${type}`) as { TypeCast?: { typeName?: unknown } } | undefined;
  return cast?.TypeCast?.typeName;
}

function sameDefault(expected: unknown, found: string | null | undefined): boolean {
  if (expected === null || expected === undefined) return found === null || found === undefined;
  if (found === null || found === undefined) return false;
  return JSON.stringify(canon(expected)) === JSON.stringify(canon(selectTarget(found)));
}

/** SQLite keeps CREATE statements as written: compare them without quoting, case or spacing. */
export function normalSql(sql: string): string {
  return sql
    .replace(/--[^\n]*/g, ' ')
    .replace(/["`[\]]/g, '')
    .replace(/\bIF\s+NOT\s+EXISTS\b/gi, '')
    .replace(/\s+/g, ' ')
    .replace(/\s*([(),;])\s*/g, '$1')
    .replace(/;+$/, '')
    .trim()
    .toLowerCase();
}

/**
 * Judges every statement. A later statement that touches the same object decides for both
 * (a column added, then renamed): only the last check of each object is held against the
 * catalog, and the earlier ones say which statement they are superseded by.
 */
export function judge(
  proofs: readonly StatementProof[],
  facts: ReadonlyMap<string, CatalogFact>,
): StatementVerdict[] {
  const last = new Map<string, number>();
  for (const p of proofs) for (const c of p.checks) last.set(queryKey(c.query), p.statement);
  return proofs.map((p) => {
    const base = { statement: p.statement, line: p.line, sql: p.sql };
    if (p.trivial)
      return { ...base, status: 'trivial', detail: 'nothing to prove (session setting)', checks: [] };
    const checks = p.checks.map((c) => {
      const decidedBy = last.get(queryKey(c.query));
      const verdict: Verdict =
        decidedBy !== undefined && decidedBy !== p.statement
          ? ok(`superseded by statement ${decidedBy}`)
          : judgeOne(c, facts.get(queryKey(c.query)));
      return { label: c.label, verdict };
    });
    const bad = checks.filter((c) => !c.verdict.ok);
    if (bad.length > 0)
      return {
        ...base,
        status: 'failed',
        detail: bad.map((c) => (c.verdict.ok ? '' : c.verdict.detail)).join('; '),
        checks,
      };
    if (p.unprovable) return { ...base, status: 'unprovable', detail: p.unprovable, checks };
    return {
      ...base,
      status: 'proved',
      detail: checks.map((c) => `${c.label} ${c.verdict.ok ? c.verdict.how : ''}`).join('; '),
      checks,
    };
  });
}
