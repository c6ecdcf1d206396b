import { scanSql, type SqlChunk } from '../sql/lexer.js';
import type { RawFinding } from './types.js';

/**
 * Basic rules for MySQL and SQLite: no parser of theirs is bundled, so statements are split by
 * the lexer (strings and comments cannot fool it) and recognised by their leading keywords.
 * Unrecognised statements are skipped, never guessed at.
 */

const IDENT = '(?:`[^`]+`|"[^"]+"|\\[[^\\]]+\\]|[\\w$]+)';
const QNAME = `${IDENT}(?:\\s*\\.\\s*${IDENT})?`;

/** Last part of a possibly qualified, possibly quoted name. */
function bare(name: string): string {
  const parts = name.match(new RegExp(IDENT, 'g')) ?? [name];
  const last = parts[parts.length - 1] ?? name;
  return /^[`"[]/.test(last) ? last.slice(1, -1) : last;
}

/** Table names compare case-insensitively in SQLite and (on most setups) MySQL. */
const keyOf = (name: string) => bare(name).toLowerCase();

/** Splits an ALTER TABLE body on commas outside parentheses. */
function clauses(body: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let from = 0;
  for (let i = 0; i < body.length; i += 1) {
    const ch = body[i];
    if (ch === '(') depth += 1;
    else if (ch === ')') depth -= 1;
    else if (ch === ',' && depth === 0) {
      out.push(body.slice(from, i).trim());
      from = i + 1;
    } else if (ch === '`' || ch === '"') {
      const close = body.indexOf(ch, i + 1);
      if (close !== -1) i = close;
    }
  }
  out.push(body.slice(from).trim());
  return out.filter((c) => c.length > 0);
}

const RE = {
  createTable: new RegExp(
    `^CREATE\\s+(?:TEMP(?:ORARY)?\\s+)?TABLE\\s+(?:IF\\s+NOT\\s+EXISTS\\s+)?(${QNAME})`,
    'i',
  ),
  dropTable: /^DROP\s+(?:TEMPORARY\s+)?TABLE\s+(?:IF\s+EXISTS\s+)?(.+?)(?:\s+(?:CASCADE|RESTRICT))?$/i,
  renameTable: /^RENAME\s+TABLE\s+(.+)$/i,
  alterTable: new RegExp(`^ALTER\\s+(?:ONLINE\\s+|IGNORE\\s+)?TABLE\\s+(${QNAME})\\s+(.*)$`, 'is'),
  createIndex: new RegExp(
    `^CREATE\\s+(?:UNIQUE\\s+|FULLTEXT\\s+|SPATIAL\\s+)?INDEX\\s+.*?\\bON\\s+(${QNAME})`,
    'is',
  ),
  update: new RegExp(`^UPDATE\\s+(?:LOW_PRIORITY\\s+|IGNORE\\s+|OR\\s+\\w+\\s+)*(${QNAME})`, 'i'),
  delete: new RegExp(`^DELETE\\s+(?:LOW_PRIORITY\\s+|QUICK\\s+|IGNORE\\s+)*FROM\\s+(${QNAME})`, 'i'),
  truncate: new RegExp(`^TRUNCATE\\s+(?:TABLE\\s+)?(${QNAME})`, 'i'),
  where: /\bWHERE\b/i,
  lockWait: /^SET\s+(?:SESSION\s+|LOCAL\s+|@@SESSION\.|@@LOCAL\.|@@)?lock_wait_timeout\s*(?:=|TO)\s*(\d+)/i,
  addFk: /^ADD\s+(?:CONSTRAINT\s+(?:\S+\s+)?)?FOREIGN\s+KEY\b/i,
  addColumn: new RegExp(
    `^ADD\\s+(?:COLUMN\\s+)?(?!(?:INDEX|KEY|UNIQUE|CONSTRAINT|PRIMARY|FULLTEXT|SPATIAL|FOREIGN|CHECK|PARTITION)\\b)(${IDENT})\\s+(.*)$`,
    'is',
  ),
  dropColumn: new RegExp(
    `^DROP\\s+(?:COLUMN\\s+)?(?!(?:INDEX|KEY|FOREIGN|PRIMARY|CONSTRAINT|CHECK|PARTITION|DEFAULT)\\b)(${IDENT})`,
    'i',
  ),
  modify: new RegExp(`^MODIFY\\s+(?:COLUMN\\s+)?(${IDENT})`, 'i'),
  change: new RegExp(`^CHANGE\\s+(?:COLUMN\\s+)?(${IDENT})\\s+(${IDENT})`, 'i'),
  renameColumn: new RegExp(`^RENAME\\s+COLUMN\\s+(${IDENT})\\s+TO\\s+(${IDENT})`, 'i'),
  renameTo: new RegExp(`^RENAME\\s+(?:TO\\s+|AS\\s+)?(?!(?:INDEX|KEY|COLUMN|CONSTRAINT)\\b)(${QNAME})$`, 'i'),
};

