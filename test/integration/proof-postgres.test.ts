// The per-statement proof of resolve on the real PostgreSQL catalog: each kind of change is
// proved when the database has it as the migration says, and named when it is missing or
// different. The engine is pure; the facts come from a read-only connection.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCatalog } from '../../src/adapters/catalog.js';
import { expectPostgres } from '../../src/core/proof/expect-postgres.js';
import { judge } from '../../src/core/proof/judge.js';
import { loadParser } from '../../src/core/sql/parser.js';
import { resolveTarget } from '../../src/core/target.js';
import { createPgDatabase, pgQuery, type PgDatabase } from '../support/db.js';

let db: PgDatabase;
const SCHEMA = `
CREATE TABLE "User" ("id" SERIAL PRIMARY KEY, "email" TEXT NOT NULL, "role" TEXT);
CREATE TABLE "Post" ("id" SERIAL NOT NULL, "title" VARCHAR(200) NOT NULL, "published" BOOLEAN NOT NULL DEFAULT false,
  "views" INTEGER, "price" INTEGER, "authorId" INTEGER, CONSTRAINT "Post_pkey" PRIMARY KEY ("id"));
`;

beforeAll(async () => {
  await loadParser();
  db = await createPgDatabase('proof');
  await pgQuery(db.url, SCHEMA);
});
afterAll(() => db?.drop());

async function prove(sql: string) {
  const target = resolveTarget(
    {
      name: 'production',
      urlEnv: 'U',
      protected: true,
      prismaConfig: undefined,
      prismaUrlEnv: 'DATABASE_URL',
    },
    { U: db.url },
    '/',
  );
  const proofs = expectPostgres(sql);
  const facts = await readCatalog(
    target,
    proofs.flatMap((p) => p.checks.map((c) => c.query)),
  );
  return judge(proofs, facts);
}

/** Runs `setup` on the database, proves `migration`, then undoes `setup` with `undo`. */
async function withState(setup: string, undo: string, migration: string) {
  if (setup) await pgQuery(db.url, setup);
  try {
    return await prove(migration);
  } finally {
    if (undo) await pgQuery(db.url, undo);
  }
}

const statuses = (vs: Awaited<ReturnType<typeof prove>>) => vs.map((v) => v.status);

