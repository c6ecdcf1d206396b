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
    expect(tablesOf(SQL)).toEqual(TABLES);
  });

  test('the keyword scan (SQL the parser cannot read) finds the same tables', () => {
    expect(tablesByKeywords(SQL)).toEqual(TABLES);
  });

  test("SQLite's dialect falls back to the keyword scan", () => {
    const sqlite =
      'CREATE TABLE "new_Post" ("id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT) STRICT;\nINSERT INTO "new_Post" SELECT "id" FROM "Post";';
    expect(tablesOf(sqlite)).toEqual(['new_Post', 'Post']);
  });
});
