import { usageError } from '../errors.js';
import { scanSql } from '../sql/lexer.js';
import { MIGRATION_TEMPLATE_MARKER } from '../templates.js';
import type { Provider } from './types.js';

export interface TimeoutOptions {
  /** PostgreSQL duration: `5s`, `500ms`, `2min`; a bare number is milliseconds. */
  lockTimeout: string;
  statementTimeout: string;
  provider?: Provider | undefined;
}

export const DEFAULT_TIMEOUTS = { lockTimeout: '5s', statementTimeout: '60s' } as const;

export const PREAMBLE_MARKER = '-- hotfix: timeouts';

const DURATION = /^\s*(\d+)\s*(us|ms|s|min|h|d)?\s*$/;
const UNIT_MS: Record<string, number> = {
  us: 0.001,
  ms: 1,
  s: 1000,
  min: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

export function durationMs(value: string, flag: string): number {
  const m = DURATION.exec(value);
  const ms = m ? Number(m[1]) * (UNIT_MS[m[2] ?? 'ms'] ?? 1) : NaN;
  if (!m || !(ms > 0)) {
    throw usageError('LINT_TIMEOUT_INVALID', `${flag} "${value}" is not a positive duration.`, {
      hint: `Give ${flag} a duration such as 5s, 500ms or 2min.`,
    });
  }
  return ms;
}

/** Validates --lock-timeout / --statement-timeout before any process starts. */
export function checkTimeouts(opts: Pick<TimeoutOptions, 'lockTimeout' | 'statementTimeout'>): void {
  durationMs(opts.lockTimeout, '--lock-timeout');
  durationMs(opts.statementTimeout, '--statement-timeout');
}

const CONCURRENT = /\bCONCURRENTLY\b|^VACUUM\b/i;

/** Statements that must run alone (outside any transaction), by their index in the file. */
function concurrentStatements(sql: string): { start: number; end: number; text: string }[] {
  return scanSql(sql, 'postgresql')
    .statements.filter((s) => CONCURRENT.test(s.code))
    .map((s) => ({ start: s.start, end: s.end, text: sql.slice(s.start, s.end) }));
}

/**
 * Adds `SET lock_timeout` / `SET statement_timeout` at the top of a migration (after the
 * template marker line, if there is one) and resets them at the end so that the migrations
 * Prisma runs after it in the same session are not affected. A setting already present is
 * left as it is. Refuses a file with a CONCURRENTLY statement: the SET would put it in a
 * multi-statement migration, which fails with 25001.
 */
export function addTimeoutsPreamble(sql: string, opts: TimeoutOptions): string {
  const provider = opts.provider ?? 'postgresql';
  const lockMs = durationMs(opts.lockTimeout, '--lock-timeout');
  durationMs(opts.statementTimeout, '--statement-timeout');
  if (provider === 'sqlite') {
    throw usageError('LINT_TIMEOUTS_UNSUPPORTED', 'SQLite has no lock or statement timeout to set in SQL.', {
      hint: 'Drop --timeouts for a SQLite project (set busy_timeout on the connection instead).',
    });
  }
  const statements = scanSql(sql, provider).statements;
  const has = (re: RegExp) => statements.some((s) => re.test(s.code));
  let head: string[];
  let tail: string[];
  if (provider === 'mysql') {
    if (has(/^SET\s+(?:SESSION\s+|@@SESSION\.|@@)?lock_wait_timeout\b/i)) return sql;
    const seconds = Math.max(1, Math.ceil(lockMs / 1000));
    head = [`SET SESSION lock_wait_timeout = ${seconds};`];
    tail = ['SET SESSION lock_wait_timeout = DEFAULT;'];
  } else {
    if (concurrentStatements(sql).length > 0) {
      throw usageError(
        'LINT_TIMEOUTS_CONCURRENTLY',
        'This migration has a CONCURRENTLY statement: adding SET statements would make Prisma run it inside a transaction, which fails with 25001.',
        {
          hint: "Split the CONCURRENTLY statement into a migration of its own first (hotfix lint shows how), or set the timeouts on the role: ALTER ROLE ... SET lock_timeout = '5s'.",
        },
      );
    }
    const hasLock = has(/^SET\s+(?:SESSION\s+|LOCAL\s+)?lock_timeout\b/i);
    const hasStatement = has(/^SET\s+(?:SESSION\s+|LOCAL\s+)?statement_timeout\b/i);
    if (hasLock && hasStatement) return sql;
    head = [];
    tail = [];
    if (!hasLock) {
      head.push(`SET lock_timeout = '${opts.lockTimeout.trim()}';`);
      tail.push('RESET lock_timeout;');
    }
    if (!hasStatement) {
      head.push(`SET statement_timeout = '${opts.statementTimeout.trim()}';`);
      tail.push('RESET statement_timeout;');
    }
  }
  const preamble = `${PREAMBLE_MARKER} (hotfix start --timeouts): give up rather than block production.\n${head.join('\n')}\n\n`;
  const epilogue = `\n${PREAMBLE_MARKER}: back to the defaults for the migrations that follow.\n${tail.join('\n')}\n`;
  let at = 0;
  if (sql.startsWith(MIGRATION_TEMPLATE_MARKER)) {
    const nl = sql.indexOf('\n');
    at = nl === -1 ? sql.length : nl + 1;
  }
  const body = sql.slice(at);
  const ending = body.length === 0 || body.endsWith('\n') ? '' : '\n';
  return `${sql.slice(0, at)}${preamble}${body}${ending}${epilogue}`;
}

export interface ConcurrentlySplit {
  /** The migration without the statements that must run alone ('' if nothing is left). */
  rest: string;
  /** Each statement that needs a migration folder of its own, in order, with its `;`. */
  alone: string[];
}

/**
 * How to split a migration so that each CONCURRENTLY (or VACUUM) statement runs alone, as
 * Prisma requires on PostgreSQL. Pure text surgery: comments around the moved statements stay.
 */
export function planConcurrentlySplit(sql: string): ConcurrentlySplit {
  const moved = concurrentStatements(sql);
  if (moved.length === 0) return { rest: sql, alone: [] };
  let rest = '';
  let from = 0;
  for (const s of moved) {
    rest += sql.slice(from, s.start);
    from = s.end;
    while (from < sql.length && /[ \t]/.test(sql[from] ?? '')) from += 1;
    if (sql[from] === ';') from += 1;
    if (sql[from] === '\n') from += 1;
  }
  rest += sql.slice(from);
  const left = scanSql(rest, 'postgresql').statements.length;
  return { rest: left === 0 ? '' : rest, alone: moved.map((s) => `${s.text};\n`) };
}