describe('proof of a migration against the live catalog (PostgreSQL)', () => {
  it.each([
    {
      what: 'an expression index',
      migration: 'CREATE INDEX CONCURRENTLY "Post_title_lower_idx" ON "Post" (lower("title"));',
      patched: 'CREATE INDEX "Post_title_lower_idx" ON "Post" (lower(title))',
      other: 'CREATE INDEX "Post_title_lower_idx" ON "Post" (upper(title))',
      undo: 'DROP INDEX "Post_title_lower_idx"',
    },
    {
      what: 'a partial unique index',
      migration: 'CREATE UNIQUE INDEX "Post_title_pub_key" ON "Post"("title") WHERE "published" = true;',
      patched: 'CREATE UNIQUE INDEX "Post_title_pub_key" ON "Post"(title) WHERE (published = true)',
      other: 'CREATE UNIQUE INDEX "Post_title_pub_key" ON "Post"(title)',
      undo: 'DROP INDEX "Post_title_pub_key"',
    },
    {
      what: 'a CHECK, validated',
      migration: `ALTER TABLE "Post" ADD CONSTRAINT "Post_price_check" CHECK ("price" > 0 AND "price" < 10000);`,
      patched: `ALTER TABLE "Post" ADD CONSTRAINT "Post_price_check" CHECK (price > 0 AND price < 10000)`,
      other: `ALTER TABLE "Post" ADD CONSTRAINT "Post_price_check" CHECK (price >= 0)`,
      undo: 'ALTER TABLE "Post" DROP CONSTRAINT "Post_price_check"',
    },
    {
      what: 'a CHECK with IN, NOT VALID',
      migration: `ALTER TABLE "User" ADD CONSTRAINT "User_role_check" CHECK ("role" IN ('admin', 'user')) NOT VALID;`,
      patched: `ALTER TABLE "User" ADD CONSTRAINT "User_role_check" CHECK (role IN ('admin', 'user')) NOT VALID`,
      other: `ALTER TABLE "User" ADD CONSTRAINT "User_role_check" CHECK (role IN ('admin')) NOT VALID`,
      undo: 'ALTER TABLE "User" DROP CONSTRAINT "User_role_check"',
    },
    {
      what: 'a CHECK with LIKE and NOT ILIKE (stored as ~~ and !~~*)',
      migration: `ALTER TABLE "User" ADD CONSTRAINT "User_email_at" CHECK ("email" LIKE '%@%' AND "email" NOT ILIKE '%@test') NOT VALID;`,
      patched: `ALTER TABLE "User" ADD CONSTRAINT "User_email_at" CHECK (email LIKE '%@%' AND email NOT ILIKE '%@test') NOT VALID`,
      other: `ALTER TABLE "User" ADD CONSTRAINT "User_email_at" CHECK (email LIKE '%@%' AND email NOT LIKE '%@test') NOT VALID`,
      undo: 'ALTER TABLE "User" DROP CONSTRAINT "User_email_at"',
    },
    {
      what: 'a foreign key with its actions',
      migration: `ALTER TABLE "Post" ADD CONSTRAINT "Post_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;`,
      patched: `ALTER TABLE "Post" ADD CONSTRAINT "Post_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES "User"(id) ON UPDATE CASCADE ON DELETE CASCADE`,
      other: `ALTER TABLE "Post" ADD CONSTRAINT "Post_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES "User"(id)`,
      undo: 'ALTER TABLE "Post" DROP CONSTRAINT "Post_authorId_fkey"',
    },
    {
      what: 'a column default',
      migration: `ALTER TABLE "Post" ALTER COLUMN "views" SET DEFAULT 0;`,
      patched: `ALTER TABLE "Post" ALTER COLUMN "views" SET DEFAULT 0`,
      other: `ALTER TABLE "Post" ALTER COLUMN "views" SET DEFAULT 1`,
      undo: 'ALTER TABLE "Post" ALTER COLUMN "views" DROP DEFAULT',
    },
    {
      what: 'a new column with type, NOT NULL and default',
      migration: `ALTER TABLE "Post" ADD COLUMN "slug" VARCHAR(64) NOT NULL DEFAULT 'draft';`,
      patched: `ALTER TABLE "Post" ADD COLUMN "slug" varchar(64) NOT NULL DEFAULT 'draft'`,
      other: `ALTER TABLE "Post" ADD COLUMN "slug" text NOT NULL DEFAULT 'draft'`,
      undo: 'ALTER TABLE "Post" DROP COLUMN "slug"',
    },
    {
      what: 'a trigger and its function',
      migration: `CREATE FUNCTION touch_post() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.views := coalesce(NEW.views, 0); RETURN NEW; END $$;
CREATE TRIGGER "Post_touch" BEFORE UPDATE OF "title" ON "Post" FOR EACH ROW EXECUTE FUNCTION touch_post();`,
      patched: `CREATE FUNCTION touch_post() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.views := coalesce(NEW.views, 0); RETURN NEW; END $$;
CREATE TRIGGER "Post_touch" BEFORE UPDATE OF title ON "Post" FOR EACH ROW EXECUTE FUNCTION touch_post()`,
      other: `CREATE FUNCTION touch_post() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER "Post_touch" BEFORE INSERT ON "Post" FOR EACH ROW EXECUTE FUNCTION touch_post()`,
      undo: 'DROP TRIGGER "Post_touch" ON "Post"; DROP FUNCTION touch_post()',
    },
    {
      what: 'an enum type',
      migration: `CREATE TYPE "Mood" AS ENUM ('happy', 'sad');`,
      patched: `CREATE TYPE "Mood" AS ENUM ('happy', 'sad')`,
      other: `CREATE TYPE "Mood" AS ENUM ('sad', 'happy')`,
      undo: 'DROP TYPE "Mood"',
    },
    {
      what: 'a view',
      migration: `CREATE VIEW "Published" AS SELECT "id", "title" FROM "Post" WHERE "published" = true;`,
      patched: `CREATE VIEW "Published" AS SELECT id, title FROM "Post" WHERE published = true`,
      other: `CREATE VIEW "Published" AS SELECT id, title FROM "Post"`,
      undo: 'DROP VIEW "Published"',
    },
  ])('$what: missing, different, then as written', async ({ migration, patched, other, undo }) => {
    const absent = await prove(migration);
    expect(
      absent.some((v) => v.status === 'failed'),
      JSON.stringify(absent),
    ).toBe(true);
    const wrong = await withState(other, undo, migration);
    expect(
      wrong.some((v) => v.status === 'failed'),
      JSON.stringify(wrong),
    ).toBe(true);
    expect(wrong.map((v) => v.detail).join(' ')).toMatch(
      /another definition|has|values|stored query|body| is /,
    );
    const right = await withState(patched, undo, migration);
    expect(statuses(right), JSON.stringify(right)).toEqual(right.map(() => 'proved'));
  });

  it('an INVALID index (a failed CREATE INDEX CONCURRENTLY) is not proof', async () => {
    await pgQuery(db.url, `INSERT INTO "User" ("email") VALUES ('a@x'), ('a@x')`);
    await pgQuery(db.url, 'CREATE UNIQUE INDEX CONCURRENTLY "User_email_key" ON "User"(email)').catch(
      () => undefined,
    );
    try {
      const v = await prove('CREATE UNIQUE INDEX CONCURRENTLY "User_email_key" ON "User"("email");');
      expect(v[0]).toMatchObject({ status: 'failed' });
      expect(v[0]!.detail).toContain('INVALID');
    } finally {
      await pgQuery(db.url, `DROP INDEX IF EXISTS "User_email_key"; DELETE FROM "User"`);
    }
  });

  it('a NOT VALID constraint does not prove a migration that validates it', async () => {
    const v = await withState(
      `ALTER TABLE "Post" ADD CONSTRAINT "Post_views_check" CHECK (views >= 0) NOT VALID`,
      `ALTER TABLE "Post" DROP CONSTRAINT "Post_views_check"`,
      `ALTER TABLE "Post" ADD CONSTRAINT "Post_views_check" CHECK ("views" >= 0);`,
    );
    expect(v[0]).toMatchObject({ status: 'failed' });
    expect(v[0]!.detail).toContain('NOT VALID');
  });

  it('data changes and grants are named as not provable from a catalog; SET is nothing to prove', async () => {
    const v = await prove(
      `SET lock_timeout = '5s';\nDELETE FROM "Post" WHERE "authorId" IS NULL;\nGRANT SELECT ON "Post" TO PUBLIC;`,
    );
    expect(v.map((x) => [x.status, x.detail])).toEqual([
      ['trivial', 'nothing to prove (session setting)'],
      ['unprovable', 'a data change (DELETE)'],
      ['unprovable', 'a privilege change'],
    ]);
  });
});
