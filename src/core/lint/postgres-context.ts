import type { ColumnDef, Constraint, Node, RangeVar } from 'libpg-query';
import { nameParts } from '../sql/parser.js';
import { excerpt } from '../text.js';
import type { RawFinding } from './types.js';

/** What the PostgreSQL rules share: the state of one file's lint and the naming helpers. */

/** One parsed statement with its place in the file (UTF-16 offsets). */
export interface Stmt {
  node: Node;
  start: number;
  end: number;
}

export interface Ctx {
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

export interface Needs {
  /** Takes a lock on an existing relation that can queue behind other transactions. */
  lock: string | undefined;
  /** Scans, rewrites or changes rows of an existing table: can run long. */
  time: string | undefined;
}

export const q = (name: string) => `"${name}"`;

export function relKey(rv: RangeVar | undefined): string | undefined {
  if (!rv?.relname) return undefined;
  return rv.schemaname && rv.schemaname !== 'public' ? `${rv.schemaname}.${rv.relname}` : rv.relname;
}

export function listKey(names: string[]): string | undefined {
  const last = names[names.length - 1];
  if (last === undefined) return undefined;
  const schema = names.length > 1 ? names[names.length - 2] : undefined;
  return schema && schema !== 'public' ? `${schema}.${last}` : last;
}

export function dropObjectKey(obj: Node): string | undefined {
  if ('List' in obj) return listKey(nameParts(obj.List.items));
  if ('String' in obj) return obj.String.sval;
  return undefined;
}

export function constraintsOf(col: ColumnDef): Constraint[] {
  const out: Constraint[] = [];
  for (const n of col.constraints ?? []) if ('Constraint' in n) out.push(n.Constraint);
  return out;
}

export function push(ctx: Ctx, stmt: Stmt, rule: string, message: string, fix?: string): void {
  ctx.findings.push({ rule, start: stmt.start, end: stmt.end, message, fix });
}

export function textOf(ctx: Ctx, stmt: Stmt): string {
  return ctx.sql.slice(stmt.start, stmt.end);
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

export function concurrently(ctx: Ctx, stmt: Stmt, what: string): void {
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
