import { beforeAll, describe, expect, it } from 'vitest';
import { loadParser } from '../../src/core/lint/index.js';
import { lint, rules, TIMEOUTS } from './helpers.js';

beforeAll(async () => {
  await loadParser();
});

const CREATE_POST = `-- CreateTable
CREATE TABLE "Post" (
    "id" SERIAL NOT NULL,
    "title" TEXT NOT NULL,
    "authorId" INTEGER NOT NULL,

    CONSTRAINT "Post_pkey" PRIMARY KEY ("id")
);
`;

interface Case {
  rule: string;
  fire: string[];
  /** Must not fire this rule (the same-file cases are among them). */
  quiet: string[];
}

const CASES: Case[] = [
  {
    rule: 'create-index-non-concurrently',
    fire: [
      'CREATE INDEX "Post_title_idx" ON "Post"("title");',
      'CREATE UNIQUE INDEX "User_email_key" ON "User"("email");',
      'CREATE INDEX ON public."Post" USING gin ("tags");',
    ],
    quiet: [
      'CREATE INDEX CONCURRENTLY "Post_title_idx" ON "Post"("title");',
      `${CREATE_POST}-- CreateIndex\nCREATE INDEX "Post_title_idx" ON "Post"("title");`,
      `${CREATE_POST}CREATE UNIQUE INDEX "Post_title_key" ON public."Post"("title");`,
    ],
  },
  {
    rule: 'drop-index-non-concurrently',
    fire: ['DROP INDEX "Post_title_idx";', 'DROP INDEX IF EXISTS "a", "b";'],
    quiet: [
      'DROP INDEX CONCURRENTLY "Post_title_idx";',
      `${CREATE_POST}CREATE INDEX "Post_t" ON "Post"("title");\nDROP INDEX "Post_t";`,
    ],
  },
  {
    rule: 'concurrently-in-transaction',
    fire: [
      `${TIMEOUTS}CREATE INDEX CONCURRENTLY "Post_title_idx" ON "Post"("title");`,
      'CREATE INDEX CONCURRENTLY "a" ON "Post"("x");\nCREATE INDEX CONCURRENTLY "b" ON "Post"("y");',
      'BEGIN;\nDROP INDEX CONCURRENTLY "a";\nCOMMIT;',
      'ALTER TABLE "Post" ADD COLUMN "x" INT;\nREINDEX INDEX CONCURRENTLY "a";',
      'VACUUM "Post";\nSELECT 1;',
    ],
    quiet: [
      'CREATE INDEX CONCURRENTLY IF NOT EXISTS "Post_title_idx" ON "Post"("title");',
      '-- only statement\nDROP INDEX CONCURRENTLY "a";\n-- trailing comment\n',
      'CREATE INDEX "a" ON "Post"("x");\nDROP INDEX "b";',
    ],
  },
  {
    rule: 'add-foreign-key-without-not-valid',
    fire: [
      'ALTER TABLE "Post" ADD CONSTRAINT "Post_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;',
      'ALTER TABLE "Post" ADD COLUMN "editorId" INTEGER REFERENCES "User"("id");',
    ],
    quiet: [
      'ALTER TABLE "Post" ADD CONSTRAINT "Post_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES "User"("id") NOT VALID;',
      `${CREATE_POST}-- AddForeignKey\nALTER TABLE "Post" ADD CONSTRAINT "Post_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;`,
      'CREATE TABLE "Comment" ("id" INT PRIMARY KEY, "postId" INT REFERENCES "Post"("id"));',
    ],
  },
  {
    rule: 'add-check-without-not-valid',
    fire: ['ALTER TABLE "Order" ADD CONSTRAINT "Order_total_check" CHECK ("total" >= 0);'],
    quiet: [
      'ALTER TABLE "Order" ADD CONSTRAINT "Order_total_check" CHECK ("total" >= 0) NOT VALID;',
      'CREATE TABLE "Order" ("total" INT);\nALTER TABLE "Order" ADD CONSTRAINT "c" CHECK ("total" >= 0);',
    ],
  },
  {
    rule: 'validate-in-same-transaction',
    fire: [
      'ALTER TABLE "Order" ADD CONSTRAINT "c" CHECK ("total" >= 0) NOT VALID;\nALTER TABLE "Order" VALIDATE CONSTRAINT "c";',
    ],
    quiet: [
      'ALTER TABLE "Order" VALIDATE CONSTRAINT "c";',
      'ALTER TABLE "Order" ADD CONSTRAINT "c" CHECK ("total" >= 0) NOT VALID;\nALTER TABLE "Other" VALIDATE CONSTRAINT "c";',
    ],
  },
  {
    rule: 'add-unique-constraint',
    fire: [
      'ALTER TABLE "User" ADD CONSTRAINT "User_email_key" UNIQUE ("email");',
      'ALTER TABLE "Like" DROP CONSTRAINT "Like_pkey",\nADD CONSTRAINT "Like_pkey" PRIMARY KEY ("userId", "postId");',
    ],
    quiet: [
      'ALTER TABLE "User" ADD CONSTRAINT "User_email_key" UNIQUE USING INDEX "User_email_idx";',
      'CREATE TABLE "Like" ("userId" INT, "postId" INT);\nALTER TABLE "Like" ADD CONSTRAINT "Like_pkey" PRIMARY KEY ("userId", "postId");',
    ],
  },
  {
    rule: 'add-column-not-null-without-default',
    fire: [
      '-- AlterTable\nALTER TABLE "Post" ADD COLUMN     "slug" TEXT NOT NULL;',
      'ALTER TABLE "Post" ADD COLUMN "code" INT PRIMARY KEY;',
      'ALTER TABLE "Post" ADD COLUMN "x" TEXT NOT NULL DEFAULT NULL;',
    ],
    quiet: [
      'ALTER TABLE "Post" ADD COLUMN "published" BOOLEAN NOT NULL DEFAULT false;',
      'ALTER TABLE "Post" ADD COLUMN "slug" TEXT;',
      'ALTER TABLE "Post" ADD COLUMN "n" BIGSERIAL NOT NULL;',
      `${CREATE_POST}ALTER TABLE "Post" ADD COLUMN "slug" TEXT NOT NULL;`,
    ],
  },
  {
    rule: 'add-column-table-rewrite',
    fire: [
      'ALTER TABLE "Post" ADD COLUMN "uid" UUID NOT NULL DEFAULT gen_random_uuid();',
      'ALTER TABLE "Post" ADD COLUMN "seq" SERIAL;',
      'ALTER TABLE "Post" ADD COLUMN "n" INT GENERATED ALWAYS AS IDENTITY;',
      'ALTER TABLE "Post" ADD COLUMN "len" INT GENERATED ALWAYS AS (length("title")) STORED;',
      'ALTER TABLE "Post" ADD COLUMN "at" TIMESTAMPTZ DEFAULT clock_timestamp();',
    ],
    quiet: [
      'ALTER TABLE "Post" ADD COLUMN "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP;',
      'ALTER TABLE "Post" ADD COLUMN "at" TIMESTAMPTZ DEFAULT now();',
      `${CREATE_POST}ALTER TABLE "Post" ADD COLUMN "uid" UUID NOT NULL DEFAULT gen_random_uuid();`,
    ],
  },
  {
    rule: 'change-column-type',
    fire: [
      'ALTER TABLE "Post" ALTER COLUMN "views" SET DATA TYPE BIGINT;',
      'ALTER TABLE "User" ALTER COLUMN "role" TYPE "Role_new" USING ("role"::text::"Role_new");',
    ],
    quiet: [
      'ALTER TABLE "Post" ALTER COLUMN "views" SET DEFAULT 0;',
      `${CREATE_POST}ALTER TABLE "Post" ALTER COLUMN "title" SET DATA TYPE VARCHAR(255);`,
    ],
  },
  {
    rule: 'set-not-null',
    fire: ['ALTER TABLE "Post" ALTER COLUMN "title" SET NOT NULL;'],
    quiet: [
      'ALTER TABLE "Post" ALTER COLUMN "title" DROP DEFAULT;',
      `${CREATE_POST}ALTER TABLE "Post" ALTER COLUMN "title" SET NOT NULL;`,
    ],
  },
  {
    rule: 'drop-column',
    fire: [
      'ALTER TABLE "User" DROP COLUMN "bio";',
      'ALTER TABLE "User" DROP COLUMN "bio",\nADD COLUMN     "about" TEXT;',
    ],
    quiet: [
      'ALTER TABLE "User" DROP CONSTRAINT "User_orgId_fkey";',
      `${CREATE_POST}ALTER TABLE "Post" DROP COLUMN "title";`,
    ],
  },
  {
    rule: 'drop-table',
    fire: ['-- DropTable\nDROP TABLE "Session";', 'DROP TABLE IF EXISTS public."Session", "Token" CASCADE;'],
    quiet: ['DROP VIEW "SessionSummary";', `${CREATE_POST}DROP TABLE "Post";`],
  },
  {
    rule: 'drop-not-null',
    fire: ['ALTER TABLE "User" ALTER COLUMN "name" DROP NOT NULL;'],
    quiet: [
      'ALTER TABLE "User" ALTER COLUMN "name" DROP DEFAULT;',
      `${CREATE_POST}ALTER TABLE "Post" ALTER COLUMN "title" DROP NOT NULL;`,
    ],
  },
  {
    rule: 'rename-column',
    fire: ['ALTER TABLE "User" RENAME COLUMN "name" TO "fullName";'],
    quiet: [
      'ALTER TABLE "User" RENAME CONSTRAINT "User_pkey" TO "Person_pkey";',
      `${CREATE_POST}ALTER TABLE "Post" RENAME COLUMN "title" TO "headline";`,
    ],
  },
  {
    rule: 'rename-table',
    fire: ['ALTER TABLE "User" RENAME TO "Person";'],
    quiet: [
      'ALTER INDEX "User_email_key" RENAME TO "Person_email_key";',
      `${CREATE_POST}ALTER TABLE "Post" RENAME TO "Article";\nCREATE INDEX "Article_t" ON "Article"("title");`,
    ],
  },
  {
    rule: 'enum-add-value',
    fire: [
      '-- AlterEnum\nALTER TYPE "Role" ADD VALUE \'MODERATOR\';',
      "ALTER TYPE \"Role\" ADD VALUE IF NOT EXISTS 'X' BEFORE 'USER';",
    ],
    quiet: ['CREATE TYPE "Role" AS ENUM (\'USER\');\nALTER TYPE "Role" ADD VALUE \'ADMIN\';'],
  },
  {
    rule: 'enum-remove-or-rename-value',
    fire: [
      "ALTER TYPE \"Role\" RENAME VALUE 'USER' TO 'MEMBER';",
      `BEGIN;
CREATE TYPE "Role_new" AS ENUM ('USER', 'ADMIN');
ALTER TABLE "User" ALTER COLUMN "role" DROP DEFAULT;
ALTER TABLE "User" ALTER COLUMN "role" TYPE "Role_new" USING ("role"::text::"Role_new");
ALTER TYPE "Role" RENAME TO "Role_old";
ALTER TYPE "Role_new" RENAME TO "Role";
DROP TYPE "Role_old";
ALTER TABLE "User" ALTER COLUMN "role" SET DEFAULT 'USER';
COMMIT;`,
    ],
    quiet: [
      'ALTER TYPE "Role" RENAME TO "Role_old";',
      "CREATE TYPE \"Kind\" AS ENUM ('A');\nALTER TYPE \"Kind\" RENAME VALUE 'A' TO 'B';",
    ],
  },
  {
    rule: 'update-without-where',
    fire: ['UPDATE "User" SET "active" = true;'],
    quiet: [
      'UPDATE "User" SET "active" = true WHERE "id" BETWEEN 1 AND 1000;',
      'CREATE TABLE "Tmp" ("a" INT);\nUPDATE "Tmp" SET "a" = 1;',
    ],
  },
  {
    rule: 'delete-without-where',
    fire: [
      'DELETE FROM "Session";',
      'TRUNCATE "Session";',
      'TRUNCATE TABLE "Session", "Token" RESTART IDENTITY;',
    ],
    quiet: [
      'DELETE FROM "Session" WHERE "expiresAt" < now() - interval \'1 day\';',
      'CREATE TABLE "Tmp" ("a" INT);\nDELETE FROM "Tmp";',
    ],
  },
  {
    rule: 'parse-error',
    fire: [
      'ALTER TABLE "Post" ADD COLUMN;',
      'CREATE INDEX "a" ON "Post"("x");\nSELEC 1;',
      'DROP TABLE "a";\n/* never closed',
    ],
    quiet: [
      'SELECT \'ALTER TABLE ; ;\' AS "x";',
      'CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;',
    ],
  },
];