interface Ctx {
  sql: string;
  dialect: 'mysql' | 'sqlite';
  findings: RawFinding[];
  created: Set<string>;
  lockTimeout: boolean;
  lockReported: boolean;
}

export function lintBasic(sql: string, dialect: 'mysql' | 'sqlite'): RawFinding[] {
  const { statements } = scanSql(sql, dialect);
  const ctx: Ctx = {
    sql,
    dialect,
    findings: [],
    created: new Set(),
    lockTimeout: false,
    lockReported: false,
  };
  statements.forEach((stmt, index) => check(ctx, stmt, statements.slice(index + 1)));
  return ctx.findings;
}

function push(ctx: Ctx, stmt: SqlChunk, rule: string, message: string, fix?: string): void {
  ctx.findings.push({ rule, start: stmt.start, end: stmt.end, message, fix });
}

function needsLock(ctx: Ctx, stmt: SqlChunk, what: string): void {
  if (ctx.dialect !== 'mysql' || ctx.lockTimeout || ctx.lockReported) return;
  ctx.lockReported = true;
  push(
    ctx,
    stmt,
    'require-lock-timeout',
    `${what} waits for a metadata lock on a live table, and no SET lock_wait_timeout runs before it: every query on the table queues behind it meanwhile (the default wait is a year).`,
    'Add SET SESSION lock_wait_timeout = 5; at the top of the migration, and retry if it times out.',
  );
}

function check(ctx: Ctx, stmt: SqlChunk, rest: SqlChunk[]): void {
  const code = stmt.code;
  let m: RegExpExecArray | null;
  if ((m = RE.lockWait.exec(code))) {
    ctx.lockTimeout = Number(m[1]) > 0;
  } else if ((m = RE.createTable.exec(code))) {
    ctx.created.add(keyOf(m[1] ?? ''));
  } else if ((m = RE.dropTable.exec(code))) {
    for (const name of clauses(m[1] ?? '')) {
      const key = keyOf(name);
      if (ctx.created.delete(key)) continue;
      needsLock(ctx, stmt, `DROP TABLE ${bare(name)}`);
      const renamedInto = rest.some((later) => {
        const r = RE.alterTable.exec(later.code);
        const to = r ? RE.renameTo.exec((r[2] ?? '').trim()) : null;
        return r !== null && to !== null && ctx.created.has(keyOf(r[1] ?? '')) && keyOf(to[1] ?? '') === key;
      });
      if (renamedInto && ctx.dialect === 'sqlite') {
        push(
          ctx,
          stmt,
          'table-redefinition',
          `Redefines table "${bare(name)}": the whole table is copied into a new one while the database write lock is held; columns left out of the INSERT ... SELECT are lost.`,
          'Check the column list of the INSERT ... SELECT above; run it when the database is quiet, after a backup.',
        );
      } else {
        push(
          ctx,
          stmt,
          'drop-table',
          `Drops table "${bare(name)}" and all its data; running app versions that still use it will fail.`,
          `Deploy the app without the "${bare(name)}" model first and keep a backup; drop it in a later migration.`,
        );
      }
    }
  } else if ((m = RE.renameTable.exec(code))) {
    for (const pair of clauses(m[1] ?? '')) {
      const [from, to] = pair.split(/\s+TO\s+/i);
      if (!from || !to) continue;
      if (ctx.created.delete(keyOf(from))) {
        ctx.created.add(keyOf(to));
        continue;
      }
      needsLock(ctx, stmt, `RENAME TABLE ${bare(from)}`);
      renameTable(ctx, stmt, bare(from), bare(to));
    }
  } else if ((m = RE.alterTable.exec(code))) {
    alterTable(ctx, stmt, m[1] ?? '', m[2] ?? '');
  } else if ((m = RE.createIndex.exec(code))) {
    if (!ctx.created.has(keyOf(m[1] ?? ''))) needsLock(ctx, stmt, `CREATE INDEX on ${bare(m[1] ?? '')}`);
  } else if ((m = RE.update.exec(code))) {
    const table = bare(m[1] ?? '');
    if (!ctx.created.has(keyOf(table)) && !RE.where.test(code)) {
      push(
        ctx,
        stmt,
        'update-without-where',
        `UPDATE of every row of "${table}" in one transaction (no WHERE).`,
        `UPDATE "${table}" SET ... WHERE id BETWEEN ? AND ?, in batches of ~1,000 rows.`,
      );
    }
  } else if ((m = RE.delete.exec(code))) {
    const table = bare(m[1] ?? '');
    if (!ctx.created.has(keyOf(table)) && !RE.where.test(code)) {
      push(
        ctx,
        stmt,
        'delete-without-where',
        `DELETE of every row of "${table}" (no WHERE).`,
        `Back the rows up, then DELETE FROM "${table}" WHERE ... in batches.`,
      );
    }
  } else if ((m = RE.truncate.exec(code))) {
    const table = bare(m[1] ?? '');
    if (!ctx.created.has(keyOf(table))) {
      needsLock(ctx, stmt, `TRUNCATE ${table}`);
      push(
        ctx,
        stmt,
        'delete-without-where',
        `TRUNCATE removes every row of "${table}".`,
        `Back the rows up, then DELETE FROM "${table}" WHERE ... in batches.`,
      );
    }
  }
}

