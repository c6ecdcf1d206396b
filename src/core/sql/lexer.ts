import type { Provider } from '../target.js';

/**
 * A small SQL lexer: enough to split a file into statements and find comments without being
 * fooled by strings, quoted identifiers, dollar quotes or nested comments. It does not parse;
 * PostgreSQL statements are parsed by libpg-query (parser.ts).
 */

export interface SqlComment {
  start: number;
  end: number;
  /** Text without the `--`/`#` or `/* *\/` delimiters. */
  text: string;
  kind: 'line' | 'block';
}

export interface SqlChunk {
  /** First character of the statement (after leading whitespace and comments). */
  start: number;
  /** Just past the last character before the terminating `;` (or the end of the text). */
  end: number;
  /** The statement with comments replaced by a space and string literals emptied (`''`). */
  code: string;
}

export interface SqlScan {
  statements: SqlChunk[];
  comments: SqlComment[];
}

const isIdentChar = (ch: string | undefined) => ch !== undefined && /[A-Za-z0-9_$]/.test(ch);
const isSpace = (ch: string | undefined) =>
  ch === ' ' || ch === '\n' || ch === '\t' || ch === '\r' || ch === '\f' || ch === '\v';

function lineCommentStarts(sql: string, i: number, dialect: Provider): boolean {
  const ch = sql[i];
  if (ch === '#') return dialect === 'mysql';
  if (ch !== '-' || sql[i + 1] !== '-') return false;
  // MySQL needs whitespace (or the end) after "--".
  if (dialect === 'mysql') {
    const next = sql[i + 2];
    return next === undefined || isSpace(next);
  }
  return true;
}

/** Index just past the comment starting at i, or -1 if no comment starts there. */
function commentEnd(sql: string, i: number, dialect: Provider): number {
  if (lineCommentStarts(sql, i, dialect)) {
    const nl = sql.indexOf('\n', i);
    return nl === -1 ? sql.length : nl;
  }
  if (sql[i] === '/' && sql[i + 1] === '*') {
    let depth = 1;
    let j = i + 2;
    while (j < sql.length && depth > 0) {
      if (dialect === 'postgresql' && sql[j] === '/' && sql[j + 1] === '*') {
        depth += 1;
        j += 2;
      } else if (sql[j] === '*' && sql[j + 1] === '/') {
        depth -= 1;
        j += 2;
      } else {
        j += 1;
      }
    }
    return j;
  }
  return -1;
}

/** Skips whitespace and comments from i. */
export function skipTrivia(sql: string, i: number, dialect: Provider): number {
  let j = i;
  for (;;) {
    while (j < sql.length && isSpace(sql[j])) j += 1;
    const end = commentEnd(sql, j, dialect);
    if (end === -1) return j;
    j = end;
  }
}

/** Index just past a quoted token (string or identifier) opening at i with quote q. */
function quotedEnd(sql: string, i: number, q: string, backslash: boolean): number {
  let j = i + 1;
  while (j < sql.length) {
    const ch = sql[j];
    if (backslash && ch === '\\') {
      j += 2;
      continue;
    }
    if (ch === q) {
      if (sql[j + 1] === q) {
        j += 2;
        continue;
      }
      return j + 1;
    }
    j += 1;
  }
  return sql.length;
}

const DOLLAR_TAG = /\$([A-Za-z_][A-Za-z0-9_]*)?\$/y;