describe.each(CASES)('$rule', ({ rule, fire, quiet }) => {
  it.each(fire)('fires on %s', (sql) => {
    expect(rules(sql, 'postgresql', true)).toContain(rule);
  });
  it.each(quiet)('does not fire on %s', (sql) => {
    const found = rules(sql, 'postgresql', true);
    expect(found).not.toContain(rule);
    if (rule !== 'parse-error') expect(found).not.toContain('parse-error');
  });
});

describe('require-lock-timeout / require-statement-timeout', () => {
  it('fire once per file, at the first statement that needs them', () => {
    const sql = 'CREATE INDEX "a" ON "Post"("x");\nALTER TABLE "Post" DROP COLUMN "y";';
    const found = lint(sql).filter((f) => f.rule.startsWith('require-'));
    expect(found.map((f) => [f.rule, f.line])).toEqual([
      ['require-lock-timeout', 1],
      ['require-statement-timeout', 1],
    ]);
  });
  it('are satisfied by SET (or SET LOCAL, or set_config) before the statement', () => {
    expect(rules(`${TIMEOUTS}CREATE INDEX "a" ON "Post"("x");`, 'postgresql', true)).toEqual([
      'create-index-non-concurrently',
    ]);
    const local =
      "SET LOCAL lock_timeout TO '2s';\nSELECT set_config('statement_timeout', '1min', true);\nDROP TABLE \"Old\";";
    expect(rules(local, 'postgresql', true)).toEqual(['drop-table']);
  });
  it('are not satisfied by a SET after the statement, or by a zero timeout', () => {
    expect(rules(`ALTER TABLE "Post" DROP COLUMN "y";\n${TIMEOUTS}`, 'postgresql', true)).toContain(
      'require-lock-timeout',
    );
    expect(rules('SET lock_timeout = 0;\nALTER TABLE "Post" DROP COLUMN "y";', 'postgresql', true)).toContain(
      'require-lock-timeout',
    );
  });
  it('statement timeout: DML and scans need it; a metadata-only change does not', () => {
    expect(rules('UPDATE "User" SET "a" = 1 WHERE "id" = 5;', 'postgresql', true)).toEqual([
      'require-statement-timeout',
    ]);
    expect(rules('ALTER TABLE "User" ALTER COLUMN "a" SET DEFAULT 1;', 'postgresql', true)).toEqual([
      'require-lock-timeout',
    ]);
  });
  it('a new table pointing at an existing one still locks that one', () => {
    const sql = `${CREATE_POST}ALTER TABLE "Post" ADD CONSTRAINT "Post_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES "User"("id");`;
    expect(rules(sql, 'postgresql', true)).toEqual(['require-lock-timeout']);
  });
  it('a migration of only new tables needs nothing (Prisma init)', () => {
    const sql = `-- CreateEnum
CREATE TYPE "Role" AS ENUM ('USER', 'ADMIN');

-- CreateTable
CREATE TABLE "User" (
    "id" SERIAL NOT NULL,
    "email" TEXT NOT NULL,
    "role" "Role" NOT NULL DEFAULT 'USER',

    CONSTRAINT "User_pkey" PRIMARY KEY ("id")
);

${CREATE_POST}
-- CreateIndex
CREATE UNIQUE INDEX "User_email_key" ON "User"("email");

-- CreateIndex
CREATE INDEX "Post_authorId_idx" ON "Post"("authorId");

-- AddForeignKey
ALTER TABLE "Post" ADD CONSTRAINT "Post_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
`;
    expect(lint(sql)).toEqual([]);
  });
  it('a lone CONCURRENTLY statement is not asked for timeouts (it could not have them)', () => {
    expect(lint('CREATE INDEX CONCURRENTLY "a" ON "Post"("x");')).toEqual([]);
  });
});

