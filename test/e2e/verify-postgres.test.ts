// hotfix verify on real PostgreSQL with the real Prisma 7 CLI: every finding is created for real
// (an edit after start, an edit after apply, drift, pending, a folder deleted while applied, a
// failed migration, an unfilled down.sql, an unmerged production hotfix), and the clean state
// passes offline and with two environments.
import { appendFileSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { pgQuery } from '../support/db.js';
import { git } from '../support/git.js';
import { runHotfix } from '../support/hotfix.js';
import { runVerify } from '../support/verify.js';
import { runPrisma } from '../support/prisma-project.js';
import { PROD_ENV, useTwoEnvProject } from '../support/scenario.js';

const INIT = '20240101000000_init';

describe.sequential('hotfix verify (PostgreSQL)', () => {
  let dir: string;
  let migration: string;
  const verify = (args: string[], env: Record<string, string> = {}) =>
    runVerify(dir, args, { ...s.env, ...env });
  const sqlPath = () => path.join(dir, 'prisma', 'migrations', migration, 'migration.sql');

  const s = useTwoEnvProject({ provider: 'postgresql', prefix: 'verify_pg' }, async (s) => {
    dir = s.project.dir;
    git(dir, 'branch', 'develop');
    const sqlFile = path.join(dir, '..', 'fix.sql');
    writeFileSync(sqlFile, 'CREATE INDEX CONCURRENTLY "User_name_idx" ON "User"("name");\n');
    const started = await runHotfix(dir, ['start', 'user-name-idx', '--sql', sqlFile, '--json'], s.env);
    expect(started.exitCode, started.stderr).toBe(0);
    migration = JSON.parse(started.stdout).migration.name;
    writeFileSync(
      path.join(dir, 'prisma', 'migrations', migration, 'down.sql'),
      'DROP INDEX CONCURRENTLY IF EXISTS "User_name_idx";\n',
    );
    git(dir, 'commit', '-qam', 'down.sql');
    for (const env of ['production', 'staging']) {
      const r = await runHotfix(dir, ['deploy', 'user-name-idx', '--env', env, '--yes'], s.env);
      expect(r.exitCode, r.stderr).toBe(0);
    }
  });

  test('a production hotfix not merged back: a warning (exit 0), an error with --strict (exit 1)', async () => {
    const r = await verify([]);
    expect(r.exitCode, r.stdout).toBe(0);
    expect(r.doc.ok).toBe(true);
    expect(r.codes).toEqual(['warning HOTFIX_NOT_MERGED -']);
    expect(r.findings[0]).toMatchObject({
      hotfix: 'user-name-idx',
      migration,
      message: expect.stringContaining('main and develop do not have its migration'),
      fix: 'git checkout main && git merge hotfix/user-name-idx; git checkout develop && git merge hotfix/user-name-idx',
    });
    const strict = await verify(['--strict']);
    expect(strict.exitCode).toBe(1);
    expect(strict.codes).toEqual(['error HOTFIX_NOT_MERGED -']);
  });

  test('merged back, the project is clean: exit 0 offline and with --env production --env staging', async () => {
    git(dir, 'checkout', '-q', 'main');
    git(dir, 'merge', '-q', '--no-ff', '-m', 'merge hotfix', 'hotfix/user-name-idx');
    git(dir, 'checkout', '-q', 'develop');
    git(dir, 'merge', '-q', 'main');
    git(dir, 'checkout', '-q', 'main');
    const offline = await verify([]);
    expect(offline.exitCode, offline.stdout).toBe(0);
    expect(offline.findings).toEqual([]);

    const online = await runHotfix(dir, ['verify', '--env', 'production', '--env', 'staging'], s.env);
    expect(online.exitCode, online.stdout + online.stderr).toBe(0);
    expect(online.stdout).toMatch(
      /production +127\.0\.0\.1:5432\/\S+: 2 applied, 0 pending, 0 failed, drift: none/,
    );
    expect(online.stdout).toMatch(
      /staging +127\.0\.0\.1:5432\/\S+: 2 applied, 0 pending, 0 failed, drift: none/,
    );
    expect(online.stdout).toContain('✔ hotfix verify passed: 0 errors, 0 warnings, 0 info');
  });

  test('migration.sql edited after start and after it was applied; a CRLF-only change is neither', async () => {
    appendFileSync(sqlPath(), '-- and one more thing\n');
    const edited = await verify(['--env', 'production']);
    expect(edited.exitCode).toBe(1);
    expect(edited.codes).toEqual(['error CHECKSUM_MISMATCH production', 'error HOTFIX_MIGRATION_EDITED -']);
    const mismatch = edited.findings.find((f) => f.code === 'CHECKSUM_MISMATCH')!;
    expect(mismatch).toMatchObject({
      migration,
      hotfix: 'user-name-idx',
      fix: expect.stringContaining('git log -p'),
    });
    expect(mismatch.details!.recorded).not.toBe(mismatch.details!.actual);
    git(dir, 'checkout', '--', '.');

    for (const file of [sqlPath(), path.join(dir, 'prisma', 'migrations', INIT, 'migration.sql')])
      writeFileSync(file, readFileSync(file, 'utf8').replaceAll('\n', '\r\n'));
    const crlf = await verify(['--env', 'production']);
    expect(crlf.exitCode, crlf.stdout).toBe(0);
    expect(crlf.findings).toEqual([]);
    git(dir, 'checkout', '--', '.');
  });

  test('a manual change in the database (drift) and a pending migration', async () => {
    await pgQuery(s.prodUrl, 'CREATE INDEX "Post_title_manual_idx" ON "Post"("title")');
    await s.project.addMigration(
      '20990101000000_add_nickname',
      'ALTER TABLE "User" ADD COLUMN "nickname" TEXT;\n',
    );
    try {
      const r = await verify(['--env', 'production']);
      expect(r.exitCode).toBe(1);
      expect(r.codes).toEqual(['error DRIFT production', 'warning MIGRATION_PENDING production']);
      const drift = r.findings.find((f) => f.code === 'DRIFT')!;
      expect(drift.details!.sql).toContain('CREATE INDEX "Post_title_manual_idx"');
      expect(drift.fix).toContain('hotfix start <name> --from-schema');
      expect(r.findings.find((f) => f.code === 'MIGRATION_PENDING')).toMatchObject({
        migration: '20990101000000_add_nickname',
        fix: `DATABASE_URL="$${PROD_ENV}" npx prisma migrate deploy`,
      });
      expect(r.doc.checked!.envs).toEqual([
        expect.objectContaining({ name: 'production', applied: 2, pending: 1, drift: 'found' }),
      ]);
    } finally {
      await pgQuery(s.prodUrl, 'DROP INDEX "Post_title_manual_idx"');
    }
  });

  test('a migration folder deleted while applied (drift then cannot be computed, and says so)', async () => {
    const applied = await runPrisma(s.project, ['migrate', 'deploy'], { env: { DATABASE_URL: s.prodUrl } });
    expect(applied.exitCode, applied.all).toBe(0);
    rmSync(path.join(dir, 'prisma', 'migrations', '20990101000000_add_nickname'), { recursive: true });
    const r = await verify(['--env', 'production']);
    expect(r.exitCode).toBe(1);
    expect(r.codes).toEqual([
      'error APPLIED_MIGRATION_MISSING production',
      'info DRIFT_NOT_COMPUTABLE production',
    ]);
    expect(r.findings[0]).toMatchObject({ migration: '20990101000000_add_nickname' });
  });

  test('a failed hotfix migration (with its logs) and an unfilled down.sql', async () => {
    const sqlFile = path.join(dir, '..', 'bad.sql');
    writeFileSync(sqlFile, 'UPDATE "User" SET "nope" = 1 WHERE "id" < 0;\n');
    const started = await runHotfix(dir, ['start', 'bad-fix', '--sql', sqlFile], s.env);
    expect(started.exitCode, started.stderr).toBe(0);
    const deployed = await runHotfix(dir, ['deploy', 'bad-fix', '--env', 'staging'], s.env);
    expect(deployed.exitCode, deployed.stderr).toBe(1);

    const r = await verify(['--env', 'staging']);
    expect(r.exitCode).toBe(1);
    // start wrote the timeouts preamble, so the lint has nothing to add about the UPDATE.
    expect(r.codes).toEqual(['error HOTFIX_DOWN_TEMPLATE -', 'error MIGRATION_FAILED staging']);
    const failedFinding = r.findings.find((f) => f.code === 'MIGRATION_FAILED')!;
    expect(failedFinding).toMatchObject({
      hotfix: 'bad-fix',
      fix: expect.stringContaining('hotfix rollback bad-fix --env staging'),
    });
    expect(failedFinding.details!.logs).toContain('column "nope" of relation "User" does not exist');
    expect(r.findings.find((f) => f.code === 'HOTFIX_DOWN_TEMPLATE')).toMatchObject({
      hotfix: 'bad-fix',
    });
  });

  test('exit 4 when a database is unreachable; the other environment is still reported; no password printed', async () => {
    const r = await verify(['--env', 'production', '--env', 'staging'], {
      [PROD_ENV]: 'postgresql://postgres:pw-canary-7@127.0.0.1:1/nowhere',
    });
    expect(r.exitCode).toBe(4);
    expect(r.doc.ok).toBe(false);
    expect(r.codes).toContain('error DB_UNREACHABLE production');
    expect(r.codes).toContain('error MIGRATION_FAILED staging');
    expect(r.stdout + r.stderr).not.toContain('pw-canary-7');
  });

  test('exit 4 when prisma is missing (drift needs it); the database checks still report', async () => {
    const bin = s.project.prismaBin;
    renameSync(bin, `${bin}.away`);
    try {
      const r = await verify(['--env', 'staging']);
      expect(r.exitCode).toBe(4);
      expect(r.codes).toContain('error PRISMA_MISSING staging');
      expect(r.codes).toContain('error MIGRATION_FAILED staging');
    } finally {
      renameSync(`${bin}.away`, bin);
    }
  });
});