export function scanSql(sql: string, dialect: Provider): SqlScan {
  const statements: SqlChunk[] = [];
  const comments: SqlComment[] = [];
  let code = '';
  let stmtStart = -1;
  let lastCodeEnd = -1;
  let i = 0;
  const flush = () => {
    if (stmtStart !== -1) statements.push({ start: stmtStart, end: lastCodeEnd, code: code.trim() });
    stmtStart = -1;
    code = '';
  };
  while (i < sql.length) {
    const ch = sql[i] as string;
    if (isSpace(ch)) {
      if (stmtStart !== -1) code += ' ';
      i += 1;
      continue;
    }
    const cEnd = commentEnd(sql, i, dialect);
    if (cEnd !== -1) {
      const isLine = sql[i] !== '/';
      const inner = isLine
        ? sql.slice(i + (sql[i] === '#' ? 1 : 2), cEnd)
        : sql.slice(i + 2, Math.max(i + 2, cEnd - 2));
      comments.push({ start: i, end: cEnd, text: inner, kind: isLine ? 'line' : 'block' });
      if (stmtStart !== -1) code += ' ';
      i = cEnd;
      continue;
    }
    if (ch === ';') {
      flush();
      i += 1;
      continue;
    }
    if (stmtStart === -1) stmtStart = i;
    let next = i + 1;
    if (ch === "'") {
      const prev = sql[i - 1];
      const eString = dialect === 'postgresql' && (prev === 'E' || prev === 'e') && !isIdentChar(sql[i - 2]);
      next = quotedEnd(sql, i, "'", eString || dialect === 'mysql');
      code += "''";
    } else if (ch === '"') {
      next = quotedEnd(sql, i, '"', dialect === 'mysql');
      code += sql.slice(i, next);
    } else if (ch === '`' && dialect !== 'postgresql') {
      next = quotedEnd(sql, i, '`', false);
      code += sql.slice(i, next);
    } else if (ch === '[' && dialect === 'sqlite') {
      const close = sql.indexOf(']', i + 1);
      next = close === -1 ? sql.length : close + 1;
      code += `"${sql.slice(i + 1, next - 1)}"`;
    } else if (ch === '$' && dialect === 'postgresql' && !isIdentChar(sql[i - 1])) {
      DOLLAR_TAG.lastIndex = i;
      const m = DOLLAR_TAG.exec(sql);
      if (m) {
        const tag = m[0];
        const close = sql.indexOf(tag, i + tag.length);
        next = close === -1 ? sql.length : close + tag.length;
        code += "''";
      } else {
        code += ch;
      }
    } else {
      code += ch;
    }
    i = next;
    lastCodeEnd = next;
  }
  flush();
  return { statements, comments };
}

/** Offsets where each line starts; use with lineAt. */
export function lineStarts(sql: string): number[] {
  const starts = [0];
  let at = sql.indexOf('\n');
  while (at !== -1) {
    starts.push(at + 1);
    at = sql.indexOf('\n', at + 1);
  }
  return starts;
}

/** 1-based line of an offset. */
export function lineAt(starts: readonly number[], offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((starts[mid] ?? 0) <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}

/**
 * Statement boundaries of PostgreSQL text, fast: one charCodeAt loop, no tokens built.
 * Starts skip leading whitespace and comments; ends exclude `;` and trailing whitespace.
 */
export function pgStatementBounds(sql: string): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  const n = sql.length;
  let from = 0;
  let i = 0;
  const push = (to: number) => {
    const start = skipTrivia(sql, from, 'postgresql');
    let end = to;
    while (end > start && sql.charCodeAt(end - 1) <= 32) end -= 1;
    if (start < end) out.push({ start, end });
  };
  while (i < n) {
    const c = sql.charCodeAt(i);
    if (c === 59 /* ; */) {
      push(i);
      from = i + 1;
      i += 1;
    } else if (c === 39 /* ' */) {
      const prev = sql.charCodeAt(i - 1);
      const eString = (prev === 69 || prev === 101) && !isIdentChar(sql[i - 2]);
      if (eString) {
        i = quotedEnd(sql, i, "'", true);
      } else {
        let j = i + 1;
        for (;;) {
          const close = sql.indexOf("'", j);
          if (close === -1) {
            j = n;
            break;
          }
          if (sql.charCodeAt(close + 1) === 39) {
            j = close + 2;
            continue;
          }
          j = close + 1;
          break;
        }
        i = j;
      }
    } else if (c === 34 /* " */) {
      const close = sql.indexOf('"', i + 1);
      i = close === -1 ? n : close + 1;
    } else if (c === 45 /* - */ && sql.charCodeAt(i + 1) === 45) {
      const nl = sql.indexOf('\n', i);
      i = nl === -1 ? n : nl;
    } else if (c === 47 /* / */ && sql.charCodeAt(i + 1) === 42) {
      i = commentEnd(sql, i, 'postgresql');
    } else if (c === 36 /* $ */ && !isIdentChar(sql[i - 1])) {
      DOLLAR_TAG.lastIndex = i;
      const tag = DOLLAR_TAG.exec(sql);
      if (tag) {
        const close = sql.indexOf(tag[0], i + tag[0].length);
        i = close === -1 ? n : close + tag[0].length;
      } else {
        i += 1;
      }
    } else {
      i += 1;
    }
  }
  push(n);
  return out;
}
