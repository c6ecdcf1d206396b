import { mkdirSync, mkdtempSync, readFileSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { git, initRepo, snapshot } from '../support/git.js';
import { runHotfix } from '../support/hotfix.js';

// `start` with --sql and the template needs no database and no prisma: these tests cover
// preflight, rollback of a half-done start, and the ledger's refusals on a plain repository.
function project(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hotfix-start-'));
  mkdirSync(path.join(dir, 'prisma', 'migrations', '20260101000000_init'), { recursive: true });
  writeFileSync(path.join(dir, 'prisma', 'schema.prisma'), 'datasource db {\n  provider = "postgresql"\n}\n');
  writeFileSync(path.join(dir, 'prisma', 'migrations', 'migration_lock.toml'), 'provider = "postgresql"\n');
  writeFileSync(
    path.join(dir, 'prisma', 'migrations', '20260101000000_init', 'migration.sql'),
    'CREATE TABLE "Order" ("id" SERIAL PRIMARY KEY);\n',
  );
  initRepo(dir);
  return dir;
}

function sqlFile(sql = 'CREATE INDEX "Order_id_idx" ON "Order"("id");\n'): string {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'hotfix-sql-')), 'fix.sql');
  writeFileSync(file, sql);
  return file;
}

const migrationsOf = (dir: string) => readdirSync(path.join(dir, 'prisma', 'migrations')).sort();

