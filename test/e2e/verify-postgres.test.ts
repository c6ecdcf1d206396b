// hotfix verify on real PostgreSQL with the real Prisma 7 CLI, after a hotfix was deployed to
// both environments and merged back: a manual change in the database found as drift (prisma
// migrate diff) while a pending migration is not, a failed migration's logs as PostgreSQL wrote
// them, and an unreachable database. Each finding's decision (merge-back, checksums, a deleted
// folder, templates, exit codes, the text report) is tested in-process:
// test/commands/verify.test.ts.
import path from 'node:path';
import { rmSync, writeFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { pgQuery } from '../support/db.js';
import { git } from '../support/git.js';
import { runHotfix } from '../support/hotfix.js';
import { runVerify } from '../support/verify.js';
import { PROD_ENV, useTwoEnvProject } from '../support/scenario.js';

describe.sequential('hotfix verify (PostgreSQL)', () => {
  let dir: string;
  const verify = (args: string[], env: Record<string, string> = {}) =>
    runVerify(dir, args, { ...s.env, ...env });

  const s = useTwoEnvProject({ provider: 'postgresql', prefix: 'verify_pg' }, async (s) => {
    dir = s.project.dir;
    git(dir, 'branch', 'develop');
    const sqlFile = path.join(dir, '..', 'fix.sql');
    writeFileSync(sqlFile, 'CREATE INDEX CONCURRENTLY "User_name_idx" ON "User"("name");\n');
    // The schema check after --sql is tested in start-checks-postgres; here it would only cost a diff.
    const started = await runHotfix(
      dir,
      ['start', 'user-name-idx', '--sql', sqlFile, '--json', '--no-schema-check'],
      s.env,
    );
    expect(started.exitCode, started.stderr).toBe(0);
    const migration = JSON.parse(started.stdout).migration.name as string;
    writeFileSync(
      path.join(dir, 'prisma', 'migrations', migration, 'down.sql'),
      'DROP INDEX CONCURRENTLY IF EXISTS "User_name_idx";\n',
    );
    git(dir, 'commit', '-qam', 'down.sql');
    for (const env of ['production', 'staging']) {
      const r = await runHotfix(dir, ['deploy', 'user-name-idx', '--env', env, '--yes'], s.env);
      expect(r.exitCode, r.stderr).toBe(0);
    }
    // Merged back: the clean state every test below starts from (hotfix verify passes on it on
    // both environments: guide-postgres and fix-redeploy-postgres check that, for real).
    git(dir, 'checkout', '-q', 'main');
    git(dir, 'merge', '-q', '--no-ff', '-m', 'merge hotfix', 'hotfix/user-name-idx');
    git(dir, 'checkout', '-q', 'develop');
    git(dir, 'merge', '-q', 'main');
    git(dir, 'checkout', '-q', 'main');
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
      rmSync(path.join(dir, 'prisma', 'migrations', '20990101000000_add_nickname'), { recursive: true });
    }
  });

  test("a failed hotfix migration, with PostgreSQL's error in its logs; production unreachable meanwhile: exit 4, staging still reported, no password printed", async () => {
    const sqlFile = path.join(dir, '..', 'bad.sql');
    writeFileSync(sqlFile, 'UPDATE "User" SET "nope" = 1 WHERE "id" < 0;\n');
    const started = await runHotfix(dir, ['start', 'bad-fix', '--sql', sqlFile, '--no-schema-check'], s.env);
    expect(started.exitCode, started.stderr).toBe(0);
    const deployed = await runHotfix(dir, ['deploy', 'bad-fix', '--env', 'staging'], s.env);
    expect(deployed.exitCode, deployed.stderr).toBe(1);

    const r = await verify(['--env', 'production', '--env', 'staging'], {
      [PROD_ENV]: 'postgresql://postgres:pw-canary-7@127.0.0.1:1/nowhere',
    });
    expect(r.exitCode).toBe(4);
    expect(r.doc.ok).toBe(false);
    // No drift on staging: the history compared with the database leaves the failed migration out.
    expect(r.codes).toEqual([
      'error DB_UNREACHABLE production',
      'error HOTFIX_DOWN_TEMPLATE -',
      'error MIGRATION_FAILED staging',
    ]);
    const failedFinding = r.findings.find((f) => f.code === 'MIGRATION_FAILED')!;
    expect(failedFinding).toMatchObject({ hotfix: 'bad-fix' });
    expect(failedFinding.details!.logs).toContain('column "nope" of relation "User" does not exist');
    expect(r.doc.checked!.envs.map((e) => [e.name, e.checked, e.drift])).toEqual([
      ['production', false, 'not-checked'],
      ['staging', true, 'none'],
    ]);
    expect(r.stdout + r.stderr).not.toContain('pw-canary-7');
  });
});
