import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import type { HotfixError } from '../../src/core/errors.js';
import {
  addTimeoutsPreamble,
  blockingFindings,
  countFindings,
  lintSql,
  lintSqlAsync,
  loadParser,
  planConcurrentlySplit,
  RULES,
} from '../../src/core/lint/index.js';
import { MIGRATION_TEMPLATE_MARKER } from '../../src/core/templates.js';
import { lint, rules, TIMEOUTS } from './helpers.js';

beforeAll(async () => {
  await loadParser();
});

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function thrown(fn: () => unknown): HotfixError {
  try {
    fn();
  } catch (error) {
    return error as HotfixError;
  }
  throw new Error('expected a throw');
}

describe('hotfix vs ordinary migrations', () => {
  const sql =
    'CREATE INDEX "Post_title_idx" ON "Post"("title");\nALTER TABLE "User" ALTER COLUMN "name" DROP NOT NULL;';
  it('a hotfix migration is held to stricter severities', () => {
    const hotfix = lintSql(sql, { provider: 'postgresql', hotfix: true });
    const ordinary = lintSql(sql, { provider: 'postgresql', hotfix: false });
    const sev = (list: typeof hotfix, rule: string) => list.find((f) => f.rule === rule)?.severity;
    expect(sev(hotfix, 'create-index-non-concurrently')).toBe('error');
    expect(sev(ordinary, 'create-index-non-concurrently')).toBe('warning');
    expect(sev(hotfix, 'drop-not-null')).toBe('warning');
    expect(sev(ordinary, 'drop-not-null')).toBe('info');
    expect(sev(hotfix, 'require-lock-timeout')).toBe('error');
    expect(sev(ordinary, 'require-lock-timeout')).toBe('info');
    expect(countFindings(ordinary).errors).toBe(0);
    expect(countFindings(hotfix).errors).toBe(2);
  });
  it('what fails outright is an error in both', () => {
    const bad = `${TIMEOUTS}CREATE INDEX CONCURRENTLY "a" ON "T"("x");\nALTER TABLE "T" ADD COLUMN "y" TEXT NOT NULL;`;
    for (const hotfix of [true, false]) {
      const found = lintSql(bad, { provider: 'postgresql', hotfix });
      expect(found.filter((f) => f.severity === 'error').map((f) => f.rule)).toEqual(
        expect.arrayContaining(['concurrently-in-transaction', 'add-column-not-null-without-default']),
      );
    }
  });
  it('every rule has both severities, a reason and a safe pattern', () => {
    const order = { error: 0, warning: 1, info: 2 };
    for (const r of RULES) {
      expect(r.reason.length).toBeGreaterThan(20);
      expect(r.safe.length).toBeGreaterThan(10);
      expect(order[r.severity.hotfix]).toBeLessThanOrEqual(order[r.severity.ordinary]);
    }
  });
});

