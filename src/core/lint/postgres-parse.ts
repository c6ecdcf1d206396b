import { pgStatementBounds, scanSql, skipTrivia } from '../sql/lexer.js';
import { parsePg, syntaxErrorOf } from '../sql/parser.js';
import type { Ctx, Stmt } from './postgres-context.js';

/** Parsing a file for the PostgreSQL rules: fast on Prisma's CREATE TABLEs, one finding per bad statement. */

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

export function parseStatements(sql: string, ctx: Ctx): Stmt[] {
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
