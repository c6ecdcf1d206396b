import type { AlterTableCmd, AlterTableStmt, ColumnDef, Node } from 'libpg-query';
import { nameParts } from '../sql/parser.js';
import {
  concurrently,
  constraintsOf,
  push,
  q,
  relKey,
  textOf,
  type Ctx,
  type Needs,
  type Stmt,
} from './postgres-context.js';
import { addConstraint } from './postgres-constraints.js';

/** Rules on ALTER TABLE of an existing table: columns, their types, NOT NULL and defaults. */

export function alterTable(ctx: Ctx, stmt: Stmt, a: AlterTableStmt, needs: Needs): void {
  const table = relKey(a.relation);
  if (!table) return;
  const isNew = ctx.createdTables.has(table);
  const cmds: AlterTableCmd[] = [];
  for (const n of a.cmds ?? []) if ('AlterTableCmd' in n) cmds.push(n.AlterTableCmd);
  const single = cmds.length === 1;
  const text = textOf(ctx, stmt);
  for (const cmd of cmds) {
    if (isNew) {
      // Nothing to scan or block on a table created in this file, except the table a new
      // foreign key points to.
      const con = cmd.def && 'Constraint' in cmd.def ? cmd.def.Constraint : undefined;
      if (cmd.subtype === 'AT_AddConstraint' && con?.contype === 'CONSTR_FOREIGN') {
        const ref = relKey(con.pktable);
        if (ref && !ctx.createdTables.has(ref)) needs.lock ??= `A foreign key to ${q(ref)}`;
      }
      continue;
    }
    if (a.objtype === 'OBJECT_TABLE' || a.objtype === 'OBJECT_MATVIEW')
      needs.lock ??= `ALTER TABLE ${q(table)}`;
    alterCommand(ctx, stmt, table, cmd, needs, single ? text : undefined);
  }
  if (a.objtype === 'OBJECT_TABLE') {
    for (const cmd of cmds) {
      const part = cmd.def && 'PartitionCmd' in cmd.def ? cmd.def.PartitionCmd : undefined;
      if (cmd.subtype === 'AT_DetachPartition' && part?.concurrent)
        concurrently(ctx, stmt, 'DETACH PARTITION CONCURRENTLY');
    }
  }
}

function alterCommand(
  ctx: Ctx,
  stmt: Stmt,
  table: string,
  cmd: AlterTableCmd,
  needs: Needs,
  singleText: string | undefined,
): void {
  const T = q(table);
  const col = cmd.name ? q(cmd.name) : '';
  switch (cmd.subtype) {
    case 'AT_AddColumn': {
      const def = cmd.def && 'ColumnDef' in cmd.def ? cmd.def.ColumnDef : undefined;
      if (def) addColumn(ctx, stmt, table, def, needs);
      return;
    }
    case 'AT_DropColumn':
      push(
        ctx,
        stmt,
        'drop-column',
        `Drops column ${T}.${col}: running app versions select it by name and fail with "column does not exist"; its data is lost.`,
        `Remove the field from schema.prisma and deploy the app first; drop ${col} in a later migration, after a backup.`,
      );
      return;
    case 'AT_AlterColumnType': {
      const def = cmd.def && 'ColumnDef' in cmd.def ? cmd.def.ColumnDef : undefined;
      const type = def ? displayType(nameParts(def.typeName?.names)) : '?';
      needs.time ??= `ALTER COLUMN ${col} TYPE`;
      push(
        ctx,
        stmt,
        'change-column-type',
        `Changes the type of ${T}.${col} to ${type}: unless PostgreSQL can prove it binary-compatible (e.g. varchar(n) to text), the whole table is rewritten under an ACCESS EXCLUSIVE lock.`,
        `Add a new column of type ${type}, backfill it in batches, switch the app, then drop ${col} in a later migration.`,
      );
      return;
    }
    case 'AT_SetNotNull':
      needs.time ??= `SET NOT NULL on ${T}.${col}`;
      push(
        ctx,
        stmt,
        'set-not-null',
        `SET NOT NULL on ${T}.${col} scans the whole table under an ACCESS EXCLUSIVE lock (and fails if a NULL is left).`,
        `ALTER TABLE ${T} ADD CONSTRAINT "${table}_${cmd.name ?? 'col'}_not_null" CHECK (${col} IS NOT NULL) NOT VALID; then in a later migration VALIDATE CONSTRAINT, SET NOT NULL (PostgreSQL 12+ skips the scan) and DROP the check.`,
      );
      return;
    case 'AT_DropNotNull':
      push(
        ctx,
        stmt,
        'drop-not-null',
        `Drops NOT NULL on ${T}.${col}: once a NULL is written, running app versions (field still required) fail to read the row.`,
        'Deploy the app with the field optional (String?) first, then drop NOT NULL.',
      );
      return;
    case 'AT_AddConstraint': {
      const con = cmd.def && 'Constraint' in cmd.def ? cmd.def.Constraint : undefined;
      if (con) addConstraint(ctx, stmt, table, con, needs, singleText);
      return;
    }
    case 'AT_ValidateConstraint':
      needs.time ??= `VALIDATE CONSTRAINT on ${T}`;
      if (cmd.name && ctx.notValid.has(`${table}\0${cmd.name}`)) {
        push(
          ctx,
          stmt,
          'validate-in-same-transaction',
          `VALIDATE CONSTRAINT ${col} runs in the same transaction as its ADD ... NOT VALID: the scan happens while the ADD's lock on ${T} is still held.`,
          `Move ALTER TABLE ${T} VALIDATE CONSTRAINT ${col}; to a later migration.`,
        );
      }
      return;
    default:
      return;
  }
}