describe('findings', () => {
  it('carry line, excerpt, message and a concrete fix', () => {
    const sql = `${TIMEOUTS}\n-- CreateIndex\nCREATE INDEX "Post_title_idx" ON "Post"("title");\n`;
    const [f] = lint(sql);
    expect(f).toMatchObject({
      rule: 'create-index-non-concurrently',
      severity: 'error',
      file: 'prisma/migrations/20240101000000_fix/migration.sql',
      line: 5,
      statement: 'CREATE INDEX "Post_title_idx" ON "Post"("title")',
    });
    expect(f?.message).toContain('"Post"');
    expect(f?.fix).toContain('CREATE INDEX CONCURRENTLY "Post_title_idx" ON "Post"("title")');
  });
  it('the CONCURRENTLY finding says how to split the migration', () => {
    const [f] = lint(`${TIMEOUTS}CREATE INDEX CONCURRENTLY "a" ON "Post"("x");`).filter(
      (x) => x.rule === 'concurrently-in-transaction',
    );
    expect(f?.fix).toContain('prisma/migrations/20240101000000_fix_concurrently/migration.sql');
    expect(f?.fix).toContain('CREATE INDEX CONCURRENTLY "a" ON "Post"("x");');
  });
  it('lines are right after multi-byte text (libpg_query reports byte offsets)', () => {
    const sql = `-- Überprüfung: ünïcödé ✓\nUPDATE "User" SET "name" = 'Zoë ✓' WHERE "id" = 1;\n\nDROP TABLE "Old";\n`;
    const drop = lint(sql).find((f) => f.rule === 'drop-table');
    expect(drop?.line).toBe(4);
    expect(drop?.statement).toBe('DROP TABLE "Old"');
  });
  it('one unparsable statement does not hide the others', () => {
    const found = lint('DROP TABLE "Old";\nALTER TABLE "Post" ADD COLUMN;\nDROP TABLE "Older";');
    expect(found.filter((f) => f.rule !== 'require-lock-timeout').map((f) => [f.rule, f.line])).toEqual([
      ['drop-table', 1],
      ['parse-error', 2],
      ['drop-table', 3],
    ]);
  });
  it('CREATE TABLE bodies with strings, comments and parentheses do not confuse the statement split', () => {
    const sql = `CREATE TABLE "T" (
    "a" TEXT NOT NULL DEFAULT 'x; ) -- not a comment',
    /* ; ) */ "b" INT CHECK (("b" > 0)),
    CONSTRAINT "T_pkey" PRIMARY KEY ("a")
);
CREATE INDEX "T_b_idx" ON "T"("b");
DROP TABLE "Old";`;
    expect(lint(sql).map((f) => [f.rule, f.line])).toEqual([
      ['drop-table', 7],
      ['require-lock-timeout', 7],
    ]);
  });
});
