import type { CreateStmt, DropStmt, IndexStmt, RangeVar, RenameStmt } from 'libpg-query';
import { excerpt } from '../text.js';
import {
  concurrently,
  constraintsOf,
  dropObjectKey,
  listKey,
  push,
  q,
  relKey,
  textOf,
  type Ctx,
  type Needs,
  type Stmt,
} from './postgres-context.js';

/** Rules on creating, dropping and renaming tables, indexes and types: locks and running apps. */

export function createTable(ctx: Ctx, c: CreateStmt, needs: Needs): void {
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

export function createIndex(ctx: Ctx, stmt: Stmt, ix: IndexStmt, needs: Needs): void {
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

function withConcurrently(text: string): string {
  return text.replace(/^(\s*CREATE\s+(?:UNIQUE\s+)?INDEX)\s+/i, '$1 CONCURRENTLY ');
}

export function drop(ctx: Ctx, stmt: Stmt, d: DropStmt, needs: Needs): void {
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

export function rename(ctx: Ctx, stmt: Stmt, r: RenameStmt, needs: Needs): void {
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
