// hotfix verify on SQLite files with the real Prisma 7 CLI: a hotfix started from a template,
// filled in and deployed, checked on two environments in one run (drift computed by prisma
// migrate diff), a table made by hand found as drift, and exit 4 for a database file that does
// not exist and for git missing. What verify decides from the ledger, files and rows (templates,
// the ledger disagreeing with _prisma_migrations, a revert migration, exit codes 2 and 3,
// Prisma 6) is tested in-process: test/commands/verify.test.ts.
import path from 'node:path';
import { writeFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { sqliteQuery } from '../support/db.js';
import { git } from '../support/git.js';
import { runHotfix } from '../support/hotfix.js';
import { runVerify } from '../support/verify.js';
import { STAGING_ENV, useTwoEnvProject } from '../support/scenario.js';

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

  test('a table made by hand is drift, as prisma migrate diff finds it', async () => {
    await sqliteQuery(s.stagingUrl, 'CREATE TABLE "manual" ("id" INTEGER)');
    const r = await verify(['--env', 'staging']).finally(() =>
      sqliteQuery(s.stagingUrl, 'DROP TABLE "manual"'),
    );
    expect(r.exitCode).toBe(1);
    expect(r.codes).toEqual(['error DRIFT staging', 'info HOTFIX_MIGRATION_UNPINNED -']);
    expect(r.findings.find((f) => f.code === 'DRIFT')!.details!.sql).toContain('CREATE TABLE "manual"');
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
