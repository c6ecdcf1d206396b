// hotfix verify on SQLite files with the real Prisma 7 CLI: a hotfix started from a template,
// two environments checked in one run, the ledger disagreeing with _prisma_migrations, drift,
// and the exit codes 2, 3 and 4 (each with its --json document).
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { sqliteQuery } from '../support/db.js';
import { git } from '../support/git.js';
import { runHotfix } from '../support/hotfix.js';
import { runVerify, type VerifyDoc } from '../support/verify.js';
import {
  createTwoEnvProject,
  STAGING_ENV,
  type TwoEnvProject,
  useTwoEnvProject,
} from '../support/scenario.js';

describe.sequential('hotfix verify (SQLite)', () => {
  let dir: string;
  let migration: string;
  const verify = (args: string[], env: Record<string, string> = {}) =>
    runVerify(dir, args, { ...s.env, ...env });
  const folder = () => path.join(dir, 'prisma', 'migrations', migration);

  const s = useTwoEnvProject({ provider: 'sqlite', prefix: 'verify_sqlite' }, async (s) => {
    dir = s.project.dir;
    const started = await runHotfix(dir, ['start', 'fix-orphans', '--json'], s.env);
    expect(started.exitCode, started.stderr).toBe(0);
    migration = JSON.parse(started.stdout).migration.name;
  });

  test('a hotfix started from a template: unfilled migration.sql and down.sql fail the gate', async () => {
    const r = await verify([]);
    expect(r.exitCode).toBe(1);
    expect(r.codes).toEqual(['error HOTFIX_DOWN_TEMPLATE -', 'error HOTFIX_MIGRATION_TEMPLATE -']);
  });

  test('filled in (not "edited after start": an info says it is unpinned), deployed, merged: clean on both environments at once', async () => {
    writeFileSync(
      path.join(folder(), 'migration.sql'),
      'DELETE FROM "Post" WHERE "authorId" NOT IN (SELECT "id" FROM "User");\n',
    );
    writeFileSync(
      path.join(folder(), 'down.sql'),
      '-- The deleted rows cannot come back by SQL: they are in the 02:05 backup (orphans.csv).\nSELECT 1;\n',
    );
    // The proof of the data fix: the orphans it deletes, none left when it holds.
    writeFileSync(
      path.join(folder(), 'verify.sql'),
      'SELECT "id" FROM "Post" WHERE "authorId" NOT IN (SELECT "id" FROM "User");\n',
    );
    git(dir, 'commit', '-qam', 'write the fix');
    for (const env of ['production', 'staging']) {
      const r = await runHotfix(dir, ['deploy', 'fix-orphans', '--env', env, '--yes'], s.env);
      expect(r.exitCode, r.stderr).toBe(0);
    }
    git(dir, 'checkout', '-q', 'main');
    git(dir, 'merge', '-q', 'hotfix/fix-orphans');
    git(dir, 'branch', 'develop');

    const r = await verify(['--env', 'production', '--env', 'staging']);
    expect(r.exitCode, r.stdout).toBe(0);
    expect(r.doc.ok).toBe(true);
    expect(r.codes).toEqual(['info HOTFIX_MIGRATION_UNPINNED -']);
    expect(r.doc.checked!.envs.map((e) => [e.name, e.applied, e.pending, e.drift])).toEqual([
      ['production', 2, 0, 'none'],
      ['staging', 2, 0, 'none'],
    ]);
  });

  test('the ledger says deployed but _prisma_migrations lost the row; a table made by hand is drift', async () => {
    const saved = await sqliteQuery(
      s.stagingUrl,
      'SELECT * FROM _prisma_migrations WHERE migration_name = ?',
      [migration],
    );
    await sqliteQuery(s.stagingUrl, 'DELETE FROM _prisma_migrations WHERE migration_name = ?', [migration]);
    await sqliteQuery(s.stagingUrl, 'CREATE TABLE "manual" ("id" INTEGER)');
    const r = await verify(['--env', 'staging']);
    // Put staging back as it was for the next test.
    const columns = Object.keys(saved[0]!);
    await sqliteQuery(
      s.stagingUrl,
      `INSERT INTO _prisma_migrations (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
      columns.map((c) => saved[0]![c] as string | number | null),
    );
    await sqliteQuery(s.stagingUrl, 'DROP TABLE "manual"');
    expect(r.exitCode).toBe(1);
    expect(r.codes).toEqual([
      'error DRIFT staging',
      'error LEDGER_DB_MISMATCH staging',
      'info HOTFIX_MIGRATION_UNPINNED -',
      'warning MIGRATION_PENDING staging',
    ]);
    const mismatch = r.findings.find((f) => f.code === 'LEDGER_DB_MISMATCH');
    expect(mismatch).toMatchObject({
      hotfix: 'fix-orphans',
      migration,
      message: expect.stringContaining('the ledger says deployed'),
    });
    expect(r.findings.find((f) => f.code === 'DRIFT')!.details!.sql).toContain('CREATE TABLE "manual"');
  });

  test('rolled forward on production by hotfix rollback: its revert migration is checked too', async () => {
    git(dir, 'checkout', '-q', 'hotfix/fix-orphans');
    const rolled = await runHotfix(dir, ['rollback', 'fix-orphans', '--env', 'production', '--yes'], s.env);
    expect(rolled.exitCode, rolled.stdout + rolled.stderr).toBe(0);
    git(dir, 'checkout', '-q', 'main');
    // main's working tree has the older ledger; the hotfix branch's copy (rolled-forward) wins.
    // The revert migration is applied on production but only on the hotfix branch so far.
    const before = await verify(['--env', 'production', '--env', 'staging']);
    expect(before.exitCode).toBe(1);
    expect(before.codes).toEqual([
      'error APPLIED_MIGRATION_MISSING production',
      'info DRIFT_NOT_COMPUTABLE production',
      'info HOTFIX_MIGRATION_UNPINNED -',
    ]);
    expect(before.findings[0]).toMatchObject({
      hotfix: 'fix-orphans',
      fix: 'Merge it back: git merge hotfix/fix-orphans',
    });

    git(dir, 'merge', '-q', 'hotfix/fix-orphans');
    const r = await verify(['--env', 'production', '--env', 'staging']);
    expect(r.exitCode, r.stdout).toBe(0);
    expect(r.codes).toEqual(['info HOTFIX_MIGRATION_UNPINNED -', 'warning MIGRATION_PENDING staging']);
    expect(r.findings.find((f) => f.code === 'MIGRATION_PENDING')).toMatchObject({
      hotfix: 'fix-orphans',
      migration: expect.stringMatching(/^\d{14}_revert_fix_orphans$/),
      fix: 'If staging should be rolled back too: hotfix rollback fix-orphans --env staging',
    });
  });

  test('exit 2: unknown environment, missing URL, bad flag; --json prints one error document', async () => {
    const unknown = await verify(['--env', 'qa']);
    expect(unknown.exitCode).toBe(2);
    expect(unknown.doc).toMatchObject({ ok: false, error: { code: 'UNKNOWN_ENV' } });
    const missing = await verify(['--env', 'staging'], { [STAGING_ENV]: '' });
    expect(missing.exitCode).toBe(2);
    expect(missing.doc).toMatchObject({ ok: false, error: { code: 'MISSING_URL' } });
    expect((await runHotfix(dir, ['verify', '--nope'], s.env)).exitCode).toBe(2);
  });

  test('exit 3: an unreadable ledger', async () => {
    writeFileSync(path.join(dir, '.hotfix', 'broken.json'), '{"schemaVersion": 1,');
    try {
      const r = await verify([]);
      expect(r.exitCode).toBe(3);
      expect(r.doc).toMatchObject({
        ok: false,
        error: { code: 'LEDGER_CORRUPT', details: { path: '.hotfix/broken.json' } },
      });
    } finally {
      rmSync(path.join(dir, '.hotfix', 'broken.json'));
    }
  });

  test('exit 4: a database file that does not exist (the other environment is still checked), and git missing', async () => {
    const r = await verify(['--env', 'production', '--env', 'staging'], {
      [STAGING_ENV]: `file:${path.join(dir, 'nowhere.db')}`,
    });
    expect(r.exitCode).toBe(4);
    expect(r.codes).toContain('error DB_UNREACHABLE staging');
    expect(r.doc.checked!.envs.map((e) => [e.name, e.checked])).toEqual([
      ['production', true],
      ['staging', false],
    ]);
    const noGit = await verify([], { PATH: path.join(dir, 'no-such-bin') });
    expect(noGit.exitCode).toBe(4);
    expect(noGit.doc).toMatchObject({ ok: false, error: { code: 'GIT_MISSING' } });
  });
});

describe('hotfix verify on a Prisma 6.19 project', () => {
  let s: TwoEnvProject;
  beforeAll(async () => {
    s = await createTwoEnvProject({ provider: 'sqlite', prismaMajor: 6, prefix: 'verify_p6' });
  });
  afterAll(async () => {
    await s?.cleanup();
  });

  test('drift cannot be computed there: an info per environment says so instead of passing silently', async () => {
    const r = await runHotfix(
      s.project.dir,
      ['verify', '--json', '--env', 'production', '--env', 'staging'],
      s.env,
    );
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as VerifyDoc;
    expect(doc.findings!.map((f) => `${f.severity} ${f.code} ${f.env}`)).toEqual([
      'info DRIFT_NOT_COMPUTABLE production',
      'info DRIFT_NOT_COMPUTABLE staging',
    ]);
    expect(doc.findings![0]!.message).toMatch(/Prisma 6\.\d+\.\d+ can compare a migrations folder/);
    expect(doc.checked!.envs.map((e) => [e.name, e.applied, e.drift])).toEqual([
      ['production', 1, 'not-computable'],
      ['staging', 1, 'not-computable'],
    ]);
  });
});
