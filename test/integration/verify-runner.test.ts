// verify.sql queries counted by the database on real PostgreSQL and SQLite: the count, at most
// ten primary-key values (read through subqueries and CTEs), row numbers where the result has
// no whole key, and the rows themselves only for --show-rows.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPorts } from '../../src/cli/ports.js';
import { runVerifyQueries } from '../../src/workflow/verify-sql.js';
import { resolveTarget, type Target } from '../../src/core/target.js';
import { createPgDatabase, pgQuery, sqliteQuery, type PgDatabase } from '../support/db.js';

const ports = createPorts();
const targetOf = (url: string, dir = '/'): Target =>
  resolveTarget(
    { name: 'staging', urlEnv: 'U', protected: false, prismaConfig: undefined, prismaUrlEnv: 'DATABASE_URL' },
    { U: url },
    dir,
  );

const ROWS = `INSERT INTO "Comment" ("id", "postId", "body") VALUES ${Array.from({ length: 12 }, (_, i) => `(${i + 1}, 9, 'secret ${i + 1}')`).join(', ')}`;

describe('verify.sql counted (PostgreSQL)', () => {
  let db: PgDatabase;
  beforeAll(async () => {
    db = await createPgDatabase('verify_runner');
    await pgQuery(
      db.url,
      `CREATE TABLE "Comment" ("id" INTEGER PRIMARY KEY, "postId" INTEGER NOT NULL, "body" TEXT NOT NULL);
       CREATE TABLE "Tag" ("a" INTEGER, "b" TEXT, "note" TEXT, PRIMARY KEY ("a", "b"));
       INSERT INTO "Tag" VALUES (1, 'x', 'n');
       ${ROWS}`,
    );
  });
  afterAll(() => db?.drop());

  it.each([
    [
      'SELECT * FROM "Comment" WHERE "postId" = 9',
      12,
      ['id'],
      ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10'],
    ],
    // Through a CTE, the key column last, a comment at the end that would eat a closing parenthesis.
    [
      'WITH c AS (SELECT * FROM "Comment") SELECT "body", "id" FROM c WHERE "id" < 3 -- two',
      2,
      ['id'],
      ['1', '2'],
    ],
    ['SELECT "note", "b", "a" FROM "Tag"', 1, ['a', 'b'], ['(1, x)']],
    ['SELECT "body" FROM "Comment" WHERE "id" IN (7, 8)', 2, null, ['1', '2']],
    ['SELECT 1 AS one, 2 AS one', 1, null, ['1']],
    ['SELECT * FROM "Comment" WHERE false', 0, null, []],
  ])('%s -> %i rows, keys %o', async (query, rows, keyColumns, keys) => {
    const shown: unknown[][] = [];
    const io = {
      ports,
      showRows: (_q: string, _c: string[], sample: unknown[][]) => void shown.push(...sample),
    };
    const [r] = await runVerifyQueries(io, targetOf(db.url), [query], 5_000);
    expect(r).toMatchObject({ rows, keys });
    if (rows > 0) expect(r!.keyColumns).toEqual(keyColumns);
    expect(JSON.stringify(r)).not.toContain('secret');
    expect(shown).toHaveLength(Math.min(rows, 10));
  });

  it('an error is the database error; nothing after it runs', async () => {
    const out = await runVerifyQueries(
      { ports },
      targetOf(db.url),
      ['SELECT * FROM "Nope"', 'SELECT 1'],
      5_000,
    );
    expect(out).toHaveLength(1);
    expect(out[0]!.error).toMatchObject({ code: '42P01' });
  });
});

describe('verify.sql counted (SQLite)', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hotfix-verify-runner-'));
  const url = `file:${path.join(dir, 'v.db')}`;
  beforeAll(async () => {
    await sqliteQuery(
      url,
      'CREATE TABLE "Comment" ("id" INTEGER PRIMARY KEY, "postId" INTEGER NOT NULL, "body" TEXT NOT NULL)',
    );
    await sqliteQuery(url, ROWS);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    [
      'SELECT * FROM "Comment" WHERE "postId" = 9;',
      12,
      ['id'],
      ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10'],
    ],
    ['SELECT "body" FROM Comment WHERE "id" > 10', 2, null, ['1', '2']],
  ])('%s -> %i rows, keys %o', async (query, rows, keyColumns, keys) => {
    const [r] = await runVerifyQueries({ ports }, targetOf(url, dir), [query], 5_000);
    expect(r).toMatchObject({ rows, keyColumns, keys });
    expect(JSON.stringify(r)).not.toContain('secret');
  });
});
