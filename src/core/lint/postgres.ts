import type {
  AlterTableCmd,
  AlterTableStmt,
  ColumnDef,
  Constraint,
  CreateStmt,
  DropStmt,
  IndexStmt,
  Node,
  RangeVar,
  RenameStmt,
  VariableSetStmt,
} from 'libpg-query';
import { pgStatementBounds, scanSql, skipTrivia } from '../sql/lexer.js';
import { parsePg, syntaxErrorOf } from '../sql/parser.js';
import { excerpt } from '../text.js';
import type { RawFinding } from './types.js';

/** One parsed statement with its place in the file (UTF-16 offsets). */
interface Stmt {
  node: Node;
  start: number;
  end: number;
}

interface Ctx {
  sql: string;
  file: string | undefined;
  findings: RawFinding[];
  /** Tables (and materialized views) created earlier in this file: empty, nobody else uses them. */
  createdTables: Set<string>;
  createdIndexes: Set<string>;
  createdTypes: Set<string>;
  /** `table\0constraint` added NOT VALID earlier in this file. */
  notValid: Set<string>;
  lockTimeout: boolean;
  statementTimeout: boolean;
  lockReported: boolean;
  statementReported: boolean;
  /** Statements in the file: Prisma runs more than one as one implicit transaction. */
  statementCount: number;
  explicitTransaction: boolean;
}

interface Needs {
  /** Takes a lock on an existing relation that can queue behind other transactions. */
  lock: string | undefined;
  /** Scans, rewrites or changes rows of an existing table: can run long. */
  time: string | undefined;
}

const q = (name: string) => `"${name}"`;

function relKey(rv: RangeVar | undefined): string | undefined {
  if (!rv?.relname) return undefined;
  return rv.schemaname && rv.schemaname !== 'public' ? `${rv.schemaname}.${rv.relname}` : rv.relname;
}

function strings(nodes: Node[] | undefined): string[] {
  const out: string[] = [];
  for (const n of nodes ?? []) if ('String' in n && n.String.sval !== undefined) out.push(n.String.sval);
  return out;
}

function listKey(names: string[]): string | undefined {
  const last = names[names.length - 1];
  if (last === undefined) return undefined;
  const schema = names.length > 1 ? names[names.length - 2] : undefined;
  return schema && schema !== 'public' ? `${schema}.${last}` : last;
}

function dropObjectKey(obj: Node): string | undefined {
  if ('List' in obj) return listKey(strings(obj.List.items));
  if ('String' in obj) return obj.String.sval;
  return undefined;
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
        const names = strings((value as { funcname?: Node[] }).funcname);
        const last = names[names.length - 1];
        if (last) out.push(last.toLowerCase());
      }
      functionNames(value, out);
    }
  }
  return out;
}

function constraintsOf(col: ColumnDef): Constraint[] {
  const out: Constraint[] = [];
  for (const n of col.constraints ?? []) if ('Constraint' in n) out.push(n.Constraint);
  return out;
}

