import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Chalk } from 'chalk';
import { afterAll, describe, expect, it } from 'vitest';
import { lint } from '../../src/commands/lint.js';
import { createLedger, serializeLedger } from '../../src/core/ledger.js';
import { lintJson, renderLint } from '../../src/ui/lint.js';
import { realDeps } from '../support/deps.js';
import { failure } from '../support/failure.js';

const HOTFIX = '20240301000000_fix_orders';

const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

function project(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'hotfix-lint-'));
  made.push(root);
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    writeFileSync(path.join(root, name), content);
  }
  return root;
}

function ledger(migration: string): string {
  return serializeLedger(
    createLedger(
      {
        name: 'fix-orders',
        branch: 'hotfix/fix-orders',
        base: 'main',
        migration,
        createdAt: '2024-03-01T00:00:00.000Z',
      },
      [
        {
          type: 'started',
          at: '2024-03-01T00:00:00.000Z',
          actor: 'oncall@example.com',
          command: 'start',
          outcome: 'ok',
        },
      ],
    ),
  );
}

const PG_PROJECT = {
  'prisma/migrations/migration_lock.toml': 'provider = "postgresql"\n',
  'prisma/migrations/20240101000000_init/migration.sql': `-- CreateTable
CREATE TABLE "Order" (
    "id" SERIAL NOT NULL,
    "total" INTEGER NOT NULL,
    CONSTRAINT "Order_pkey" PRIMARY KEY ("id")
);
-- CreateIndex
CREATE INDEX "Order_total_idx" ON "Order"("total");
`,
  'prisma/migrations/20240201000000_order_status/migration.sql':
    '-- CreateIndex\nCREATE INDEX "Order_status_idx" ON "Order"("status");\n',
  [`prisma/migrations/${HOTFIX}/migration.sql`]:
    '-- CreateIndex\nCREATE INDEX "Order_customerId_idx" ON "Order"("customerId");\n',
  [`prisma/migrations/${HOTFIX}/down.sql`]: 'DROP INDEX "Order_customerId_idx";\n',
  '.hotfix/fix-orders.json': ledger(HOTFIX),
};

describe('hotfix lint (command)', () => {
  it('with no paths: every migration; hotfix ones (named by a ledger) stricter, with their down.sql', async () => {
    const cwd = project(PG_PROJECT);
    const r = await lint({ paths: [] }, realDeps(cwd));
    expect(r.command).toBe('lint');
    expect(r.files.map((f) => [f.path, f.kind, f.hotfix, f.provider])).toEqual([
      ['prisma/migrations/20240101000000_init/migration.sql', 'migration', false, 'postgresql'],
      ['prisma/migrations/20240201000000_order_status/migration.sql', 'migration', false, 'postgresql'],
      [`prisma/migrations/${HOTFIX}/migration.sql`, 'migration', true, 'postgresql'],
      [`prisma/migrations/${HOTFIX}/down.sql`, 'down', true, 'postgresql'],
    ]);
    // The init migration creates "Order": its index is not a finding.
    expect(r.findings.filter((f) => f.file?.includes('_init/'))).toEqual([]);
    const ordinary = r.findings.find(
      (f) => f.file?.includes('order_status') && f.rule === 'create-index-non-concurrently',
    );
    expect(ordinary?.severity).toBe('warning');
    const hot = r.findings.find(
      (f) => f.file?.includes(HOTFIX) && f.rule === 'create-index-non-concurrently',
    );
    expect(hot?.severity).toBe('error');
    // down.sql is judged as the reverse: dropping the index the migration creates is expected
    // (info), and rollback sets the timeouts itself (no timeout finding).
    expect(
      r.findings.filter((f) => f.file?.endsWith('down.sql')).map((f) => `${f.severity} ${f.rule}`),
    ).toEqual(['info drop-index-non-concurrently']);
    expect(r.errors).toBe(2); // create-index + lock timeout in migration.sql
    expect(r.files.find((f) => f.kind === 'down')?.errors).toBe(0);
  });

  it('--hotfix-only lints just the hotfix migrations', async () => {
    const r = await lint({ paths: [], hotfixOnly: true }, realDeps(project(PG_PROJECT)));
    expect(r.files.map((f) => f.kind)).toEqual(['migration', 'down']);
  });

  it('paths: a file, a migration folder, or a migrations directory', async () => {
    const cwd = project(PG_PROJECT);
    const one = await lint(
      { paths: ['prisma/migrations/20240201000000_order_status/migration.sql'] },
      realDeps(cwd),
    );
    expect(one.files).toHaveLength(1);
    expect(one.errors).toBe(0);
    expect(one.warnings).toBe(1);
    const folder = await lint({ paths: [`prisma/migrations/${HOTFIX}`] }, realDeps(cwd));
    expect(folder.files.map((f) => f.kind)).toEqual(['migration', 'down']);
    const dir = await lint({ paths: ['prisma/migrations'] }, realDeps(cwd));
    expect(dir.files).toHaveLength(4);
  });

  it('reads the provider from migration_lock.toml (and lets --provider override it)', async () => {
    const cwd = project({
      'prisma/migrations/migration_lock.toml': 'provider = "mysql"\n',
      'prisma/migrations/20240101000000_x/migration.sql': 'ALTER TABLE `User` DROP COLUMN `bio`;\n',
    });
    const r = await lint({ paths: [] }, realDeps(cwd));
    expect(r.files[0]?.provider).toBe('mysql');
    expect(r.findings.map((f) => f.rule)).toEqual(['drop-column', 'require-lock-timeout']);
    const sqlite = await lint({ paths: [], provider: 'sqlite' }, realDeps(cwd));
    expect(sqlite.files[0]?.provider).toBe('sqlite');
  });

  it('usage errors: missing path, missing migrations directory, unsupported provider', async () => {
    const cwd = project({ 'x.sql': 'SELECT 1;' });
    expect((await failure(lint({ paths: ['nope.sql'] }, realDeps(cwd)))).code).toBe('LINT_PATH_NOT_FOUND');
    expect((await failure(lint({ paths: [] }, realDeps(cwd)))).code).toBe('LINT_NO_MIGRATIONS');
    const mssql = project({
      'prisma/migrations/migration_lock.toml': 'provider = "sqlserver"\n',
      'prisma/migrations/20240101000000_x/migration.sql': 'SELECT 1;\n',
    });
    const e = await failure(lint({ paths: [] }, realDeps(mssql)));
    expect(e.code).toBe('LINT_PROVIDER_UNSUPPORTED');
    expect(e.exitCode).toBe(2);
  });

  it('an unreadable ledger is a ledger error, never ignored', async () => {
    const cwd = project({ ...PG_PROJECT, '.hotfix/broken.json': '{ nope' });
    const e = await failure(lint({ paths: [] }, realDeps(cwd)));
    expect(e.code).toBe('LEDGER_CORRUPT');
    expect(e.exitCode).toBe(3);
  });
});

