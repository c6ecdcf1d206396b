import { describe, expect, it } from 'vitest';
import { isVerifyTemplate, notReadOnly, verifyFor, verifyQueries } from '../../src/core/verify-sql.js';

describe('verify.sql written by start', () => {
  it.each([
    [
      "the seed's orphaned comments",
      'DELETE FROM "Comment" WHERE "postId" NOT IN (SELECT "id" FROM "Post");',
      'SELECT * FROM "Comment" WHERE "postId" NOT IN (SELECT "id" FROM "Post");',
    ],
    [
      'a DELETE with USING and RETURNING',
      'DELETE FROM "Comment" c USING "Post" p WHERE c."postId" = p.id AND p.deleted RETURNING c.id;',
      'SELECT * FROM "Comment" c, "Post" p WHERE c."postId" = p.id AND p.deleted;',
    ],
    [
      'an UPDATE',
      `UPDATE "User" SET "role" = 'user', "flag" = false WHERE "role" IS NULL;`,
      `SELECT * FROM "User" WHERE ("role" IS NULL) AND ("role" IS DISTINCT FROM ('user') OR "flag" IS DISTINCT FROM (false));`,
    ],
    [
      'an INSERT',
      `INSERT INTO "Setting" ("key", "value") VALUES ('mode', 'safe'), ('limit', '10');`,
      `SELECT 'row 1 of the INSERT is missing' AS problem WHERE NOT EXISTS (SELECT 1 FROM "Setting" WHERE "key" IS NOT DISTINCT FROM 'mode' AND "value" IS NOT DISTINCT FROM 'safe');`,
    ],
  ])('%s', (_what, migration, query) => {
    const text = verifyFor('fix', migration, 'postgresql');
    expect(isVerifyTemplate(text)).toBe(false);
    expect(text).toContain(query);
    expect(notReadOnly(text, 'postgresql')).toEqual([]);
    expect(verifyQueries(text, 'postgresql').length).toBeGreaterThan(0);
  });

  it('an UPDATE that reads the column it sets cannot be checked after the fact: a template', () => {
    const text = verifyFor('fix', 'UPDATE "Post" SET "views" = "views" + 1 WHERE "id" = 3;', 'postgresql');
    expect(isVerifyTemplate(text)).toBe(true);
    expect(verifyQueries(text, 'postgresql')).toEqual([]);
  });

  it('a schema-only migration needs no queries, and is not a template', () => {
    const text = verifyFor('fix', 'CREATE INDEX "i" ON "Post"("title");', 'postgresql');
    expect(isVerifyTemplate(text)).toBe(false);
    expect(verifyQueries(text, 'postgresql')).toEqual([]);
  });

  it('only plain queries pass as read-only', () => {
    const bad = notReadOnly(
      'SELECT 1;\nDELETE FROM "Post";\nWITH x AS (DELETE FROM "Post" RETURNING *) SELECT * FROM x;\nSELECT * FROM "Post" FOR UPDATE;',
      'postgresql',
    );
    expect(bad.map((b) => b.statement)).toEqual([2, 3, 4]);
  });
});