describe('hotfix start (no database needed)', () => {
  let dir: string;
  beforeEach(() => {
    dir = project();
  });

  it('--sql: branch, migration with that SQL in its safe form, down.sql template, verify.sql, ledger, one commit, checklist', async () => {
    const sql = sqlFile();
    const run = await runHotfix(dir, [
      'start',
      'add-order-index',
      '--sql',
      sql,
      '--reason',
      'slow orders page',
    ]);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(git(dir, 'branch', '--show-current')).toBe('hotfix/add-order-index');
    const added = migrationsOf(dir).filter((m) => m.endsWith('_add_order_index'));
    expect(added).toHaveLength(1);
    const migration = added[0]!;
    expect(migration).toMatch(/^\d{14}_add_order_index$/);
    const folder = path.join(dir, 'prisma', 'migrations', migration);
    // An index on an existing table is built CONCURRENTLY (alone in its migration, so no SET preamble).
    expect(readFileSync(path.join(folder, 'migration.sql'), 'utf8')).toBe(
      readFileSync(sql, 'utf8').replace('CREATE INDEX', 'CREATE INDEX CONCURRENTLY'),
    );
    expect(readFileSync(path.join(folder, 'verify.sql'), 'utf8')).toMatch(/^-- hotfix:verify\n/);
    expect(readFileSync(path.join(folder, 'down.sql'), 'utf8')).toMatch(/^-- hotfix:down-template/);
    const ledger = JSON.parse(readFileSync(path.join(dir, '.hotfix', 'add-order-index.json'), 'utf8'));
    expect(ledger).toMatchObject({
      schemaVersion: 1,
      name: 'add-order-index',
      branch: 'hotfix/add-order-index',
      base: 'main',
      migration,
    });
    expect(ledger.events.map((e: { type: string }) => e.type)).toEqual([
      'started',
      'migration-created',
      'linted',
    ]);
    expect(ledger.events[0]).toMatchObject({
      actor: 'oncall@example.com',
      reason: 'slow orders page',
      outcome: 'ok',
    });
    expect(ledger.events[1].checksum).toMatch(/^[0-9a-f]{64}$/);
    // Committed, and nothing left over in the working tree.
    expect(git(dir, 'status', '--porcelain')).toBe('');
    expect(git(dir, 'log', '--format=%s', '-1')).toBe(
      `hotfix(add-order-index): start, migration ${migration}`,
    );
    expect(git(dir, 'show', '--name-only', '--format=', 'HEAD').split('\n').sort()).toEqual(
      [
        '.hotfix/add-order-index.json',
        `prisma/migrations/${migration}/down.sql`,
        `prisma/migrations/${migration}/migration.sql`,
        `prisma/migrations/${migration}/verify.sql`,
      ].sort(),
    );
    expect(run.stdout).toContain('Started hotfix add-order-index');
    expect(run.stdout).toContain('hotfix resolve add-order-index --env production');
    expect(run.stdout).toContain('[x] Hotfix branch and migration created');
    expect(run.stdout).toContain('[ ] Fresh production backup taken');
  });

  it('--timeouts wraps the SQL; what cannot be made safe stops start unless accepted; hotfix lint exits 1 on errors', async () => {
    const args = [
      'start',
      'purge',
      '--sql',
      sqlFile('DELETE FROM "Order";\n'),
      '--timeouts',
      '--lock-timeout',
      '3s',
    ];
    const before = snapshot(dir);
    const unsafe = await runHotfix(dir, args);
    expect(unsafe.exitCode, unsafe.stderr).toBe(1);
    expect(unsafe.stderr).toContain('START_UNSAFE');
    expect(unsafe.stderr).toContain('delete-without-where');
    expect(unsafe.stderr).toContain('--accept-risk --reason');
    expect(snapshot(dir)).toEqual(before);
    const run = await runHotfix(dir, [...args, '--accept-risk', '--reason', 'Order is a 3-row test table']);
    expect(run.exitCode, run.stderr).toBe(0);
    const migration = migrationsOf(dir).find((m) => m.endsWith('_purge'))!;
    const sql = readFileSync(path.join(dir, 'prisma', 'migrations', migration, 'migration.sql'), 'utf8');
    expect(sql).toMatch(
      /^-- hotfix: timeouts[^\n]*\nSET lock_timeout = '3s';\nSET statement_timeout = '60s';\n/,
    );
    expect(sql).toContain('DELETE FROM "Order";');
    expect(run.stdout).toContain('delete-without-where');
    const ledger = JSON.parse(readFileSync(path.join(dir, '.hotfix', 'purge.json'), 'utf8'));
    expect(ledger.events[1].details.timeouts).toEqual({ lockTimeout: '3s', statementTimeout: '60s' });
    expect(ledger.events[2]).toMatchObject({
      type: 'linted',
      outcome: 'failed',
      details: { errors: 1, rules: ['delete-without-where'], acceptedRisk: ['delete-without-where'] },
    });

    const lint = await runHotfix(dir, ['lint', '--json']);
    expect(lint.exitCode, lint.stderr).toBe(1);
    const doc = JSON.parse(lint.stdout);
    expect(doc.ok).toBe(false);
    expect(doc.findings.map((f: { rule: string }) => f.rule)).toContain('delete-without-where');
    expect(doc.files.find((f: { migration: string }) => f.migration === migration)).toMatchObject({
      hotfix: true,
    });

    const bad = await runHotfix(dir, [
      'start',
      'x2',
      '--sql',
      sqlFile(),
      '--timeouts',
      '--lock-timeout',
      'soon',
    ]);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('--lock-timeout "soon" is not a positive duration');
  });

  it('template source, --no-branch and --no-commit leave the files staged on the base branch', async () => {
    const run = await runHotfix(dir, ['start', 'fix-orphans', '--no-branch', '--no-commit', '--json']);
    expect(run.exitCode, run.stderr).toBe(0);
    const doc = JSON.parse(run.stdout);
    expect(doc).toMatchObject({
      ok: true,
      command: 'start',
      hotfix: 'fix-orphans',
      branch: null,
      commit: null,
    });
    expect(doc.migration.source).toBe('template');
    expect(git(dir, 'branch', '--show-current')).toBe('main');
    expect(git(dir, 'rev-list', '--count', 'HEAD')).toBe('1');
    const staged = git(dir, 'diff', '--cached', '--name-only').split('\n').sort();
    expect(staged).toEqual(
      [...doc.staged]
        .flatMap((p: string) =>
          p.endsWith('.json') ? [p] : [`${p}/down.sql`, `${p}/migration.sql`, `${p}/verify.sql`],
        )
        .sort(),
    );
    expect(readFileSync(path.join(dir, doc.migration.sqlPath), 'utf8')).toMatch(
      /^-- hotfix:migration-template/,
    );
  });

  it('--dry-run prints the plan and SQL and changes nothing', async () => {
    const before = snapshot(dir);
    const run = await runHotfix(dir, [
      'start',
      'add-order-index',
      '--sql',
      sqlFile('CREATE INDEX "x" ON "Order"("id");\n'),
      '--dry-run',
    ]);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).toContain('Dry run');
    expect(run.stdout).toContain('CREATE INDEX CONCURRENTLY "x" ON "Order"("id");');
    expect(run.stdout).toContain('CREATE INDEX -> CREATE INDEX CONCURRENTLY');
    expect(snapshot(dir)).toEqual(before);
  });

  describe('preflight refusals (the rest, in-process: test/commands/start.test.ts)', () => {
    it('outside a git repository', async () => {
      const plain = mkdtempSync(path.join(os.tmpdir(), 'hotfix-nogit-'));
      const run = await runHotfix(plain, ['start', 'x1']);
      expect(run.exitCode).toBe(2);
      expect(run.stderr).toContain('is not inside a git repository');
      expect(readdirSync(plain)).toEqual([]);
    });
  });

  it('a failure midway (commit refused by a hook) is undone: git, migrations and ledger as they were', async () => {
    writeFileSync(
      path.join(dir, '.git', 'hooks', 'pre-commit'),
      '#!/bin/sh\necho "hook says no" >&2\nexit 1\n',
      { mode: 0o755 },
    );
    const before = snapshot(dir);
    const run = await runHotfix(dir, ['start', 'x1', '--sql', sqlFile()]);
    expect(run.exitCode).toBe(4);
    expect(run.stderr).toContain('was undone');
    expect(run.stderr).toContain('hook says no');
    expect(snapshot(dir)).toEqual(before);
    expect(existsSync(path.join(dir, '.hotfix'))).toBe(false);
  });

  it('rollback on a MySQL environment is refused (exit 2) before anything is touched', async () => {
    expect((await runHotfix(dir, ['start', 'x1', '--sql', sqlFile()])).exitCode).toBe(0);
    const before = snapshot(dir);
    const run = await runHotfix(dir, ['rollback', 'x1', '--env', 'production', '--yes'], {
      DATABASE_URL: 'mysql://root@127.0.0.1:3306/nowhere',
    });
    expect(run.exitCode, run.stderr).toBe(2);
    expect(run.stderr).toContain('does not support MySQL yet');
    expect(snapshot(dir)).toEqual(before);
  });

  it('status lists an open hotfix from the base branch through its hotfix/* branch', async () => {
    expect((await runHotfix(dir, ['start', 'x1', '--sql', sqlFile()])).exitCode).toBe(0);
    git(dir, 'checkout', '-q', 'main');
    expect(existsSync(path.join(dir, '.hotfix'))).toBe(false);
    const run = await runHotfix(dir, ['status', '--json']);
    expect(run.exitCode, run.stderr).toBe(0);
    const doc = JSON.parse(run.stdout);
    expect(doc.hotfixes).toHaveLength(1);
    expect(doc.hotfixes[0]).toMatchObject({
      name: 'x1',
      phase: 'open',
      source: 'hotfix/x1:.hotfix/x1.json',
      envs: [],
    });
    const unknown = await runHotfix(dir, ['status', 'nope']);
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toContain('No hotfix named "nope"');
  });
});