function addColumn(ctx: Ctx, stmt: Stmt, table: string, def: ColumnDef, needs: Needs): void {
  const T = q(table);
  const col = q(def.colname ?? '?');
  const cons = constraintsOf(def);
  const defaultCon = cons.find((c) => c.contype === 'CONSTR_DEFAULT');
  const defaultIsNull =
    defaultCon?.raw_expr !== undefined &&
    'A_Const' in defaultCon.raw_expr &&
    defaultCon.raw_expr.A_Const.isnull === true;
  const hasDefault = defaultCon !== undefined && !defaultIsNull;
  const identity = cons.some((c) => c.contype === 'CONSTR_IDENTITY');
  const generated = cons.find((c) => c.contype === 'CONSTR_GENERATED');
  const storedGenerated = generated !== undefined && generated.generated_kind !== 'v';
  const serial = SERIAL_TYPES.has(typeNameOf(def));
  const notNull = cons.some((c) => c.contype === 'CONSTR_NOTNULL' || c.contype === 'CONSTR_PRIMARY');

  if (notNull && !hasDefault && !identity && !generated && !serial) {
    push(
      ctx,
      stmt,
      'add-column-not-null-without-default',
      `Adds NOT NULL column ${T}.${col} without a DEFAULT: fails with 23502 as soon as ${T} has a row.`,
      `ALTER TABLE ${T} ADD COLUMN ${col} ... NOT NULL DEFAULT <value> (instant since PostgreSQL 11); or add it nullable, backfill in batches, then make it NOT NULL with a validated CHECK.`,
    );
  }
  const volatile = defaultCon
    ? functionNames(defaultCon.raw_expr).filter((f) => VOLATILE_FUNCTIONS.has(f))
    : [];
  const rewriteWhy = serial
    ? `a ${typeNameOf(def).toUpperCase()} type (nextval default)`
    : identity
      ? 'GENERATED ... AS IDENTITY'
      : storedGenerated
        ? 'GENERATED ... STORED'
        : volatile.length > 0
          ? `the volatile default ${volatile[0]}()`
          : undefined;
  if (rewriteWhy) {
    needs.time ??= `ADD COLUMN ${col} with ${rewriteWhy}`;
    push(
      ctx,
      stmt,
      'add-column-table-rewrite',
      `Adds ${T}.${col} with ${rewriteWhy}: every existing row gets its own value, so the whole table is rewritten under an ACCESS EXCLUSIVE lock.`,
      `ALTER TABLE ${T} ADD COLUMN ${col} <type>; then ALTER COLUMN ${col} SET DEFAULT ... for new rows; backfill old rows in batches.`,
    );
  }
  for (const con of cons) {
    if (
      con.contype === 'CONSTR_FOREIGN' ||
      con.contype === 'CONSTR_CHECK' ||
      con.contype === 'CONSTR_UNIQUE'
    ) {
      addConstraint(ctx, stmt, table, con, needs, undefined, def.colname);
    }
  }
}

const VOLATILE_FUNCTIONS = new Set([
  'random',
  'gen_random_uuid',
  'uuidv4',
  'uuidv7',
  'uuid_generate_v1',
  'uuid_generate_v1mc',
  'uuid_generate_v4',
  'clock_timestamp',
  'timeofday',
  'nextval',
  'txid_current',
]);
const SERIAL_TYPES = new Set(['serial', 'serial4', 'bigserial', 'serial8', 'smallserial', 'serial2']);

/** Names of every function called anywhere inside a node. */
function functionNames(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) {
    for (const item of node) functionNames(item, out);
  } else if (node !== null && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === 'FuncCall') {
        const names = nameParts((value as { funcname?: Node[] }).funcname);
        const last = names[names.length - 1];
        if (last) out.push(last.toLowerCase());
      }
      functionNames(value, out);
    }
  }
  return out;
}

function typeNameOf(col: ColumnDef): string {
  const names = nameParts(col.typeName?.names);
  return (names[names.length - 1] ?? '').toLowerCase();
}

const TYPE_NAMES: Record<string, string> = {
  int2: 'SMALLINT',
  int4: 'INTEGER',
  int8: 'BIGINT',
  float4: 'REAL',
  float8: 'DOUBLE PRECISION',
  bool: 'BOOLEAN',
  bpchar: 'CHAR',
  varchar: 'VARCHAR',
  numeric: 'DECIMAL',
  timestamp: 'TIMESTAMP',
  timestamptz: 'TIMESTAMPTZ',
};

function displayType(names: string[]): string {
  const parts = names.filter((n) => n !== 'pg_catalog');
  const last = parts[parts.length - 1] ?? '?';
  if (parts.length > 1) return parts.map(q).join('.');
  return TYPE_NAMES[last] ?? (/^[a-z][a-z0-9_]*$/.test(last) ? last.toUpperCase() : q(last));
}