describe('suppression', () => {
  const stmt = 'ALTER TABLE "Post" DROP COLUMN "legacy";';
  it('with a reason: the finding is kept, marked suppressed, and does not count', () => {
    const sql = `${TIMEOUTS}-- hotfix-lint-disable-next-line drop-column -- unused since v2.3, backed up to s3://bk/legacy\n-- AlterTable\n${stmt}`;
    const found = lint(sql);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({
      rule: 'drop-column',
      suppressed: { reason: 'unused since v2.3, backed up to s3://bk/legacy' },
    });
    expect(countFindings(found)).toMatchObject({ errors: 0, suppressed: 1 });
    expect(blockingFindings(found)).toEqual([]);
  });
  it('several rules, in a block comment', () => {
    const sql = `/* hotfix-lint-disable-next-line drop-column, require-lock-timeout -- approved in INC-42 */\n${stmt}`;
    const found = lint(sql);
    expect(found.filter((f) => !f.suppressed)).toEqual([]);
    expect(found.map((f) => f.rule).sort()).toEqual(['drop-column', 'require-lock-timeout']);
  });
  it('without a reason: suppresses nothing and is itself a finding', () => {
    const sql = `${TIMEOUTS}-- hotfix-lint-disable-next-line drop-column\n${stmt}`;
    expect(rules(sql)).toEqual(['drop-column', 'invalid-suppression']);
    const invalid = lint(sql).find((f) => f.rule === 'invalid-suppression');
    expect(invalid?.line).toBe(3);
    expect(invalid?.message).toContain('no reason');
  });
  it('an unknown rule is reported; the known ones still apply', () => {
    const sql = `${TIMEOUTS}-- hotfix-lint-disable-next-line drop-colum, drop-column -- typo test\n${stmt}`;
    expect(rules(sql)).toEqual(['invalid-suppression']);
    expect(lint(sql).find((f) => f.rule === 'invalid-suppression')?.message).toContain('drop-colum');
  });
  it('covers the next statement only', () => {
    const sql = `${TIMEOUTS}-- hotfix-lint-disable-next-line drop-column -- ok\n${stmt}\nALTER TABLE "Post" DROP COLUMN "other";`;
    expect(rules(sql)).toEqual(['drop-column']);
    expect(lint(sql).find((f) => !f.suppressed)?.line).toBe(5);
  });
  it('a suppression that matches nothing is reported as unused', () => {
    const sql = `${TIMEOUTS}-- hotfix-lint-disable-next-line drop-table -- wrong rule\n${stmt}`;
    expect(rules(sql)).toEqual(['drop-column', 'unused-suppression']);
  });
  it('works for MySQL and SQLite too', () => {
    const sql =
      '-- hotfix-lint-disable-next-line drop-column -- agreed\nALTER TABLE `Post` DROP COLUMN `legacy`;';
    expect(lintSql(sql, { provider: 'sqlite', hotfix: true }).every((f) => f.suppressed)).toBe(true);
  });
});

describe('addTimeoutsPreamble', () => {
  const body = '-- AlterTable\nALTER TABLE "Post" ADD COLUMN "x" TEXT;\n';
  it('adds SET lock_timeout / statement_timeout at the top and resets them at the end', () => {
    const out = addTimeoutsPreamble(body, { lockTimeout: '5s', statementTimeout: '60s' });
    expect(out.startsWith('-- hotfix: timeouts')).toBe(true);
    expect(out).toContain("SET lock_timeout = '5s';\nSET statement_timeout = '60s';\n");
    expect(out).toContain(body);
    expect(out.trimEnd().endsWith('RESET lock_timeout;\nRESET statement_timeout;')).toBe(true);
    expect(rules(out, 'postgresql', true)).toEqual([]);
  });
  it('keeps the template marker as the first line', () => {
    const out = addTimeoutsPreamble(`${MIGRATION_TEMPLATE_MARKER} (delete this line)\n${body}`, {
      lockTimeout: '3s',
      statementTimeout: '2min',
    });
    expect(out.startsWith(MIGRATION_TEMPLATE_MARKER)).toBe(true);
    expect(out.split('\n')[1]).toMatch(/^-- hotfix: timeouts/);
  });
  it('is idempotent and adds only what is missing', () => {
    const once = addTimeoutsPreamble(body, { lockTimeout: '5s', statementTimeout: '60s' });
    expect(addTimeoutsPreamble(once, { lockTimeout: '5s', statementTimeout: '60s' })).toBe(once);
    const partial = addTimeoutsPreamble(`SET lock_timeout = '1s';\n${body}`, {
      lockTimeout: '5s',
      statementTimeout: '60s',
    });
    expect(partial.match(/lock_timeout =/g)).toHaveLength(1);
    expect(partial).toContain("SET statement_timeout = '60s';");
  });
  it('refuses a migration with CONCURRENTLY (the SET would make it fail with 25001)', () => {
    const e = thrown(() =>
      addTimeoutsPreamble('CREATE INDEX CONCURRENTLY "a" ON "T"("x");', {
        lockTimeout: '5s',
        statementTimeout: '60s',
      }),
    );
    expect(e.code).toBe('LINT_TIMEOUTS_CONCURRENTLY');
    expect(e.hint).toMatch(/own/);
  });
  it('validates durations', () => {
    expect(
      thrown(() => addTimeoutsPreamble(body, { lockTimeout: 'soon', statementTimeout: '1s' })).code,
    ).toBe('LINT_TIMEOUT_INVALID');
    expect(thrown(() => addTimeoutsPreamble(body, { lockTimeout: '0', statementTimeout: '1s' })).code).toBe(
      'LINT_TIMEOUT_INVALID',
    );
  });
  it('MySQL gets lock_wait_timeout in seconds; SQLite has nothing to set', () => {
    const out = addTimeoutsPreamble('ALTER TABLE `T` ADD COLUMN `x` INT;\n', {
      lockTimeout: '1500ms',
      statementTimeout: '60s',
      provider: 'mysql',
    });
    expect(out).toContain('SET SESSION lock_wait_timeout = 2;');
    expect(
      thrown(() =>
        addTimeoutsPreamble(body, { lockTimeout: '5s', statementTimeout: '1s', provider: 'sqlite' }),
      ).code,
    ).toBe('LINT_TIMEOUTS_UNSUPPORTED');
  });
});

