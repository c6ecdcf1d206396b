import type { RangeVar } from 'libpg-query';
import { DEFAULT_TIMEOUTS, addTimeoutsPreamble } from '../lint/preamble.js';
import { scanSql } from '../sql/lexer.js';
import { parsePg } from '../sql/parser.js';
import { qi } from '../sql/objects.js';

/**
 * The safe form of a hotfix migration on PostgreSQL, where it is mechanical:
 * - an index on an existing table is built CONCURRENTLY (writes go on meanwhile), alone in a
 *   migration of its own, since CONCURRENTLY cannot run in the transaction Prisma wraps a
 *   multi-statement file in;
 * - a foreign key or CHECK on an existing table is added NOT VALID (a brief lock, no scan) and
 *   validated in a later migration (a scan that does not block writes);
 * - every other part starts with SET lock_timeout / statement_timeout, so it gives up rather
 *   than queue behind a long transaction and block the table.
 * The result is a list of parts, in order: each becomes a migration folder. The parser must be
 * loaded.
 */

export interface SafePart {
  /** migration.sql of the part. */
  sql: string;
  /** Its reverse: undoes only what this part does (undefined: the caller writes it). */
  down: string | undefined;
  /** Why this part stands alone, for its header and the output. */
  why: string | undefined;
}

export interface SafeForm {
  parts: SafePart[];
  /** What was rewritten, one line each ("statement 2: CREATE INDEX -> CREATE INDEX CONCURRENTLY"). */
  rewrites: string[];
}

const relText = (rv: RangeVar) => (rv.schemaname ? `${qi(rv.schemaname)}.` : '') + qi(rv.relname ?? '');
const relKey = (rv: RangeVar | undefined) => `${rv?.schemaname ?? ''}.${rv?.relname ?? ''}`;

export function safeForm(
  sql: string,
  timeouts: { lockTimeout: string; statementTimeout: string } | undefined,
): SafeForm {
  const chunks = scanSql(sql, 'postgresql').statements;
  const parts: SafePart[] = [];
  const rewrites: string[] = [];
  const validations: string[] = [];
  const created = new Set<string>();
  let current = '';
  let from = 0;
  const flush = () => {
    if (scanSql(current, 'postgresql').statements.length > 0)
      parts.push({
        sql: timeouts ? addTimeoutsPreamble(current, { ...timeouts, provider: 'postgresql' }) : current,
        down: undefined,
        why: undefined,
      });
    current = '';
  };
  chunks.forEach((chunk, i) => {
    // The statement with the comments before it (Prisma's "-- CreateIndex" headers) and its ";".
    const end = sql.indexOf(';', chunk.end) === chunk.end ? chunk.end + 1 : chunk.end;
    const lead = sql.slice(from, chunk.start);
    let text = sql.slice(chunk.start, chunk.end);
    from = end;
    while (sql[from] === '\n') from += 1;
    const node = parsePg(text).stmts?.[0]?.stmt;
    if (node && 'CreateStmt' in node) created.add(relKey(node.CreateStmt.relation));
    if (
      node &&
      'IndexStmt' in node &&
      !node.IndexStmt.concurrent &&
      !created.has(relKey(node.IndexStmt.relation))
    ) {
      const ix = node.IndexStmt;
      text = text.replace(/^(CREATE\s+(?:UNIQUE\s+)?INDEX)\b/i, '$1 CONCURRENTLY');
      rewrites.push(
        `statement ${i + 1}: CREATE INDEX -> CREATE INDEX CONCURRENTLY, in a migration of its own`,
      );
      flush();
      parts.push({
        sql: `${lead.trimStart()}${text};\n`,
        // The safe form both ways: alone in this part's down.sql, the drop needs no table lock.
        down: ix.idxname
          ? `DROP INDEX CONCURRENTLY IF EXISTS ${ix.relation?.schemaname ? `${qi(ix.relation.schemaname)}.` : ''}${qi(ix.idxname)};\n`
          : undefined,
        why: 'CREATE INDEX CONCURRENTLY cannot run in a transaction: it is alone in this migration, which Prisma then runs outside one.',
      });
      return;
    }
    // Already CONCURRENTLY (or VACUUM): it must run alone, without a SET before it.
    const concurrent =
      node &&
      (('IndexStmt' in node && node.IndexStmt.concurrent === true) ||
        ('DropStmt' in node && node.DropStmt.concurrent === true) ||
        'VacuumStmt' in node);
    if (concurrent) {
      flush();
      parts.push({
        sql: `${lead.trimStart()}${text};\n`,
        down: undefined,
        why: 'CONCURRENTLY cannot run in a transaction: it is alone in this migration.',
      });
      return;
    }
    if (node && 'AlterTableStmt' in node) {
      const s = node.AlterTableStmt;
      const cmd =
        s.cmds?.length === 1 && s.cmds[0] && 'AlterTableCmd' in s.cmds[0]
          ? s.cmds[0].AlterTableCmd
          : undefined;
      const con =
        cmd?.subtype === 'AT_AddConstraint' && cmd.def && 'Constraint' in cmd.def
          ? cmd.def.Constraint
          : undefined;
      if (
        s.relation &&
        con?.conname &&
        (con.contype === 'CONSTR_FOREIGN' || con.contype === 'CONSTR_CHECK') &&
        !con.skip_validation &&
        !created.has(relKey(s.relation))
      ) {
        text = `${text} NOT VALID`;
        validations.push(`ALTER TABLE ${relText(s.relation)} VALIDATE CONSTRAINT ${qi(con.conname)};`);
        rewrites.push(
          `statement ${i + 1}: ${con.contype === 'CONSTR_FOREIGN' ? 'FOREIGN KEY' : 'CHECK'} ${qi(con.conname)} added NOT VALID, validated in a later migration`,
        );
      }
    }
    current += `${lead}${text};\n`;
  });
  current += sql.slice(from).trim() ? sql.slice(from) : '';
  flush();
  if (validations.length > 0) {
    const lock = timeouts?.lockTimeout ?? DEFAULT_TIMEOUTS.lockTimeout;
    parts.push({
      sql:
        `-- VALIDATE scans the table without blocking reads or writes: only the wait for its lock is bounded.\n` +
        `SET lock_timeout = '${lock}';\n${validations.join('\n')}\nRESET lock_timeout;\n`,
      down: "-- Nothing to undo: VALIDATE CONSTRAINT changes no schema (the constraint goes with the first migration's down.sql).\n",
      why: 'VALIDATE CONSTRAINT in a transaction of its own, after its ADD ... NOT VALID has committed.',
    });
  }
  return { parts, rewrites };
}
