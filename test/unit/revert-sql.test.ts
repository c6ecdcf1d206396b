// What rollback works out from migration.sql / down.sql and the catalog, without a database:
// which parts of a failed migration are present, which down statements to run, what is left.
import { describe, expect, it } from 'vitest';
import { planRevert, type Existing } from '../../src/core/plan/revert-sql.js';
import { analyzeSql } from '../../src/core/sql/analyze.js';
import { objectKey, objectLabel, type DbObject } from '../../src/core/sql/objects.js';

/** A catalog holding exactly these objects (by label). */
const catalog =
  (...labels: string[]): Existing =>
  (o: DbObject) =>
    labels.includes(objectLabel(o));

const MIGRATION = `SET lock_timeout = '5s';
-- AddColumn
ALTER TABLE "User" ADD COLUMN "nickname" TEXT;
CREATE INDEX "User_nickname_idx" ON "User"("nickname");
UPDATE "User" SET "nickname" = 'x' WHERE "id" < 0;
`;
const DOWN = `DROP INDEX "User_nickname_idx";
ALTER TABLE "User" DROP COLUMN "nickname";
`;

describe('analyzeSql (PostgreSQL)', () => {
  it('names what each statement adds or removes, and what it cannot know', async () => {
    const stmts = await analyzeSql(MIGRATION, 'postgresql');
    expect(
      stmts.map((s) => [
        s.index,
        s.kind,
        s.effects.map((e) => `${e.exists ? '+' : '-'}${objectLabel(e.object)}`),
      ]),
    ).toEqual([
      [1, 'session', []],
      [2, 'change', ['+column "User"."nickname"']],
      [3, 'change', ['+index "User_nickname_idx"']],
      [4, 'unknown', []],
    ]);
    expect(stmts[3]!.note).toBe('a data change (UPDATE)');
    expect(stmts[1]!.line).toBe(3);
  });

  it('reads multi-command ALTER TABLE, guards, renames, CONCURRENTLY, schemas', async () => {
    const stmts = await analyzeSql(
      `ALTER TABLE "Post" ADD COLUMN IF NOT EXISTS "a" INT, ALTER COLUMN "title" SET NOT NULL, ALTER COLUMN "b" DROP DEFAULT, ADD CONSTRAINT "c" UNIQUE ("a");
DROP INDEX CONCURRENTLY IF EXISTS "Post_a_idx";
ALTER TABLE "Post" RENAME COLUMN "x" TO "y";
CREATE TABLE audit.log (id int);
CREATE TYPE "Mood" AS ENUM ('ok');
ALTER TABLE "Post" ALTER COLUMN "a" TYPE BIGINT;`,
      'postgresql',
    );
    const fx = (i: number) =>
      stmts[i]!.effects.map(
        (e) => `${e.exists ? '+' : '-'}${objectLabel(e.object)}${e.idempotent ? '?' : ''}`,
      );
    expect(fx(0)).toEqual([
      '+column "Post"."a"?',
      '+NOT NULL on "Post"."title"?',
      '-default of "Post"."b"?',
      '+constraint "c" on "Post"',
    ]);
    expect(fx(1)).toEqual(['-index "Post_a_idx"?']);
    expect(stmts[1]!.concurrent).toBe(true);
    expect(fx(2)).toEqual(['-column "Post"."x"', '+column "Post"."y"']);
    expect(fx(3)).toEqual(['+table "audit"."log"']);
    expect(fx(4)).toEqual(['+type "Mood"']);
    expect(stmts[5]!.kind).toBe('unknown');
  });

  it('an unqualified index and its table-qualified drop are the same object', async () => {
    const [create] = await analyzeSql('CREATE INDEX "i" ON "public"."T"("a");', 'postgresql');
    const [drop] = await analyzeSql('DROP INDEX "i";', 'postgresql');
    expect(objectKey(create!.effects[0]!.object)).toBe(objectKey(drop!.effects[0]!.object));
  });
});

describe('analyzeSql (SQLite)', () => {
  it('reads Prisma SQLite statements; names compare without case', async () => {
    const stmts = await analyzeSql(
      `PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Post" ("id" INTEGER NOT NULL PRIMARY KEY);
INSERT INTO "new_Post" ("id") SELECT "id" FROM "Post";
DROP TABLE "Post";
ALTER TABLE "new_Post" RENAME TO "Post";
ALTER TABLE "User" ADD COLUMN "flag" BOOLEAN;
CREATE UNIQUE INDEX IF NOT EXISTS "User_flag_key" ON "User"("flag");
ALTER TABLE User DROP COLUMN flag;`,
      'sqlite',
    );
    expect(stmts.map((s) => s.kind)).toEqual([
      'session',
      'change',
      'unknown',
      'change',
      'change',
      'change',
      'change',
      'change',
    ]);
    expect(stmts[5]!.effects[0]!.object).toEqual({
      kind: 'column',
      caseless: true,
      table: 'User',
      name: 'flag',
    });
    expect(objectKey(stmts[5]!.effects[0]!.object)).toBe(objectKey(stmts[7]!.effects[0]!.object));
    expect(stmts[6]!.effects[0]).toMatchObject({
      object: { kind: 'index', table: 'User', name: 'User_flag_key' },
      idempotent: true,
    });
  });
});

