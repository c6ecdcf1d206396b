import type { AlterTableCmd, ColumnDef, Constraint } from 'libpg-query';
import { isSerial } from './canon.js';
import type { Check } from './types.js';
import { qi } from '../sql/objects.js';

/** What a table's columns and constraints, and each ALTER TABLE command, leave in the catalog. */

type Table = { schema: string; name: string };

/** A column as declared: type, NOT NULL and default (other inline constraints have no name to find). */
export function columnChecks(def: ColumnDef, t: Table): Check[] | string {
  if (!def.colname) return 'a column without a name';
  // As declared, strictly: a column the migration adds without a default must have none.
  let notNull = isSerial(def.typeName);
  let dflt: unknown = null;
  const extra: Check[] = [];
  for (const c of def.constraints ?? []) {
    if (!('Constraint' in c)) continue;
    const k = c.Constraint.contype;
    if (k === 'CONSTR_NOTNULL') notNull = true;
    else if (k === 'CONSTR_NULL') notNull = false;
    else if (k === 'CONSTR_DEFAULT') dflt = c.Constraint.raw_expr;
    else if (k === 'CONSTR_IDENTITY' || k === 'CONSTR_GENERATED') {
      // An identity or generated column has no default to compare; its type and nullability do.
      notNull = notNull || k === 'CONSTR_IDENTITY';
      dflt = undefined;
    } else if (k === 'CONSTR_PRIMARY' && !c.Constraint.conname) {
      notNull = true;
      extra.push({
        label: `primary key of ${qi(t.name)}`,
        query: { kind: 'primary-key', schema: t.schema, table: t.name, name: '' },
        expect: {
          kind: 'constraint',
          ast: { ...c.Constraint, keys: [{ String: { sval: def.colname } }] },
          notValid: false,
        },
      });
    } else
      return `an unnamed ${String(k)
        .replace(/^CONSTR_/, '')
        .toLowerCase()} constraint on column ${qi(def.colname)} (no name to find it by)`;
  }
  return [
    {
      label: `column ${qi(t.name)}.${qi(def.colname)}`,
      query: { kind: 'column', schema: t.schema, table: t.name, name: def.colname },
      expect: { kind: 'column', type: def.typeName, notNull, default: dflt, serial: isSerial(def.typeName) },
    },
    ...extra,
  ];
}

export function constraintCheck(c: Constraint, t: Table): Check | string {
  if (c.contype === 'CONSTR_PRIMARY' && !c.conname) {
    return {
      label: `primary key of ${qi(t.name)}`,
      query: { kind: 'primary-key', schema: t.schema, table: t.name, name: '' },
      expect: { kind: 'constraint', ast: c, notValid: false },
    };
  }
  if (!c.conname)
    return `an unnamed ${String(c.contype)
      .replace(/^CONSTR_/, '')
      .toLowerCase()} constraint (no name to find it by)`;
  return {
    label: `constraint ${qi(c.conname)} on ${qi(t.name)}`,
    query: { kind: 'constraint', schema: t.schema, table: t.name, name: c.conname },
    expect: { kind: 'constraint', ast: c, notValid: c.skip_validation === true },
  };
}

export function alterCheck(cmd: AlterTableCmd, t: Table): Check[] | string {
  const column = (name: string) => ({ kind: 'column' as const, schema: t.schema, table: t.name, name });
  const label = (name: string) => `column ${qi(t.name)}.${qi(name)}`;
  const def = cmd.def;
  switch (cmd.subtype) {
    case 'AT_AddColumn':
      return def && 'ColumnDef' in def ? columnChecks(def.ColumnDef, t) : 'ADD COLUMN without a definition';
    case 'AT_DropColumn':
      return cmd.name
        ? [{ label: label(cmd.name), query: column(cmd.name), expect: { kind: 'exists', exists: false } }]
        : 'DROP COLUMN without a name';
    case 'AT_AddConstraint': {
      const c =
        def && 'Constraint' in def
          ? constraintCheck(def.Constraint, t)
          : 'ADD CONSTRAINT without a definition';
      return typeof c === 'string' ? c : [c];
    }
    case 'AT_DropConstraint':
      return cmd.name
        ? [
            {
              label: `constraint ${qi(cmd.name)} on ${qi(t.name)}`,
              query: { kind: 'constraint', schema: t.schema, table: t.name, name: cmd.name },
              expect: { kind: 'exists', exists: false },
            },
          ]
        : 'DROP CONSTRAINT without a name';
    case 'AT_ValidateConstraint':
      return cmd.name
        ? [
            {
              label: `constraint ${qi(cmd.name)} on ${qi(t.name)}, validated`,
              query: { kind: 'constraint', schema: t.schema, table: t.name, name: cmd.name },
              expect: { kind: 'validated' },
            },
          ]
        : 'VALIDATE CONSTRAINT without a name';
    case 'AT_SetNotNull':
    case 'AT_DropNotNull':
      return cmd.name
        ? [
            {
              label: `NOT NULL on ${label(cmd.name)}`,
              query: column(cmd.name),
              expect: { kind: 'not-null', value: cmd.subtype === 'AT_SetNotNull' },
            },
          ]
        : 'ALTER COLUMN without a name';
    case 'AT_ColumnDefault':
      return cmd.name
        ? [
            {
              label: `default of ${label(cmd.name)}`,
              query: column(cmd.name),
              expect: { kind: 'default', expr: def ?? null },
            },
          ]
        : 'ALTER COLUMN without a name';
    case 'AT_AlterColumnType':
      return cmd.name && def && 'ColumnDef' in def
        ? [
            {
              label: `type of ${label(cmd.name)}`,
              query: column(cmd.name),
              expect: { kind: 'column', type: def.ColumnDef.typeName },
            },
          ]
        : 'ALTER COLUMN TYPE without a type';
    default:
      return `ALTER TABLE ... ${String(cmd.subtype ?? '').replace(/^AT_/, '')}`;
  }
}
