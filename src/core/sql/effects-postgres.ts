import type { Node, RangeVar } from 'libpg-query';
import type { DbObject, ObjectKind } from './objects.js';
import { nameParts } from './parser.js';
import { unknownStatement, type Analysis, type Effect } from './statement.js';

/** What PostgreSQL statements do to the catalog, read from libpg-query's AST. */

const UNKNOWN_NOTES: Record<string, string> = {
  InsertStmt: 'a data change (INSERT)',
  UpdateStmt: 'a data change (UPDATE)',
  DeleteStmt: 'a data change (DELETE)',
  MergeStmt: 'a data change (MERGE)',
  DoStmt: 'a DO block',
  CreateFunctionStmt: 'a function definition',
  CreateTrigStmt: 'a trigger definition',
  AlterEnumStmt: 'an enum value change',
  GrantStmt: 'a privilege change',
};

/** What a statement parsed by libpg-query does, with names outside `defaultSchema` qualified. */
export function pgAnalysis(node: Node, defaultSchema: string): Analysis {
  const schemaOf = (schema: string | undefined) =>
    schema === undefined || schema === defaultSchema ? undefined : schema;
  const rel = (rv: RangeVar | undefined) =>
    rv?.relname ? { schema: schemaOf(rv.schemaname), name: rv.relname } : undefined;
  const fromList = (names: string[]) => {
    const name = names.at(-1);
    return name === undefined
      ? undefined
      : { schema: schemaOf(names.length > 1 ? names.at(-2) : undefined), name };
  };
  const change = (effects: Effect[], concurrent = false): Analysis => ({
    kind: 'change',
    effects,
    concurrent,
  });

  if ('VariableSetStmt' in node) return { kind: 'session', effects: [], concurrent: false };
  if ('TransactionStmt' in node) return { kind: 'transaction', effects: [], concurrent: false };
  if ('VacuumStmt' in node) return unknownStatement('VACUUM / ANALYZE', true);
  if ('CreateStmt' in node) {
    const t = rel(node.CreateStmt.relation);
    if (!t) return unknownStatement('CREATE TABLE without a name');
    return change([
      { object: { kind: 'table', ...t }, exists: true, idempotent: node.CreateStmt.if_not_exists === true },
    ]);
  }
  if ('CreateTableAsStmt' in node) {
    const s = node.CreateTableAsStmt;
    const t = rel(s.into?.rel);
    if (!t) return unknownStatement('CREATE ... AS without a name');
    const kind = s.objtype === 'OBJECT_MATVIEW' ? 'view' : 'table';
    return change([{ object: { kind, ...t }, exists: true, idempotent: s.if_not_exists === true }]);
  }
  if ('ViewStmt' in node) {
    const t = rel(node.ViewStmt.view);
    if (!t) return unknownStatement('CREATE VIEW without a name');
    return change([
      { object: { kind: 'view', ...t }, exists: true, idempotent: node.ViewStmt.replace === true },
    ]);
  }
  if ('CreateSeqStmt' in node) {
    const t = rel(node.CreateSeqStmt.sequence);
    if (!t) return unknownStatement('CREATE SEQUENCE without a name');
    return change([
      {
        object: { kind: 'sequence', ...t },
        exists: true,
        idempotent: node.CreateSeqStmt.if_not_exists === true,
      },
    ]);
  }
  if ('CreateEnumStmt' in node) {
    const t = fromList(nameParts(node.CreateEnumStmt.typeName));
    if (!t) return unknownStatement('CREATE TYPE without a name');
    return change([{ object: { kind: 'type', ...t }, exists: true, idempotent: false }]);
  }
  if ('CompositeTypeStmt' in node) {
    const t = rel(node.CompositeTypeStmt.typevar);
    if (!t) return unknownStatement('CREATE TYPE without a name');
    return change([{ object: { kind: 'type', ...t }, exists: true, idempotent: false }]);
  }
  if ('CreateSchemaStmt' in node) {
    const name = node.CreateSchemaStmt.schemaname;
    if (!name) return unknownStatement('CREATE SCHEMA without a name');
    return change([
      {
        object: { kind: 'schema', name },
        exists: true,
        idempotent: node.CreateSchemaStmt.if_not_exists === true,
      },
    ]);
  }
  if ('IndexStmt' in node) {
    const s = node.IndexStmt;
    const t = rel(s.relation);
    // An unnamed index gets a name from PostgreSQL: nothing to look it up by.
    if (!s.idxname || !t) return unknownStatement('an index without a name', s.concurrent === true);
    return change(
      [
        {
          object: { kind: 'index', schema: t.schema, table: t.name, name: s.idxname },
          exists: true,
          idempotent: s.if_not_exists === true,
        },
      ],
      s.concurrent === true,
    );
  }
  if ('DropStmt' in node) {
    const s = node.DropStmt;
    const kinds: Partial<Record<string, ObjectKind>> = {
      OBJECT_TABLE: 'table',
      OBJECT_INDEX: 'index',
      OBJECT_VIEW: 'view',
      OBJECT_MATVIEW: 'view',
      OBJECT_SEQUENCE: 'sequence',
      OBJECT_TYPE: 'type',
      OBJECT_SCHEMA: 'schema',
    };
    const kind = s.removeType ? kinds[s.removeType] : undefined;
    if (!kind)
      return unknownStatement(
        `DROP of a ${String(s.removeType ?? 'object')
          .replace(/^OBJECT_/, '')
          .toLowerCase()}`,
      );
    const effects: Effect[] = [];
    for (const obj of s.objects ?? []) {
      let names: string[] = [];
      if ('List' in obj) names = nameParts(obj.List.items);
      else if ('String' in obj && obj.String.sval !== undefined) names = [obj.String.sval];
      else if ('TypeName' in obj) names = nameParts(obj.TypeName.names);
      const t = kind === 'schema' ? { schema: undefined, name: names.at(-1) } : fromList(names);
      if (!t?.name) return unknownStatement('DROP of an object without a name');
      effects.push({
        object: { kind, schema: t.schema, name: t.name },
        exists: false,
        idempotent: s.missing_ok === true,
      });
    }
    return change(effects, s.concurrent === true);
  }
  if ('AlterTableStmt' in node) {
    const s = node.AlterTableStmt;
    const t = rel(s.relation);
    if (s.objtype !== 'OBJECT_TABLE' || !t) return unknownStatement('an ALTER that is not on a table');
    const effects: Effect[] = [];
    const on = (kind: ObjectKind, name: string): DbObject => ({
      kind,
      schema: t.schema,
      table: t.name,
      name,
    });
    for (const item of s.cmds ?? []) {
      if (!('AlterTableCmd' in item)) return unknownStatement('an unrecognised ALTER TABLE');
      const cmd = item.AlterTableCmd;
      const def = cmd.def;
      const guarded = cmd.missing_ok === true;
      switch (cmd.subtype) {
        case 'AT_AddColumn': {
          const col = def && 'ColumnDef' in def ? def.ColumnDef.colname : undefined;
          if (!col) return unknownStatement('ADD COLUMN without a name');
          effects.push({ object: on('column', col), exists: true, idempotent: guarded });
          break;
        }
        case 'AT_DropColumn':
          if (!cmd.name) return unknownStatement('DROP COLUMN without a name');
          effects.push({ object: on('column', cmd.name), exists: false, idempotent: guarded });
          break;
        case 'AT_AddConstraint': {
          const con = def && 'Constraint' in def ? def.Constraint.conname : undefined;
          if (!con) return unknownStatement('a constraint without a name');
          effects.push({ object: on('constraint', con), exists: true, idempotent: false });
          break;
        }
        case 'AT_DropConstraint':
          if (!cmd.name) return unknownStatement('DROP CONSTRAINT without a name');
          effects.push({ object: on('constraint', cmd.name), exists: false, idempotent: guarded });
          break;
        case 'AT_SetNotNull':
        case 'AT_DropNotNull':
          if (!cmd.name) return unknownStatement('ALTER COLUMN without a name');
          effects.push({
            object: on('not-null', cmd.name),
            exists: cmd.subtype === 'AT_SetNotNull',
            idempotent: true,
          });
          break;
        case 'AT_ColumnDefault':
          if (!cmd.name) return unknownStatement('ALTER COLUMN without a name');
          effects.push({ object: on('default', cmd.name), exists: def !== undefined, idempotent: true });
          break;
        default:
          // A type change, VALIDATE, storage...: the catalog cannot say whether it ran.
          return unknownStatement(`ALTER TABLE ... ${String(cmd.subtype ?? '').replace(/^AT_/, '')}`);
      }
    }
    return change(effects);
  }
  if ('RenameStmt' in node) {
    const s = node.RenameStmt;
    const t = rel(s.relation);
    if (!t || !s.newname) return unknownStatement('a RENAME');
    const pair = (kind: ObjectKind, from: string, to: string, table?: string): Analysis =>
      change([
        { object: { kind, schema: t.schema, table, name: from }, exists: false, idempotent: false },
        { object: { kind, schema: t.schema, table, name: to }, exists: true, idempotent: false },
      ]);
    if (s.renameType === 'OBJECT_TABLE') return pair('table', t.name, s.newname);
    if (s.renameType === 'OBJECT_INDEX') return pair('index', t.name, s.newname);
    if (s.renameType === 'OBJECT_COLUMN' && s.subname) return pair('column', s.subname, s.newname, t.name);
    if (s.renameType === 'OBJECT_TABCONSTRAINT' && s.subname)
      return pair('constraint', s.subname, s.newname, t.name);
    return unknownStatement('a RENAME');
  }
  const type = Object.keys(node)[0] ?? 'statement';
  const unknown = unknownStatement(UNKNOWN_NOTES[type] ?? `a ${type.replace(/Stmt$/, '')} statement`);
  const target =
    'InsertStmt' in node
      ? node.InsertStmt.relation
      : 'UpdateStmt' in node
        ? node.UpdateStmt.relation
        : 'DeleteStmt' in node
          ? node.DeleteStmt.relation
          : 'MergeStmt' in node
            ? node.MergeStmt.relation
            : undefined;
  const t = rel(target);
  return t ? { ...unknown, writes: { kind: 'table', ...t } } : unknown;
}
