import type { Node, RangeVar } from 'libpg-query';
import { scanSql, lineAt, lineStarts } from '../sql/lexer.js';
import { nameParts, parsePg } from '../sql/parser.js';
import { qi } from '../sql/objects.js';
import { alterCheck, columnChecks, constraintCheck } from './expect-postgres-table.js';
import type { Check, CatalogQuery, StatementProof } from './types.js';

/**
 * What each statement of a PostgreSQL migration leaves in the catalog, to be found there by
 * resolve: the object with its definition, not just its name. The parser must be loaded.
 */

interface Scope {
  schema: string;
}

/** Statements that change nothing the catalog keeps (nothing to prove). */
const TRIVIAL = new Set(['VariableSetStmt', 'TransactionStmt']);

const UNPROVABLE: Record<string, string> = {
  InsertStmt: 'a data change (INSERT)',
  UpdateStmt: 'a data change (UPDATE)',
  DeleteStmt: 'a data change (DELETE)',
  MergeStmt: 'a data change (MERGE)',
  DoStmt: 'a DO block',
  GrantStmt: 'a privilege change',
  GrantRoleStmt: 'a role change',
  CommentStmt: 'a comment',
  CreatePolicyStmt: 'a row-level security policy',
  AlterPolicyStmt: 'a row-level security policy',
  VacuumStmt: 'VACUUM / ANALYZE',
  CopyStmt: 'a COPY',
};

export function expectPostgres(sql: string, defaultSchema = 'public'): StatementProof[] {
  const scope = { schema: defaultSchema };
  const starts = lineStarts(sql);
  return scanSql(sql, 'postgresql').statements.map((chunk, i) => {
    const text = sql.slice(chunk.start, chunk.end);
    const base = { statement: i + 1, line: lineAt(starts, chunk.start), sql: text };
    let node: Node | undefined;
    try {
      const stmts = parsePg(text).stmts ?? [];
      node = stmts.length === 1 ? stmts[0]?.stmt : undefined;
    } catch {
      node = undefined;
    }
    if (!node) return { ...base, checks: [], unprovable: 'a statement that does not parse' };
    const type = Object.keys(node)[0] ?? '';
    if (TRIVIAL.has(type)) return { ...base, checks: [], trivial: true };
    const unprovable = UNPROVABLE[type];
    if (unprovable) return { ...base, checks: [], unprovable };
    const r = checksOf(node, scope);
    return typeof r === 'string' ? { ...base, checks: [], unprovable: r } : { ...base, checks: r };
  });
}