describe('planConcurrentlySplit', () => {
  it('moves each CONCURRENTLY statement out, keeping the rest', () => {
    const sql = `${TIMEOUTS}-- CreateIndex\nCREATE INDEX CONCURRENTLY "a" ON "T"("x");\nALTER TABLE "T" ADD COLUMN "y" INT;\n`;
    const plan = planConcurrentlySplit(sql);
    expect(plan.alone).toEqual(['CREATE INDEX CONCURRENTLY "a" ON "T"("x");\n']);
    expect(plan.rest).toBe(`${TIMEOUTS}-- CreateIndex\nALTER TABLE "T" ADD COLUMN "y" INT;\n`);
    expect(rules(plan.rest, 'postgresql', true)).not.toContain('concurrently-in-transaction');
    expect(lint(plan.alone[0] ?? '')).toEqual([]);
  });
  it('leaves nothing behind when there was nothing else', () => {
    expect(planConcurrentlySplit('CREATE INDEX CONCURRENTLY "a" ON "T"("x");\n').rest).toBe('');
    expect(planConcurrentlySplit('SELECT 1;')).toEqual({ rest: 'SELECT 1;', alone: [] });
  });
});

describe('MySQL (basic rules)', () => {
  const my = (sql: string) => rules(sql, 'mysql');
  it('fires on the dangerous statements of an existing table', () => {
    expect(my('ALTER TABLE `Post` ADD COLUMN `slug` VARCHAR(191) NOT NULL;')).toEqual([
      'add-column-not-null-without-default',
    ]);
    expect(my('ALTER TABLE `Post` DROP COLUMN `legacy`, MODIFY `views` BIGINT NOT NULL;')).toEqual([
      'change-column-type',
      'drop-column',
    ]);
    expect(my('ALTER TABLE `Post` CHANGE `title` `headline` VARCHAR(191) NOT NULL;')).toEqual([
      'change-column-type',
      'rename-column',
    ]);
    expect(my('ALTER TABLE `Post` RENAME COLUMN `a` TO `b`;')).toEqual(['rename-column']);
    expect(my('RENAME TABLE `Post` TO `Article`;')).toEqual(['rename-table']);
    expect(my('DROP TABLE `Session`;')).toEqual(['drop-table']);
    expect(
      my(
        'ALTER TABLE `Post` ADD CONSTRAINT `Post_authorId_fkey` FOREIGN KEY (`authorId`) REFERENCES `User`(`id`) ON DELETE RESTRICT ON UPDATE CASCADE;',
      ),
    ).toEqual(['add-foreign-key-table-copy']);
    expect(my('UPDATE `User` SET `active` = 1;')).toEqual(['update-without-where']);
    expect(my('DELETE FROM `Session`;')).toEqual(['delete-without-where']);
    expect(my('ALTER TABLE `Post` ADD COLUMN `x` INT;')).toEqual([]);
  });
  it('asks for lock_wait_timeout, once', () => {
    expect(rules('ALTER TABLE `Post` ADD COLUMN `x` INT;\nDROP TABLE `Old`;', 'mysql', true)).toEqual([
      'drop-table',
      'require-lock-timeout',
    ]);
    expect(
      rules('SET SESSION lock_wait_timeout = 5;\nALTER TABLE `Post` ADD COLUMN `x` INT;', 'mysql', true),
    ).toEqual([]);
  });
  it('is quiet on tables created in the same file, strings and comments', () => {
    const sql = `-- CreateTable
CREATE TABLE \`Post\` (
    \`id\` INTEGER NOT NULL AUTO_INCREMENT,
    \`note\` VARCHAR(191) NOT NULL DEFAULT 'DROP TABLE x; UPDATE y SET z = 1',
    PRIMARY KEY (\`id\`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- AddForeignKey
ALTER TABLE \`Post\` ADD CONSTRAINT \`Post_authorId_fkey\` FOREIGN KEY (\`authorId\`) REFERENCES \`User\`(\`id\`) ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE \`Post\` ADD COLUMN \`slug\` VARCHAR(191) NOT NULL, DROP COLUMN \`note\`;
# DROP TABLE \`User\`;
UPDATE \`Post\` SET \`slug\` = 'x';`;
    expect(rules(sql, 'mysql', true)).toEqual([]);
  });
  it('defaults, AUTO_INCREMENT and index clauses are not mistaken for risks', () => {
    expect(
      my(
        'ALTER TABLE `Post` ADD COLUMN `n` INT NOT NULL DEFAULT 0, ADD INDEX `Post_n_idx`(`n`), DROP INDEX `Post_old_idx`, RENAME INDEX `a` TO `b`;',
      ),
    ).toEqual([]);
  });
});