function renameTable(ctx: Ctx, stmt: SqlChunk, from: string, to: string): void {
  push(
    ctx,
    stmt,
    'rename-table',
    `Renames table "${from}" to "${to}": running app versions still query "${from}".`,
    `Keep the table name and map the model with @@map("${from}") in schema.prisma.`,
  );
}

function alterTable(ctx: Ctx, stmt: SqlChunk, name: string, body: string): void {
  const table = bare(name);
  const key = keyOf(name);
  if (ctx.created.has(key)) {
    const to = RE.renameTo.exec(body.trim());
    if (to) {
      ctx.created.delete(key);
      ctx.created.add(keyOf(to[1] ?? ''));
    }
    return;
  }
  needsLock(ctx, stmt, `ALTER TABLE ${table}`);
  const T = `"${table}"`;
  for (const clause of clauses(body)) {
    let m: RegExpExecArray | null;
    if (RE.addFk.test(clause)) {
      if (ctx.dialect === 'mysql') {
        push(
          ctx,
          stmt,
          'add-foreign-key-table-copy',
          `Adding a FOREIGN KEY to existing table ${T} copies the whole table (ALGORITHM=COPY) while writes are blocked.`,
          'SET foreign_key_checks = 0; before this ALTER (it then runs INPLACE) after checking the data yourself, and SET foreign_key_checks = 1; after it.',
        );
      }
    } else if ((m = RE.addColumn.exec(clause))) {
      const col = bare(m[1] ?? '');
      const rest = m[2] ?? '';
      const notNull = /\bNOT\s+NULL\b/i.test(rest) || /\bPRIMARY\s+KEY\b/i.test(rest);
      const filled = /\bDEFAULT\b|\bAUTO_INCREMENT\b|\bGENERATED\b|\bAS\s*\(/i.test(rest);
      if (notNull && !filled) {
        push(
          ctx,
          stmt,
          'add-column-not-null-without-default',
          ctx.dialect === 'sqlite'
            ? `Adds NOT NULL column ${T}."${col}" without a DEFAULT: SQLite refuses it ("Cannot add a NOT NULL column with default value NULL").`
            : `Adds NOT NULL column ${T}.\`${col}\` without a DEFAULT: existing rows silently get the type's zero value ('' or 0), or the ALTER fails in strict mode for some types.`,
          `Give the column a DEFAULT, or add it nullable, backfill, then make it NOT NULL.`,
        );
      }
    } else if ((m = RE.dropColumn.exec(clause))) {
      const col = bare(m[1] ?? '');
      push(
        ctx,
        stmt,
        'drop-column',
        `Drops column ${T}."${col}": running app versions select it by name and fail; its data is lost.`,
        `Remove the field from schema.prisma and deploy the app first; drop "${col}" in a later migration, after a backup.`,
      );
    } else if ((m = RE.change.exec(clause)) || (m = RE.modify.exec(clause))) {
      const col = bare(m[1] ?? '');
      const renamed = m[2] !== undefined && bare(m[2]) !== col ? bare(m[2]) : undefined;
      if (ctx.dialect === 'mysql') {
        push(
          ctx,
          stmt,
          'change-column-type',
          `Redefines column ${T}.\`${col}\`: a type, nullability or ENUM-list change usually copies the whole table (ALGORITHM=COPY) while writes are blocked.`,
          'Add a new column, backfill in batches, switch the app, drop the old column later; or use an online schema change tool (gh-ost, pt-osc).',
        );
      }
      if (renamed) renameColumn(ctx, stmt, table, col, renamed);
    } else if ((m = RE.renameColumn.exec(clause))) {
      renameColumn(ctx, stmt, table, bare(m[1] ?? ''), bare(m[2] ?? ''));
    } else if ((m = RE.renameTo.exec(clause))) {
      renameTable(ctx, stmt, table, bare(m[1] ?? ''));
    }
  }
}

function renameColumn(ctx: Ctx, stmt: SqlChunk, table: string, from: string, to: string): void {
  push(
    ctx,
    stmt,
    'rename-column',
    `Renames column "${table}"."${from}" to "${to}": running app versions still select "${from}".`,
    `Keep the column name and map the field with @map("${from}") in schema.prisma.`,
  );
}
