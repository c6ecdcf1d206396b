import type { Provider } from '../target.js';
import { pgAnalysis } from './effects-postgres.js';
import { sqliteAnalysis } from './effects-sqlite.js';
import { lineAt, lineStarts, scanSql } from './lexer.js';
import { objectKey, type DbObject } from './objects.js';
import { loadParser, parsePg } from './parser.js';
import { unknownStatement, type Analysis, type SqlStatement } from './statement.js';

/**
 * What a migration changes in the database catalog, statement by statement, so that rollback
 * can tell which parts of a FAILED migration are in the database (Prisma applies a file
 * atomically in some versions and statement by statement in others, and SQLite never in one
 * transaction), run only the matching parts of down.sql, and check that nothing is left.
 *
 * Only effects that the catalog can confirm are modelled (tables, columns, indexes,
 * constraints, types, NOT NULL, defaults...). Anything else (data changes, DO blocks, type
 * changes) is "unknown": never guessed, always reported.
 */

/**
 * Splits SQL into statements and says what each one does to the catalog. PostgreSQL names
 * are as PostgreSQL stores them (unquoted folded to lower case); SQLite names are lower case
 * (SQLite compares them without case).
 */
export async function analyzeSql(
  sql: string,
  provider: Provider,
  defaultSchema = 'public',
): Promise<SqlStatement[]> {
  if (provider === 'postgresql') await loadParser();
  return analyzeSqlSync(sql, provider, defaultSchema);
}

/** analyzeSql once the parser is loaded (lint, which is synchronous, calls this). */
export function analyzeSqlSync(sql: string, provider: Provider, defaultSchema = 'public'): SqlStatement[] {
  const starts = lineStarts(sql);
  return scanSql(sql, provider).statements.map((chunk, i): SqlStatement => {
    const text = sql.slice(chunk.start, chunk.end);
    let analysis: Analysis;
    if (provider === 'postgresql') {
      try {
        const stmts = parsePg(text).stmts ?? [];
        const node = stmts[0]?.stmt;
        analysis =
          stmts.length === 1 && node
            ? pgAnalysis(node, defaultSchema)
            : unknownStatement('a statement that does not parse');
      } catch {
        analysis = unknownStatement('a statement that does not parse');
      }
      if (analysis.kind === 'unknown' && /\bCONCURRENTLY\b|^VACUUM\b/i.test(chunk.code))
        analysis.concurrent = true;
    } else {
      analysis = sqliteAnalysis(chunk.code);
    }
    return { index: i + 1, line: lineAt(starts, chunk.start), sql: text, ...analysis };
  });
}

/** Every object the statements touch, once each (what to look up in the catalog). */
export function objectsOf(...lists: SqlStatement[][]): DbObject[] {
  const seen = new Map<string, DbObject>();
  for (const list of lists)
    for (const s of list)
      for (const e of s.effects) if (!seen.has(objectKey(e.object))) seen.set(objectKey(e.object), e.object);
  return [...seen.values()];
}
