import { scanSql } from './sql/lexer.js';
import type { Provider } from './target.js';

/**
 * verify.sql: read-only queries that return no rows when a hotfix holds: the proof for what a
 * catalog cannot show, such as a data fix (Sqitch's verify scripts are the model). `start`
 * writes one beside migration.sql, generated where the proof is mechanical (a DELETE's rows
 * are gone, an UPDATE's rows hold their new values, an INSERT's rows are there) and a template
 * otherwise.
 */

export const VERIFY_MARKER = '-- hotfix:verify';
export const VERIFY_TEMPLATE_MARKER = '-- hotfix:verify-template';

/** An unfilled template: no proof yet. */
export const isVerifyTemplate = (text: string) => text.trimStart().startsWith(VERIFY_TEMPLATE_MARKER);

/** Written by `start` (generated or the template), not by a person: its second line says so. */
export const isGeneratedVerify = (text: string) =>
  /^-- hotfix:verify(-template)?\b[^\n]*\n-- Read-only proof of hotfix "/.test(text.trimStart());

/** The queries of a verify.sql (comments and blank statements dropped). */
export function verifyQueries(text: string, provider: Provider): string[] {
  return scanSql(text, provider).statements.map((s) => text.slice(s.start, s.end).trim());
}

/**
 * Is every statement a plain query? verify.sql runs in a read-only transaction anyway; this
 * says so before anything runs, naming the statement.
 */
export function notReadOnly(text: string, provider: Provider): { statement: number; sql: string }[] {
  return scanSql(text, provider)
    .statements.map((s, i) => ({ statement: i + 1, sql: text.slice(s.start, s.end), code: s.code }))
    .filter(({ code }) => {
      if (!/^(SELECT|WITH|VALUES|TABLE)\b/i.test(code)) return true;
      // Data-modifying CTEs, SELECT INTO, row locks.
      return /\b(INSERT|UPDATE|DELETE|MERGE|INTO|FOR\s+(UPDATE|SHARE|NO\s+KEY|KEY))\b/i.test(
        code.replace(/^WITH\b/i, ''),
      );
    })
    .map(({ statement, sql }) => ({ statement, sql }));
}

interface Token {
  /** Upper-cased keyword or identifier at depth 0, or a top-level comma. */
  word: string;
  start: number;
  end: number;
}

/** Top-level words and commas of one statement, skipping strings, quotes, comments, parentheses. */
function topLevel(sql: string): Token[] {
  const out: Token[] = [];
  let depth = 0;
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i]!;
    if (ch === "'" || ch === '"' || ch === '`') {
      let j = i + 1;
      while (j < sql.length && !(sql[j] === ch && sql[j + 1] !== ch)) j += sql[j] === ch ? 2 : 1;
      i = j + 1;
    } else if (ch === '$' && /^\$[A-Za-z_]*\$/.test(sql.slice(i))) {
      const tag = /^\$[A-Za-z_]*\$/.exec(sql.slice(i))![0];
      const close = sql.indexOf(tag, i + tag.length);
      i = close === -1 ? sql.length : close + tag.length;
    } else if (ch === '-' && sql[i + 1] === '-') {
      const nl = sql.indexOf('\n', i);
      i = nl === -1 ? sql.length : nl;
    } else if (ch === '/' && sql[i + 1] === '*') {
      const close = sql.indexOf('*/', i + 2);
      i = close === -1 ? sql.length : close + 2;
    } else if (ch === '(') {
      depth += 1;
      i += 1;
    } else if (ch === ')') {
      depth -= 1;
      i += 1;
    } else if (depth === 0 && ch === ',') {
      out.push({ word: ',', start: i, end: i + 1 });
      i += 1;
    } else if (/[A-Za-z_]/.test(ch) && !/[\w$]/.test(sql[i - 1] ?? '')) {
      const m = /^[A-Za-z_][\w$]*/.exec(sql.slice(i))![0];
      if (depth === 0) out.push({ word: m.toUpperCase(), start: i, end: i + m.length });
      i += m.length;
    } else {
      i += 1;
    }
  }
  return out;
}

const at = (tokens: Token[], word: string, from = 0) =>
  tokens.findIndex((t, k) => k >= from && t.word === word);