function typeNameOf(col: ColumnDef): string {
  const names = strings(col.typeName?.names);
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

function isZeroSetting(args: Node[] | undefined): boolean {
  const first = args?.[0];
  if (!first || !('A_Const' in first)) return false;
  const c = first.A_Const;
  if (c.ival) return (c.ival.ival ?? 0) === 0;
  if (c.sval) return /^\s*0+\s*(ms|s|min|h|d)?\s*$/i.test(c.sval.sval ?? '');
  return false;
}

function withConcurrently(text: string): string {
  return text.replace(/^(\s*CREATE\s+(?:UNIQUE\s+)?INDEX)\s+/i, '$1 CONCURRENTLY ');
}

/** `<migrations>/<folder>_concurrently/migration.sql` for a migration.sql or down.sql path. */
function splitTarget(file: string | undefined): string | undefined {
  if (!file) return undefined;
  const parts = file.split(/[\\/]/);
  const base = parts[parts.length - 1];
  const folder = parts[parts.length - 2];
  if ((base !== 'migration.sql' && base !== 'down.sql') || !folder) return undefined;
  return [...parts.slice(0, -2), `${folder}_concurrently`, 'migration.sql'].join('/');
}

export function splitAdvice(file: string | undefined, text: string): string {
  const target = splitTarget(file);
  return (
    `Move it into ${target ?? 'a migration folder of its own'}${target ? ' (a folder that sorts right after this one)' : ''}, containing only:\n` +
    `  ${excerpt(text, 400)};\n` +
    'Nothing else may share that file (no SET, no BEGIN): set timeouts on the role or the connection instead ' +
    "(ALTER ROLE ... SET lock_timeout = '5s'). If it fails part way, drop the INVALID index and deploy again."
  );
}

export function lintPostgres(sql: string, file: string | undefined): RawFinding[] {
  const ctx: Ctx = {
    sql,
    file,
    findings: [],
    createdTables: new Set(),
    createdIndexes: new Set(),
    createdTypes: new Set(),
    notValid: new Set(),
    lockTimeout: false,
    statementTimeout: false,
    lockReported: false,
    statementReported: false,
    statementCount: 0,
    explicitTransaction: false,
  };
  const stmts = parseStatements(sql, ctx);
  ctx.statementCount = stmts.length + ctx.findings.length; // unparsable statements count too
  for (const stmt of stmts) checkStatement(ctx, stmt);
  return ctx.findings;
}

const CREATE_TABLE_HEAD =
  /CREATE\s+(?:(?:GLOBAL|LOCAL)\s+)?(?:TEMP\s+|TEMPORARY\s+|UNLOGGED\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(?:"[^"]*"|[\w$]+)(?:\s*\.\s*(?:"[^"]*"|[\w$]+))?\s*\(/iy;

/**
 * The column list of a CREATE TABLE is most of a Prisma migration's text, and no rule reads
 * it: the table is new, so nothing can be locked or rewritten. Blanking it (same length, new
 * lines kept, so every offset stays put) before parsing halves the parser's work on this
 * corpus. The parser still parses every statement (`CREATE TABLE "X" ()` is valid). Bodies
 * with REFERENCES (a lock on another table), non-ASCII text (byte offsets) or anything after
 * the closing parenthesis (INHERITS, PARTITION BY, AS) are left whole.
 */
export function elideCreateTableBodies(sql: string): string {
  if (!/CREATE\s+(?:\w+\s+)?TABLE/i.test(sql)) return sql;
  let out = '';
  let from = 0;
  for (const { start, end } of pgStatementBounds(sql)) {
    CREATE_TABLE_HEAD.lastIndex = start;
    if (!CREATE_TABLE_HEAD.test(sql) || sql.charCodeAt(end - 1) !== 41 /* ) */) continue;
    const open = CREATE_TABLE_HEAD.lastIndex;
    const body = sql.slice(open, end - 1);
    // eslint-disable-next-line no-control-regex
    if (/\bREFERENCES\b/i.test(body) || /[^\x00-\x7f]/.test(body)) continue;
    out += sql.slice(from, open) + body.replace(/[^\n]/g, ' ');
    from = end - 1;
  }
  return from === 0 ? sql : out + sql.slice(from);
}

function parseStatements(sql: string, ctx: Ctx): Stmt[] {
  try {
    const result = parsePg(elideCreateTableBodies(sql));
    const toChar = byteToCharMapper(sql);
    const out: Stmt[] = [];
    for (const raw of result.stmts ?? []) {
      if (!raw.stmt) continue;
      const loc = toChar(raw.stmt_location ?? 0);
      const end = raw.stmt_len ? toChar((raw.stmt_location ?? 0) + raw.stmt_len) : sql.length;
      out.push({ node: raw.stmt, start: skipTrivia(sql, loc, 'postgresql'), end: trimEnd(sql, end) });
    }
    return out;
  } catch (whole) {
    // One bad statement must not hide the others: parse them one by one.
    const out: Stmt[] = [];
    const before = ctx.findings.length;
    for (const chunk of scanSql(sql, 'postgresql').statements) {
      const text = sql.slice(chunk.start, chunk.end);
      try {
        for (const raw of parsePg(text).stmts ?? []) {
          if (raw.stmt) out.push({ node: raw.stmt, start: chunk.start, end: chunk.end });
        }
      } catch (error) {
        const e = syntaxErrorOf(error);
        ctx.findings.push({
          rule: 'parse-error',
          start: chunk.start,
          end: chunk.end,
          message: `PostgreSQL parser: ${e.message}. This statement was not checked.`,
        });
      }
    }
    if (ctx.findings.length === before) {
      // Each statement parses alone, so the fault is between them (an unterminated comment...).
      const e = syntaxErrorOf(whole);
      const at = Math.min(byteToCharMapper(sql)(e.cursor ?? 0), Math.max(0, sql.length - 1));
      ctx.findings.push({
        rule: 'parse-error',
        start: at,
        end: Math.min(sql.length, at + 60),
        message: `PostgreSQL parser: ${e.message}. The file may not run as written.`,
      });
    }
    return out;
  }
}

function trimEnd(sql: string, end: number): number {
  let e = Math.min(end, sql.length);
  while (e > 0 && sql.charCodeAt(e - 1) <= 32) e -= 1;
  return e;
}

/** libpg_query reports byte offsets into the UTF-8 text; JavaScript strings index UTF-16 units. */
function byteToCharMapper(sql: string): (byte: number) => number {
  // eslint-disable-next-line no-control-regex
  if (!/[^\x00-\x7f]/.test(sql)) return (byte) => byte;
  const map: number[] = [];
  let chars = 0;
  for (const ch of sql) {
    const bytes = Buffer.byteLength(ch, 'utf8');
    for (let k = 0; k < bytes; k += 1) map.push(chars);
    chars += ch.length;
  }
  map.push(chars);
  return (byte) => map[Math.min(byte, map.length - 1)] ?? chars;
}

function push(ctx: Ctx, stmt: Stmt, rule: string, message: string, fix?: string): void {
  ctx.findings.push({ rule, start: stmt.start, end: stmt.end, message, fix });
}

function textOf(ctx: Ctx, stmt: Stmt): string {
  return ctx.sql.slice(stmt.start, stmt.end);
}

function checkStatement(ctx: Ctx, stmt: Stmt): void {
  const needs: Needs = { lock: undefined, time: undefined };
  const node = stmt.node;
  if ('VariableSetStmt' in node) setting(ctx, node.VariableSetStmt);
  else if ('TransactionStmt' in node) {
    const kind = node.TransactionStmt.kind;
    if (kind === 'TRANS_STMT_BEGIN' || kind === 'TRANS_STMT_START') ctx.explicitTransaction = true;
  } else if ('CreateStmt' in node) createTable(ctx, node.CreateStmt, needs);
  else if ('CreateTableAsStmt' in node) {
    const key = relKey(node.CreateTableAsStmt.into?.rel);
    if (key) ctx.createdTables.add(key);
  } else if ('CreateEnumStmt' in node) {
    const key = listKey(strings(node.CreateEnumStmt.typeName));
    if (key) ctx.createdTypes.add(key);
  } else if ('IndexStmt' in node) createIndex(ctx, stmt, node.IndexStmt, needs);
  else if ('DropStmt' in node) drop(ctx, stmt, node.DropStmt, needs);
  else if ('AlterTableStmt' in node) alterTable(ctx, stmt, node.AlterTableStmt, needs);
  else if ('RenameStmt' in node) rename(ctx, stmt, node.RenameStmt, needs);
  else if ('AlterEnumStmt' in node) {
    const e = node.AlterEnumStmt;
    const type = listKey(strings(e.typeName)) ?? '?';
    if (ctx.createdTypes.has(type)) {
      // A type created in this file has no users yet.
    } else if (e.oldVal !== undefined) {
      push(
        ctx,
        stmt,
        'enum-remove-or-rename-value',
        `Renames value '${e.oldVal}' of enum ${q(type)} to '${e.newVal ?? ''}': running apps still send '${e.oldVal}'.`,
        `Add '${e.newVal ?? ''}' with ALTER TYPE ${q(type)} ADD VALUE (own migration), move rows in batches, deploy the app, then drop '${e.oldVal}' later.`,
      );
    } else if (e.newVal !== undefined) {
      push(
        ctx,
        stmt,
        'enum-add-value',
        `Adds value '${e.newVal}' to enum ${q(type)}: it cannot be used until this transaction commits (55P04), and running Prisma Clients cannot read rows holding it.`,
        `Keep ALTER TYPE ${q(type)} ADD VALUE '${e.newVal}' in a migration of its own; deploy the app that knows '${e.newVal}' before writing it.`,
      );
    }
  } else if ('UpdateStmt' in node) {
    const u = node.UpdateStmt;
    const key = relKey(u.relation);
    if (key && !ctx.createdTables.has(key)) {
      needs.time = `UPDATE ${q(key)}`;
      if (!u.whereClause) {
        push(
          ctx,
          stmt,
          'update-without-where',
          `UPDATE of every row of ${q(key)} in one transaction (no WHERE).`,
          `UPDATE ${q(key)} SET ... WHERE "id" BETWEEN $start AND $end, in batches of ~1,000 rows, each committed on its own.`,
        );
      }
    }
  } else if ('DeleteStmt' in node) {
    const d = node.DeleteStmt;
    const key = relKey(d.relation);
    if (key && !ctx.createdTables.has(key)) {
      needs.time = `DELETE FROM ${q(key)}`;
      if (!d.whereClause) {
        push(
          ctx,
          stmt,
          'delete-without-where',
          `DELETE of every row of ${q(key)} (no WHERE).`,
          `Back the rows up, then DELETE FROM ${q(key)} WHERE ... in batches.`,
        );
      }
    }
  } else if ('TruncateStmt' in node) {
    for (const r of node.TruncateStmt.relations ?? []) {
      const key = 'RangeVar' in r ? relKey(r.RangeVar) : undefined;
      if (!key || ctx.createdTables.has(key)) continue;
      needs.lock = `TRUNCATE ${q(key)}`;
      push(
        ctx,
        stmt,
        'delete-without-where',
        `TRUNCATE removes every row of ${q(key)} under an ACCESS EXCLUSIVE lock.`,
        `Back the rows up, then DELETE FROM ${q(key)} WHERE ... in batches.`,
      );
    }
  } else if ('CreateTrigStmt' in node) {
    const key = relKey(node.CreateTrigStmt.relation);
    if (key && !ctx.createdTables.has(key)) needs.lock = `CREATE TRIGGER on ${q(key)}`;
  } else if ('LockStmt' in node) {
    needs.lock = 'LOCK TABLE';
  } else if ('ReindexStmt' in node) {
    const concurrent = (node.ReindexStmt.params ?? []).some(
      (p) => 'DefElem' in p && p.DefElem.defname === 'concurrently',
    );
    if (concurrent) concurrently(ctx, stmt, 'REINDEX CONCURRENTLY');
    else needs.lock = 'REINDEX';
  } else if ('VacuumStmt' in node) {
    if (node.VacuumStmt.is_vacuumcmd) concurrently(ctx, stmt, 'VACUUM');
  } else if ('ClusterStmt' in node) {
    needs.lock = 'CLUSTER';
    needs.time = 'CLUSTER';
  } else if ('SelectStmt' in node) {
    // SELECT set_config('lock_timeout', '5s', false) is another way to set a timeout.
    if (JSON.stringify(node).includes('set_config')) setConfig(ctx, node);
  }
  timeouts(ctx, stmt, needs);
}

function setting(ctx: Ctx, s: VariableSetStmt): void {
  const name = s.name?.toLowerCase();
  if (name !== 'lock_timeout' && name !== 'statement_timeout') return;
  const on = s.kind === 'VAR_SET_VALUE' && !isZeroSetting(s.args);
  if (name === 'lock_timeout') ctx.lockTimeout = on;
  else ctx.statementTimeout = on;
}

function setConfig(ctx: Ctx, node: Node): void {
  const text = JSON.stringify(node);
  if (/"sval":"lock_timeout"/.test(text)) ctx.lockTimeout = true;
  if (/"sval":"statement_timeout"/.test(text)) ctx.statementTimeout = true;
}

function timeouts(ctx: Ctx, stmt: Stmt, needs: Needs): void {
  if (needs.lock && !ctx.lockTimeout && !ctx.lockReported) {
    ctx.lockReported = true;
    push(
      ctx,
      stmt,
      'require-lock-timeout',
      `${needs.lock} takes a lock on a live table, and no SET lock_timeout runs before it in this migration: it can queue behind a long transaction and block every query on the table meanwhile.`,
      "Add SET lock_timeout = '5s'; at the top of the migration (hotfix start --timeouts), and retry if it times out.",
    );
  }
  if (needs.time && !ctx.statementTimeout && !ctx.statementReported) {
    ctx.statementReported = true;
    push(
      ctx,
      stmt,
      'require-statement-timeout',
      `${needs.time} can run for as long as the table is big, and no SET statement_timeout runs before it in this migration.`,
      "Add SET statement_timeout = '60s'; at the top of the migration (hotfix start --timeouts), sized to what production can bear.",
    );
  }
}

function concurrently(ctx: Ctx, stmt: Stmt, what: string): void {
  if (ctx.statementCount <= 1 && !ctx.explicitTransaction) return;
  const why = ctx.explicitTransaction
    ? 'inside BEGIN ... COMMIT'
    : `in a migration with ${ctx.statementCount} statements, which Prisma runs as one implicit transaction`;
  push(
    ctx,
    stmt,
    'concurrently-in-transaction',
    `${what} cannot run in a transaction block; here it runs ${why}: it fails with 25001.`,
    splitAdvice(ctx.file, textOf(ctx, stmt)),
  );
}

function createTable(ctx: Ctx, c: CreateStmt, needs: Needs): void {
  const key = relKey(c.relation);
  if (key) ctx.createdTables.add(key);
  // A foreign key to an existing table locks that table (SHARE ROW EXCLUSIVE), even here.
  const refs: RangeVar[] = [];
  for (const elt of c.tableElts ?? []) {
    if ('Constraint' in elt && elt.Constraint.contype === 'CONSTR_FOREIGN' && elt.Constraint.pktable)
      refs.push(elt.Constraint.pktable);
    if ('ColumnDef' in elt) {
      for (const con of constraintsOf(elt.ColumnDef))
        if (con.contype === 'CONSTR_FOREIGN' && con.pktable) refs.push(con.pktable);
    }
  }
  for (const ref of refs) {
    const refKey = relKey(ref);
    if (refKey && !ctx.createdTables.has(refKey)) needs.lock ??= `A foreign key to ${q(refKey)}`;
  }
}

function createIndex(ctx: Ctx, stmt: Stmt, ix: IndexStmt, needs: Needs): void {
  const table = relKey(ix.relation);
  if (ix.idxname) ctx.createdIndexes.add(listKey([ix.relation?.schemaname ?? '', ix.idxname]) ?? ix.idxname);
  if (ix.concurrent) {
    concurrently(ctx, stmt, 'CREATE INDEX CONCURRENTLY');
    return;
  }
  if (!table || ctx.createdTables.has(table)) return;
  needs.lock = `CREATE INDEX on ${q(table)}`;
  needs.time = needs.lock;
  const name = ix.idxname ? `${q(ix.idxname)} ` : '';
  push(
    ctx,
    stmt,
    'create-index-non-concurrently',
    `CREATE ${ix.unique ? 'UNIQUE ' : ''}INDEX ${name}on existing table ${q(table)} without CONCURRENTLY blocks writes to ${q(table)} until the index is built.`,
    `${excerpt(withConcurrently(textOf(ctx, stmt)), 300)}; alone in a migration of its own (CONCURRENTLY cannot run in a transaction).`,
  );
}

function drop(ctx: Ctx, stmt: Stmt, d: DropStmt, needs: Needs): void {
  if (d.removeType === 'OBJECT_TABLE') {
    for (const obj of d.objects ?? []) {
      const key = dropObjectKey(obj);
      if (!key) continue;
      if (ctx.createdTables.has(key)) {
        ctx.createdTables.delete(key);
        continue;
      }
      needs.lock ??= `DROP TABLE ${q(key)}`;
      push(
        ctx,
        stmt,
        'drop-table',
        `Drops table ${q(key)} and all its data; running app versions that still use it will fail.`,
        `Deploy the app without the ${q(key)} model first and keep a backup (pg_dump -t '${q(key)}'); drop it in a later migration.`,
      );
    }
  } else if (d.removeType === 'OBJECT_INDEX') {
    if (d.concurrent) {
      concurrently(ctx, stmt, 'DROP INDEX CONCURRENTLY');
      return;
    }
    for (const obj of d.objects ?? []) {
      const key = dropObjectKey(obj);
      if (!key || ctx.createdIndexes.has(key)) continue;
      needs.lock ??= `DROP INDEX ${q(key)}`;
      push(
        ctx,
        stmt,
        'drop-index-non-concurrently',
        `DROP INDEX ${q(key)} takes an ACCESS EXCLUSIVE lock on its table: reads and writes queue behind it.`,
        `DROP INDEX CONCURRENTLY ${q(key)}; alone in a migration of its own.`,
      );
    }
  }
}

function rename(ctx: Ctx, stmt: Stmt, r: RenameStmt, needs: Needs): void {
  if (r.renameType === 'OBJECT_TABLE') {
    const key = relKey(r.relation);
    if (!key || !r.newname) return;
    const newKey =
      r.relation?.schemaname && r.relation.schemaname !== 'public'
        ? `${r.relation.schemaname}.${r.newname}`
        : r.newname;
    if (ctx.createdTables.has(key)) {
      ctx.createdTables.delete(key);
      ctx.createdTables.add(newKey);
      return;
    }
    needs.lock = `ALTER TABLE ${q(key)} RENAME`;
    push(
      ctx,
      stmt,
      'rename-table',
      `Renames table ${q(key)} to ${q(r.newname)}: running app versions still query ${q(key)}.`,
      `Keep the table name and map the model with @@map("${key}") in schema.prisma; or create VIEW ${q(key)} for the transition.`,
    );
  } else if (r.renameType === 'OBJECT_COLUMN' && r.relationType === 'OBJECT_TABLE') {
    const key = relKey(r.relation);
    if (!key || ctx.createdTables.has(key)) return;
    needs.lock = `ALTER TABLE ${q(key)} RENAME COLUMN`;
    push(
      ctx,
      stmt,
      'rename-column',
      `Renames column ${q(key)}.${q(r.subname ?? '?')} to ${q(r.newname ?? '?')}: running app versions still select ${q(r.subname ?? '?')}.`,
      `Keep the column name and map the field with @map("${r.subname ?? ''}") in schema.prisma; or add the new column, backfill, switch the app, drop the old one later.`,
    );
  } else if (r.renameType === 'OBJECT_TYPE' && r.object) {
    const from = dropObjectKey(r.object);
    if (!from || !r.newname) return;
    if (ctx.createdTypes.has(from)) {
      ctx.createdTypes.delete(from);
      if (!ctx.createdTypes.has(r.newname)) {
        // Prisma's enum swap: a new type takes the name of the old one.
        push(
          ctx,
          stmt,
          'enum-remove-or-rename-value',
          `Replaces enum ${q(r.newname)} with a new definition (Prisma's enum swap): removed values break running apps that still write them, and every column of the type is rewritten.`,
          'Stop writing the removed values first (deploy the app), move rows in batches, then swap the enum in a later migration.',
        );
      }
    }
  }
}

function alterTable(ctx: Ctx, stmt: Stmt, a: AlterTableStmt, needs: Needs): void {
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
      const type = def ? displayType(strings(def.typeName?.names)) : '?';
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

function addConstraint(
  ctx: Ctx,
  stmt: Stmt,
  table: string,
  con: Constraint,
  needs: Needs,
  singleText: string | undefined,
  inlineColumn?: string,
): void {
  const T = q(table);
  const name = con.conname ? `${q(con.conname)} ` : '';
  const later = `ALTER TABLE ${T} VALIDATE CONSTRAINT ${con.conname ? q(con.conname) : '<name>'}; in a later migration`;
  const notValidFix = (what: string) =>
    inlineColumn !== undefined
      ? `Add the column without the inline ${what}, then ALTER TABLE ${T} ADD CONSTRAINT ... ${what} ... NOT VALID; and ${later}.`
      : singleText !== undefined
        ? `${excerpt(singleText, 300)} NOT VALID; then ${later}.`
        : `Add NOT VALID to this ${what}; then ${later}.`;
  if (con.contype === 'CONSTR_FOREIGN') {
    const ref = relKey(con.pktable) ?? '?';
    if (con.skip_validation) {
      if (con.conname) ctx.notValid.add(`${table}\0${con.conname}`);
      return;
    }
    needs.time ??= `Foreign key ${name}on ${T}`;
    push(
      ctx,
      stmt,
      'add-foreign-key-without-not-valid',
      `Foreign key ${name}on existing table ${T} is validated at once: a full scan of ${T} while writes to ${T} and ${q(ref)} are blocked.`,
      notValidFix('FOREIGN KEY'),
    );
  } else if (con.contype === 'CONSTR_CHECK') {
    if (con.skip_validation) {
      if (con.conname) ctx.notValid.add(`${table}\0${con.conname}`);
      return;
    }
    needs.time ??= `CHECK ${name}on ${T}`;
    push(
      ctx,
      stmt,
      'add-check-without-not-valid',
      `CHECK ${name}on existing table ${T} is validated at once: a full scan of ${T} under an ACCESS EXCLUSIVE lock.`,
      notValidFix('CHECK'),
    );
  } else if (
    (con.contype === 'CONSTR_UNIQUE' ||
      con.contype === 'CONSTR_PRIMARY' ||
      con.contype === 'CONSTR_EXCLUSION') &&
    !con.indexname
  ) {
    const kind =
      con.contype === 'CONSTR_UNIQUE'
        ? 'UNIQUE'
        : con.contype === 'CONSTR_PRIMARY'
          ? 'PRIMARY KEY'
          : 'EXCLUDE';
    needs.time ??= `${kind} ${name}on ${T}`;
    const idx = con.conname ?? `${table}_new_idx`;
    push(
      ctx,
      stmt,
      'add-unique-constraint',
      `${kind} ${name}on existing table ${T} builds its index while blocking reads and writes on ${T}.`,
      kind === 'EXCLUDE'
        ? 'Build the constraint during a quiet window, with lock_timeout and statement_timeout set.'
        : `CREATE UNIQUE INDEX CONCURRENTLY ${q(idx)} ON ${T} (...); in its own migration, then ALTER TABLE ${T} ADD CONSTRAINT ${q(idx)} ${kind} USING INDEX ${q(idx)};`,
    );
  }
}