/** The checks a statement needs, or why it has none the catalog can decide. */
function checksOf(node: Node, scope: Scope): Check[] | string {
  const rel = (rv: RangeVar | undefined) =>
    rv?.relname ? { schema: rv.schemaname ?? scope.schema, name: rv.relname } : undefined;
  const listName = (names: string[]) => {
    const name = names.at(-1);
    return name ? { schema: names.length > 1 ? names.at(-2)! : scope.schema, name } : undefined;
  };
  const exists = (
    kind: CatalogQuery['kind'],
    q: Omit<CatalogQuery, 'kind'>,
    label: string,
    is = true,
  ): Check => ({
    label,
    query: { kind, ...q },
    expect: { kind: 'exists', exists: is },
  });

  if ('CreateStmt' in node) {
    const s = node.CreateStmt;
    const t = rel(s.relation);
    if (!t) return 'CREATE TABLE without a name';
    const checks: Check[] = [exists('relation', t, `table ${qi(t.name)}`)];
    for (const elt of s.tableElts ?? []) {
      if ('ColumnDef' in elt) {
        const c = columnChecks(elt.ColumnDef, t);
        if (typeof c === 'string') return c;
        checks.push(...c);
      } else if ('Constraint' in elt) {
        const c = constraintCheck(elt.Constraint, t);
        if (typeof c === 'string') return c;
        checks.push(c);
      } else return 'a CREATE TABLE element other than columns and constraints';
    }
    return checks;
  }
  if ('IndexStmt' in node) {
    const s = node.IndexStmt;
    const t = rel(s.relation);
    if (!s.idxname || !t) return 'an index without a name (PostgreSQL names it: nothing to look it up by)';
    return [
      {
        label: `index ${qi(s.idxname)}`,
        query: { kind: 'index', schema: t.schema, table: t.name, name: s.idxname },
        expect: {
          kind: 'index',
          ast: {
            ...s,
            idxname: undefined,
            relation: undefined,
            concurrent: undefined,
            if_not_exists: undefined,
          },
        },
      },
    ];
  }
  if ('AlterTableStmt' in node) {
    const s = node.AlterTableStmt;
    const t = rel(s.relation);
    if (s.objtype !== 'OBJECT_TABLE' || !t) return 'an ALTER that is not on a table';
    const checks: Check[] = [];
    for (const item of s.cmds ?? []) {
      if (!('AlterTableCmd' in item)) return 'an unrecognised ALTER TABLE';
      const c = alterCheck(item.AlterTableCmd, t);
      if (typeof c === 'string') return c;
      checks.push(...c);
    }
    return checks;
  }
  if ('DropStmt' in node) {
    const s = node.DropStmt;
    const kinds: Partial<Record<string, [CatalogQuery['kind'], string]>> = {
      OBJECT_TABLE: ['relation', 'table'],
      OBJECT_INDEX: ['index', 'index'],
      OBJECT_VIEW: ['relation', 'view'],
      OBJECT_MATVIEW: ['relation', 'materialized view'],
      OBJECT_SEQUENCE: ['relation', 'sequence'],
      OBJECT_TYPE: ['type', 'type'],
      OBJECT_SCHEMA: ['schema', 'schema'],
      OBJECT_EXTENSION: ['extension', 'extension'],
      OBJECT_FUNCTION: ['function', 'function'],
    };
    const kind = s.removeType ? kinds[s.removeType] : undefined;
    if (!kind)
      return `DROP of a ${String(s.removeType ?? 'object')
        .replace(/^OBJECT_/, '')
        .toLowerCase()}`;
    const checks: Check[] = [];
    for (const obj of s.objects ?? []) {
      let names: string[] = [];
      if ('List' in obj) names = nameParts(obj.List.items);
      else if ('String' in obj && obj.String.sval !== undefined) names = [obj.String.sval];
      else if ('TypeName' in obj) names = nameParts(obj.TypeName.names);
      else if ('ObjectWithArgs' in obj) names = nameParts(obj.ObjectWithArgs.objname);
      const t =
        kind[0] === 'schema' || kind[0] === 'extension'
          ? { schema: '', name: names.at(-1) }
          : listName(names);
      if (!t?.name) return 'DROP of an object without a name';
      checks.push(exists(kind[0], { schema: t.schema, name: t.name }, `${kind[1]} ${qi(t.name)}`, false));
    }
    return checks;
  }
  if ('RenameStmt' in node) {
    const s = node.RenameStmt;
    const t = rel(s.relation);
    if (!t || !s.newname) return 'a RENAME';
    const pair = (kind: CatalogQuery['kind'], what: string, from: string, table?: string): Check[] => [
      exists(kind, { schema: t.schema, table, name: from }, `${what} ${qi(from)}`, false),
      exists(kind, { schema: t.schema, table, name: s.newname! }, `${what} ${qi(s.newname!)}`),
    ];
    if (s.renameType === 'OBJECT_TABLE') return pair('relation', 'table', t.name);
    if (s.renameType === 'OBJECT_INDEX') return pair('index', 'index', t.name);
    if (s.renameType === 'OBJECT_COLUMN' && s.subname) return pair('column', 'column', s.subname, t.name);
    if (s.renameType === 'OBJECT_TABCONSTRAINT' && s.subname)
      return pair('constraint', 'constraint', s.subname, t.name);
    return 'a RENAME';
  }
  if ('CreateEnumStmt' in node) {
    const t = listName(nameParts(node.CreateEnumStmt.typeName));
    if (!t) return 'CREATE TYPE without a name';
    const labels = nameParts(node.CreateEnumStmt.vals);
    return [{ label: `enum ${qi(t.name)}`, query: { kind: 'enum', ...t }, expect: { kind: 'enum', labels } }];
  }
  if ('AlterEnumStmt' in node) {
    const s = node.AlterEnumStmt;
    const t = listName(nameParts(s.typeName));
    if (!t || !s.newVal) return 'an ALTER TYPE';
    return [
      {
        label: `value '${s.newVal}' of enum ${qi(t.name)}`,
        query: { kind: 'enum', ...t },
        expect: { kind: 'enum', has: s.newVal, hasNot: s.oldVal },
      },
    ];
  }
  if ('CreateTrigStmt' in node) {
    const s = node.CreateTrigStmt;
    const t = rel(s.relation);
    if (!t || !s.trigname) return 'a trigger without a name';
    return [
      {
        label: `trigger ${qi(s.trigname)} on ${qi(t.name)}`,
        query: { kind: 'trigger', schema: t.schema, table: t.name, name: s.trigname },
        expect: { kind: 'trigger', ast: s },
      },
    ];
  }
  if ('CreateFunctionStmt' in node) {
    const s = node.CreateFunctionStmt;
    const t = listName(nameParts(s.funcname));
    if (!t) return 'a function without a name';
    if (s.is_procedure) return 'a procedure';
    let body: string | undefined;
    let language: string | undefined;
    for (const o of s.options ?? []) {
      if (!('DefElem' in o)) continue;
      const arg = o.DefElem.arg;
      if (o.DefElem.defname === 'language' && arg && 'String' in arg) language = arg.String.sval;
      if (o.DefElem.defname === 'as' && arg && 'List' in arg) body = nameParts(arg.List.items)[0];
    }
    return [
      {
        label: `function ${qi(t.name)}`,
        query: { kind: 'function', ...t },
        expect: { kind: 'function', body, language, returns: s.returnType },
      },
    ];
  }
  if ('ViewStmt' in node) {
    const t = rel(node.ViewStmt.view);
    if (!t) return 'CREATE VIEW without a name';
    return [
      {
        label: `view ${qi(t.name)}`,
        query: { kind: 'relation', ...t },
        expect: { kind: 'view', ast: node.ViewStmt.query },
      },
    ];
  }
  if ('CreateExtensionStmt' in node) {
    const name = node.CreateExtensionStmt.extname;
    if (!name) return 'CREATE EXTENSION without a name';
    return [exists('extension', { schema: '', name }, `extension ${qi(name)}`)];
  }
  if ('CreateSchemaStmt' in node) {
    const name = node.CreateSchemaStmt.schemaname;
    if (!name) return 'CREATE SCHEMA without a name';
    return [exists('schema', { schema: '', name }, `schema ${qi(name)}`)];
  }
  if ('CreateSeqStmt' in node) {
    const t = rel(node.CreateSeqStmt.sequence);
    if (!t) return 'CREATE SEQUENCE without a name';
    return [exists('relation', t, `sequence ${qi(t.name)}`)];
  }
  if ('CompositeTypeStmt' in node) {
    const t = rel(node.CompositeTypeStmt.typevar);
    if (!t) return 'CREATE TYPE without a name';
    return [exists('type', t, `type ${qi(t.name)}`)];
  }
  return `a ${(Object.keys(node)[0] ?? 'statement').replace(/Stmt$/, '')} statement`;
}