/** `DELETE FROM t [USING u] [WHERE c]` -> the rows that should be gone. */
function deleteProof(sql: string, tokens: Token[]): string | undefined {
  if (tokens[0]?.word !== 'DELETE' || tokens[1]?.word !== 'FROM') return undefined;
  const returning = at(tokens, 'RETURNING');
  const end = returning === -1 ? sql.length : tokens[returning]!.start;
  const using = at(tokens, 'USING');
  let body = sql.slice(tokens[1].end, end).trim();
  if (using !== -1 && using < (returning === -1 ? Infinity : returning))
    body = `${sql.slice(tokens[1].end, tokens[using]!.start).trim()}, ${sql.slice(tokens[using]!.end, end).trim()}`;
  return `SELECT * FROM ${body}`;
}

/**
 * `UPDATE t SET a = x, b = y [FROM f] [WHERE c]` -> rows the update should have reached that do
 * not hold the new values. Not generated when a value reads a column it sets (count = count + 1
 * can never be checked after the fact).
 */
function updateProof(sql: string, tokens: Token[]): string | undefined {
  if (tokens[0]?.word !== 'UPDATE') return undefined;
  const set = at(tokens, 'SET');
  if (set === -1) return undefined;
  const stop = ['FROM', 'WHERE', 'RETURNING'].map((w) => at(tokens, w, set)).filter((k) => k !== -1);
  const setEnd = stop.length > 0 ? tokens[Math.min(...stop)]!.start : sql.length;
  const assignments = splitTop(sql, tokens, set, setEnd).map((a) => {
    const eq = a.indexOf('=');
    return eq === -1 ? undefined : { column: a.slice(0, eq).trim(), value: a.slice(eq + 1).trim() };
  });
  if (assignments.some((a) => a === undefined)) return undefined;
  const cols = assignments.map((a) => a!.column.replace(/"/g, ''));
  if (assignments.some((a) => cols.some((c) => new RegExp(`(^|[^\\w$])"?${c}"?([^\\w$]|$)`).test(a!.value))))
    return undefined;
  const table = sql.slice(tokens[0].end, tokens[set]!.start).trim();
  const from = at(tokens, 'FROM', set);
  const where = at(tokens, 'WHERE', set);
  const returning = at(tokens, 'RETURNING', set);
  const end = returning === -1 ? sql.length : tokens[returning]!.start;
  const fromText =
    from === -1 ? '' : `, ${sql.slice(tokens[from]!.end, where === -1 ? end : tokens[where]!.start).trim()}`;
  const cond = where === -1 ? '' : `(${sql.slice(tokens[where]!.end, end).trim()}) AND `;
  const differs = assignments.map((a) => `${a!.column} IS DISTINCT FROM (${a!.value})`).join(' OR ');
  return `SELECT * FROM ${table}${fromText} WHERE ${cond}(${differs})`;
}

/** The top-level comma-separated parts between tokens[from] and offset `end`. */
function splitTop(sql: string, tokens: Token[], from: number, end: number): string[] {
  const parts: string[] = [];
  let start = tokens[from]!.end;
  for (const t of tokens.slice(from + 1)) {
    if (t.start >= end) break;
    if (t.word === ',') {
      parts.push(sql.slice(start, t.start));
      start = t.end;
    }
  }
  parts.push(sql.slice(start, end));
  return parts.map((p) => p.trim()).filter(Boolean);
}

/** `INSERT INTO t (a, b) VALUES (1, 'x'), ...` -> a row for each inserted row that is missing. */
function insertProof(sql: string, tokens: Token[]): string | undefined {
  const m =
    /^\s*INSERT\s+INTO\s+((?:"[^"]+"|[\w$]+)(?:\s*\.\s*(?:"[^"]+"|[\w$]+))?)\s*\(([^)]*)\)\s*VALUES\s*/i.exec(
      sql,
    );
  if (!m || tokens.some((t) => ['SELECT', 'RETURNING', 'DEFAULT'].includes(t.word))) return undefined;
  const columns = m[2]!.split(',').map((c) => c.trim());
  const rest = sql.slice(m[0].length).replace(/\bON\s+CONFLICT\b[\s\S]*$/i, '');
  const rows: string[][] = [];
  for (const tuple of rest.matchAll(/\(((?:[^()']|'(?:[^']|'')*')*)\)/g)) {
    rows.push(
      tuple[1]!
        .match(/'(?:[^']|'')*'|[^,]+/g)!
        .map((v) => v.trim())
        .filter(Boolean),
    );
  }
  if (rows.length === 0 || rows.some((r) => r.length !== columns.length)) return undefined;
  return rows
    .map((r, k) => {
      const match = columns.map((c, j) => `${c} IS NOT DISTINCT FROM ${r[j]}`).join(' AND ');
      return `SELECT 'row ${k + 1} of the INSERT is missing' AS problem WHERE NOT EXISTS (SELECT 1 FROM ${m[1]} WHERE ${match})`;
    })
    .join(';\n');
}

const DATA = /^\s*(INSERT|UPDATE|DELETE|MERGE|WITH|COPY)\b/i;

/**
 * A read-only count of the rows a DELETE or UPDATE would touch, for the confirmation before it
 * runs: `DELETE FROM t [USING u] [WHERE c]` and `UPDATE t SET ... [FROM f] [WHERE c]`.
 */
export function countQueryFor(statement: string): string | undefined {
  const sql = statement.trim().replace(/;\s*$/, '');
  const tokens = topLevel(sql);
  const returning = at(tokens, 'RETURNING');
  const end = returning === -1 ? sql.length : tokens[returning]!.start;
  if (tokens[0]?.word === 'DELETE') {
    const select = deleteProof(sql, tokens);
    return select?.replace(/^SELECT \* FROM /, 'SELECT count(*) AS n FROM ');
  }
  if (tokens[0]?.word !== 'UPDATE') return undefined;
  const set = at(tokens, 'SET');
  if (set === -1) return undefined;
  const table = sql.slice(tokens[0].end, tokens[set]!.start).trim();
  const from = at(tokens, 'FROM', set);
  const where = at(tokens, 'WHERE', set);
  const fromText =
    from === -1 ? '' : `, ${sql.slice(tokens[from]!.end, where === -1 ? end : tokens[where]!.start).trim()}`;
  const cond = where === -1 ? '' : ` WHERE ${sql.slice(tokens[where]!.end, end).trim()}`;
  return `SELECT count(*) AS n FROM ${table}${fromText}${cond}`;
}

/** verify.sql for a new hotfix, from its migration.sql. */
export function verifyFor(name: string, migrationSql: string, provider: Provider): string {
  const proofs: string[] = [];
  let missing = 0;
  scanSql(migrationSql, provider).statements.forEach((s, i) => {
    const sql = migrationSql.slice(s.start, s.end).trim();
    if (!DATA.test(sql)) return;
    const tokens = topLevel(sql);
    const proof = deleteProof(sql, tokens) ?? updateProof(sql, tokens) ?? insertProof(sql, tokens);
    const head = `-- statement ${i + 1}: ${sql.replace(/\s+/g, ' ').slice(0, 100)}`;
    if (proof) proofs.push(`${head}\n${proof};`);
    else {
      missing += 1;
      proofs.push(
        `${head}\n-- (not generated: write a query that returns the rows this statement should have fixed)`,
      );
    }
  });
  const intro = [
    `Read-only proof of hotfix "${name}": every query must return NO rows when the hotfix holds.`,
    'hotfix runs it in a read-only transaction with a statement timeout: in resolve before marking,',
    'after deploy, and in verify --env. The catalog check proves schema changes; this file proves',
    'what a catalog cannot show (data fixes).',
  ];
  if (proofs.length === 0) {
    return `${VERIFY_MARKER}\n${intro.map((l) => `-- ${l}`).join('\n')}\n-- migration.sql changes no data: nothing to add unless it does something the catalog cannot show.\n`;
  }
  const first =
    missing > 0
      ? `${VERIFY_TEMPLATE_MARKER} (write the missing queries, then delete this line)`
      : VERIFY_MARKER;
  const review = missing > 0 ? [] : ['Generated from migration.sql: review it.'];
  return `${first}\n${[...intro, ...review].map((l) => `-- ${l}`).join('\n')}\n\n${proofs.join('\n\n')}\n`;
}

/** verify.sql of a hotfix whose migration.sql is still a template: written with it. */
export function verifyTemplate(name: string): string {
  return `${VERIFY_TEMPLATE_MARKER} (delete this line once the queries below are written)
-- Read-only proof of hotfix "${name}": every query must return NO rows when the hotfix holds.
-- hotfix runs it read-only: in resolve before marking, after deploy, and in verify --env.
-- A schema change needs none (the catalog check proves it); a data fix does, e.g. for
--   DELETE FROM "Comment" WHERE "postId" NOT IN (SELECT "id" FROM "Post");
-- the orphans that must be gone:
--   SELECT * FROM "Comment" WHERE "postId" NOT IN (SELECT "id" FROM "Post");
`;
}

/** Does migration.sql change data (what only verify.sql can prove)? */
export const changesData = (migrationSql: string, provider: Provider) =>
  scanSql(migrationSql, provider).statements.some((s) => DATA.test(migrationSql.slice(s.start, s.end)));
