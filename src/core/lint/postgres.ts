import type { Node, VariableSetStmt } from 'libpg-query';
import { nameParts } from '../sql/parser.js';
import { alterTable } from './postgres-columns.js';
import {
  concurrently,
  listKey,
  push,
  q,
  relKey,
  type Ctx,
  type Needs,
  type Stmt,
} from './postgres-context.js';
import { parseStatements } from './postgres-parse.js';
import { createIndex, createTable, drop, rename } from './postgres-tables.js';
import type { RawFinding } from './types.js';

/**
 * The PostgreSQL rules, on libpg-query's AST, statement by statement in file order. This file
 * dispatches and holds the data, enum and timeout rules; the others are in postgres-*.ts.
 */

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
    const key = listKey(nameParts(node.CreateEnumStmt.typeName));
    if (key) ctx.createdTypes.add(key);
  } else if ('IndexStmt' in node) createIndex(ctx, stmt, node.IndexStmt, needs);
  else if ('DropStmt' in node) drop(ctx, stmt, node.DropStmt, needs);
  else if ('AlterTableStmt' in node) alterTable(ctx, stmt, node.AlterTableStmt, needs);
  else if ('RenameStmt' in node) rename(ctx, stmt, node.RenameStmt, needs);
  else if ('AlterEnumStmt' in node) {
    const e = node.AlterEnumStmt;
    const type = listKey(nameParts(e.typeName)) ?? '?';
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

function isZeroSetting(args: Node[] | undefined): boolean {
  const first = args?.[0];
  if (!first || !('A_Const' in first)) return false;
  const c = first.A_Const;
  if (c.ival) return (c.ival.ival ?? 0) === 0;
  if (c.sval) return /^\s*0+\s*(ms|s|min|h|d)?\s*$/i.test(c.sval.sval ?? '');
  return false;
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
