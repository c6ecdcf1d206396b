import { beforeAll, describe, expect, test } from 'vitest';
import { loadParser } from '../../src/core/sql/parser.js';
import { tablesByKeywords, tablesOf } from '../../src/core/sql/tables.js';

// What Prisma generates and what people write in a hotfix: the words around a table's name
// (ON DELETE, a CTE's name, an alias's column) are not tables.
const SQL = `ALTER TABLE "Post" ADD CONSTRAINT "Post_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
CREATE INDEX CONCURRENTLY "Post_a_idx" ON "Post" USING btree ("a");
DELETE FROM "Post" WHERE id IN (SELECT id FROM "Orphan" o JOIN public."User" u ON u.id = o.uid);
UPDATE "Post" SET a = (SELECT max(b) FROM "Stats");
WITH recent AS (SELECT 1) INSERT INTO "Log" SELECT * FROM recent;
CREATE INDEX "Comment_postId_idx" ON "Comment"("postId");`;
const TABLES = ['Post', 'User', 'Orphan', 'Stats', 'Log', 'Comment'];

describe('tablesOf', () => {
  beforeAll(async () => {
    await loadParser();
  });

  test("PostgreSQL's parser: every table, no keyword, alias or WITH name", () => {
    expect(tablesOf(SQL, 'postgresql')).toEqual(TABLES);
  });

  test('the keyword scan (SQL the parser cannot read) finds the same tables', () => {
    expect(tablesByKeywords(SQL)).toEqual(TABLES);
  });

  test("SQLite's dialect falls back to the keyword scan", () => {
    const sqlite =
      'CREATE TABLE "new_Post" ("id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT) STRICT;\nINSERT INTO "new_Post" SELECT "id" FROM "Post";';
    expect(tablesOf(sqlite, 'sqlite')).toEqual(['new_Post', 'Post']);
  });

  // Where the parser's answer differs from the keywords': these fail if parsing silently fails.
  test.each([
    ['TRUNCATE a, b.c', ['a', 'c']],
    ['DROP TABLE "Post", public."User"', ['Post', 'User']],
    ['DO $$ BEGIN UPDATE "Audit" SET seen = true; END $$', ['Audit']],
    [
      'CREATE FUNCTION f() RETURNS trigger AS $$ BEGIN INSERT INTO "Log" VALUES (1); RETURN NEW; END $$ LANGUAGE plpgsql',
      ['Log'],
    ],
    ['CREATE TYPE pair AS (a int, b int); CREATE SEQUENCE counter', []],
    // A WITH name counts in its own statement only, and never when qualified.
    [
      'WITH users AS (SELECT 1) SELECT * FROM users; UPDATE users SET a = 1; SELECT * FROM public.users',
      ['users'],
    ],
  ])('%s', (sql, tables) => {
    expect(tablesOf(sql, 'postgresql')).toEqual(tables);
  });
});

test('PostgreSQL SQL before the parser is loaded is a bug of the caller, never a quieter answer', async () => {
  // A fresh module graph: nothing loaded the parser in it.
  const { vi } = await import('vitest');
  vi.resetModules();
  const fresh = await import('../../src/core/sql/tables.js');
  expect(() => fresh.tablesOf('UPDATE "Post" SET a = 1', 'postgresql')).toThrow(
    expect.objectContaining({ code: 'LINT_PARSER_NOT_LOADED' }),
  );
});