describe('planRevert', () => {
  it('failed, first statement applied: runs only the matching down statement, nothing left', async () => {
    const plan = planRevert(
      await analyzeSql(MIGRATION, 'postgresql'),
      await analyzeSql(DOWN, 'postgresql'),
      catalog('column "User"."nickname"'),
      'needed',
    );
    expect(plan.parts.map((p) => [p.label, p.present])).toEqual([
      ['column "User"."nickname"', true],
      ['index "User_nickname_idx"', false],
    ]);
    expect(plan.unchecked.map((u) => u.statement)).toEqual([4]);
    expect(plan.steps.map((s) => [s.statement.index, s.run])).toEqual([
      [1, false],
      [2, true],
    ]);
    expect(plan.steps[0]!.why).toContain('is not there');
    expect(plan.leftovers).toEqual([]);
    expect(plan.conflicts).toEqual([]);
  });

  it('failed, nothing applied: nothing to run', async () => {
    const plan = planRevert(
      await analyzeSql(MIGRATION, 'postgresql'),
      await analyzeSql(DOWN, 'postgresql'),
      catalog(),
      'needed',
    );
    expect(plan.steps.every((s) => !s.run)).toBe(true);
    expect(plan.parts.every((p) => !p.present)).toBe(true);
    expect(plan.leftovers).toEqual([]);
  });

  it('a part down.sql does not remove is a leftover, named', async () => {
    const plan = planRevert(
      await analyzeSql(MIGRATION, 'postgresql'),
      await analyzeSql('DROP INDEX IF EXISTS "User_nickname_idx";', 'postgresql'),
      catalog('column "User"."nickname"'),
      'needed',
    );
    expect(plan.leftovers.map((p) => p.label)).toEqual(['column "User"."nickname"']);
  });

  it('dropping a table takes its columns and indexes with it', async () => {
    const plan = planRevert(
      await analyzeSql(
        'CREATE TABLE "T" (id int); ALTER TABLE "T" ADD COLUMN "x" int; CREATE INDEX "T_x" ON "T"("x");',
        'postgresql',
      ),
      await analyzeSql('DROP TABLE "T";', 'postgresql'),
      catalog('table "T"', 'column "T"."x"', 'index "T_x"'),
      'needed',
    );
    expect(plan.leftovers).toEqual([]);
    expect(plan.steps.map((s) => s.run)).toEqual([true]);
  });

  it('data changes in down.sql are never guessed for a failed migration; they run in a roll forward', async () => {
    const mig = await analyzeSql('UPDATE "User" SET "name" = NULL;', 'postgresql');
    const down = await analyzeSql('UPDATE "User" SET "name" = \'x\';', 'postgresql');
    expect(planRevert(mig, down, catalog(), 'needed').unmatched.map((s) => s.index)).toEqual([1]);
    const forward = planRevert(mig, down, catalog(), 'all');
    expect(forward.unmatched).toEqual([]);
    expect(forward.steps[0]!.run).toBe(true);
  });

  it('roll forward: a down statement that would fail is a conflict; IF EXISTS is fine', async () => {
    const mig = await analyzeSql('ALTER TABLE "User" ADD COLUMN "flag" BOOLEAN;', 'postgresql');
    const gone = catalog();
    expect(
      planRevert(mig, await analyzeSql('ALTER TABLE "User" DROP COLUMN "flag";', 'postgresql'), gone, 'all')
        .conflicts,
    ).toHaveLength(1);
    expect(
      planRevert(
        mig,
        await analyzeSql('ALTER TABLE "User" DROP COLUMN IF EXISTS "flag";', 'postgresql'),
        gone,
        'all',
      ).conflicts,
    ).toEqual([]);
  });

  it('a migration that ends an object as it found it is reported unchecked, not as a part', async () => {
    const plan = planRevert(
      await analyzeSql(
        'CREATE TABLE "new_Post" (id int); DROP TABLE "Post"; ALTER TABLE "new_Post" RENAME TO "Post";',
        'sqlite',
      ),
      [],
      catalog('table "Post"'),
      'needed',
    );
    expect(plan.parts).toEqual([]);
    expect(plan.unchecked.length).toBeGreaterThan(0);
  });
});