describe('renderLint / lintJson', () => {
  const plain = new Chalk({ level: 0 });
  it('groups findings by file with the statement, the reason and the fix, then a summary', async () => {
    const r = await lint({ paths: [] }, realDeps(project(PG_PROJECT)));
    const text = renderLint(plain, r);
    expect(text).toContain(`prisma/migrations/${HOTFIX}/migration.sql`);
    expect(text).toMatch(
      / {2}2 {2}error {4}create-index-non-concurrently +CREATE INDEX "Order_customerId_idx"/,
    );
    expect(text).toContain('fix: CREATE INDEX CONCURRENTLY "Order_customerId_idx" ON "Order"("customerId")');
    expect(text).toContain('✖ Linted 4 files (2 hotfix): 2 errors, 2 warnings, 3 info');
    expect(text).toContain('-- hotfix-lint-disable-next-line <rule> -- <why this is safe here>');
  });
  it('shows suppressions with their reason, and a clean summary', async () => {
    const cwd = project({
      'm/migration_lock.toml': 'provider = "postgresql"\n',
      'm/1_x/migration.sql':
        'SET lock_timeout = \'5s\';\n-- hotfix-lint-disable-next-line drop-column -- unused since v2\nALTER TABLE "U" DROP COLUMN "bio";\n',
    });
    const r = await lint({ paths: ['m'] }, realDeps(cwd));
    const text = renderLint(plain, r);
    expect(text).toContain('suppressed: unused since v2');
    expect(text).toContain('✔ Linted 1 file: 0 errors, 0 warnings, 0 info, 1 suppressed');
    expect(lintJson(r)).toMatchObject({ ok: true, command: 'lint', errors: 0, suppressed: 1 });
    expect(JSON.parse(JSON.stringify(lintJson(r)))).toMatchObject({
      findings: [{ rule: 'drop-column', line: 3, suppressed: { reason: 'unused since v2' } }],
    });
  });
  it('says so when there is nothing to lint', () => {
    const empty = {
      command: 'lint' as const,
      files: [],
      findings: [],
      errors: 0,
      warnings: 0,
      infos: 0,
      suppressed: 0,
    };
    expect(renderLint(plain, empty)).toBe('No migration files to lint.\n');
    expect(lintJson(empty).ok).toBe(true);
  });
});