describe('SQLite (basic rules)', () => {
  const lite = (sql: string) => rules(sql, 'sqlite');
  it('fires on drops, renames, NOT NULL without default and unbounded DML', () => {
    expect(lite('ALTER TABLE "Post" ADD COLUMN "slug" TEXT NOT NULL;')).toEqual([
      'add-column-not-null-without-default',
    ]);
    expect(lite('ALTER TABLE "Post" DROP COLUMN "legacy";')).toEqual(['drop-column']);
    expect(lite('ALTER TABLE "Post" RENAME COLUMN "a" TO "b";')).toEqual(['rename-column']);
    expect(lite('ALTER TABLE "Post" RENAME TO "Article";')).toEqual(['rename-table']);
    expect(lite('DROP TABLE "Session";')).toEqual(['drop-table']);
    expect(lite('DELETE FROM "Session";')).toEqual(['delete-without-where']);
    expect(lite('UPDATE "Session" SET "a" = 1;')).toEqual(['update-without-where']);
  });
  it("recognises Prisma's table redefinition instead of reporting a drop and a rename", () => {
    const sql = `-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Post" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "title" TEXT NOT NULL
);
INSERT INTO "new_Post" ("id", "title") SELECT "id", "title" FROM "Post";
DROP TABLE "Post";
ALTER TABLE "new_Post" RENAME TO "Post";
CREATE UNIQUE INDEX "Post_title_key" ON "Post"("title");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;`;
    expect(lite(sql)).toEqual(['table-redefinition']);
    expect(lintSql(sql, { provider: 'sqlite', hotfix: false })[0]?.line).toBe(9);
  });
  it('is quiet on tables created in the same file', () => {
    expect(
      lite(
        'CREATE TABLE "T" ("a" TEXT);\nALTER TABLE "T" ADD COLUMN "b" TEXT NOT NULL DEFAULT \'\';\nDROP TABLE "T";',
      ),
    ).toEqual([]);
  });
});

describe('parser loading', () => {
  it('lintSqlAsync loads the parser itself', async () => {
    expect(await lintSqlAsync('DROP TABLE "Old";', { provider: 'postgresql', hotfix: false })).toHaveLength(
      2,
    );
  });
});

describe('docs/lint-rules.md', () => {
  const doc = readFileSync(path.join(root, 'docs/lint-rules.md'), 'utf8');
  it.each(RULES.map((r) => r.id))('documents %s with its severities', (id) => {
    const r = RULES.find((x) => x.id === id);
    const section = doc.split(/^### /m).find((s) => s.startsWith(`\`${id}\``));
    expect(section, `no "### \`${id}\`" section`).toBeDefined();
    expect(section).toContain(`hotfix: **${r?.severity.hotfix}**`);
    expect(section).toContain(`ordinary: **${r?.severity.ordinary}**`);
  });
});
