// The path after a hotfix migration fails, end to end on real PostgreSQL, run the way people
// do from wherever their shell is (prisma/ and src/ of the project): rollback of the failed
// attempt, fix migration.sql, rehash, deploy everywhere (Prisma applies a rolled-back migration
// again), finish, and the CI gate is green. The hotfix creates a table and its down.sql drops
// it: the expected reverse, not a finding. What rehash and verify decide on the way (refused
// while a row stands, verify.sql generated again, nothing to rehash) is tested in-process:
// test/commands/rehash.test.ts, verify.test.ts.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { pgTables, rowStates } from '../support/db.js';
import { git } from '../support/git.js';
import { runHotfix, startWithSql } from '../support/hotfix.js';
import { runVerify } from '../support/verify.js';
import { useTwoEnvProject } from '../support/scenario.js';

const TABLE = `CREATE TABLE "AuditLog" ("id" SERIAL NOT NULL, "userId" INTEGER NOT NULL, "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP, CONSTRAINT "AuditLog_pkey" PRIMARY KEY ("id"));\n`;
const BAD = `${TABLE}UPDATE "User" SET "nope" = 1 WHERE "id" < 0;\n`;
const DOWN = 'DROP TABLE "AuditLog";\n';

describe.sequential('failed, rolled back, fixed, rehashed, deployed: verify ends green', () => {
  let migration: string;
  let folder: string;
  const inPrisma = (args: string[]) => runHotfix(path.join(s.project.dir, 'prisma'), args, s.env);
  const inSrc = (args: string[]) => runHotfix(path.join(s.project.dir, 'src'), args, s.env);
  const rows = (url: string) => rowStates(url, migration);

  const s = useTwoEnvProject({ provider: 'postgresql', prefix: 'fix_redeploy' }, async (s) => {
    // An application folder beside prisma/, where a developer's shell often is.
    mkdirSync(path.join(s.project.dir, 'src'));
    writeFileSync(path.join(s.project.dir, 'src', 'index.ts'), 'export {};\n');
    git(s.project.dir, 'add', '-A');
    git(s.project.dir, 'commit', '-qm', 'app source');
    git(s.project.dir, 'branch', 'develop');
    migration = await startWithSql(s, 'audit-log', BAD, DOWN);
    folder = path.join(s.project.migrationsDir, migration);
  });

  test('deploy to staging fails (from src/) and is recorded failed there', async () => {
    const failed = await inSrc(['deploy', 'audit-log', '--env', 'staging']);
    expect(failed.exitCode, failed.stderr).toBe(1);
    expect(await rows(s.stagingUrl)).toEqual(['failed']);
  });

  test('rollback of the failed attempt (from src/), then fix, rehash (from prisma/), deploy', async () => {
    const rolled = await inSrc(['rollback', 'audit-log', '--env', 'staging']);
    expect(rolled.exitCode, rolled.stdout + rolled.stderr).toBe(0);
    expect(await rows(s.stagingUrl)).toEqual(['rolled-back']);
    expect(await pgTables(s.stagingUrl)).not.toContain('AuditLog');

    const sql = readFileSync(path.join(folder, 'migration.sql'), 'utf8').replace(/UPDATE[^\n]*\n/, '');
    writeFileSync(path.join(folder, 'migration.sql'), sql);
    const rehash = await inPrisma(['rehash', 'audit-log', '--reason', 'drop the bad UPDATE']);
    expect(rehash.exitCode, rehash.stderr).toBe(0);
    expect(git(s.project.dir, 'status', '--porcelain')).toBe('');

    for (const env of ['staging', 'production']) {
      const r = await inSrc(['deploy', 'audit-log', '--env', env, '--yes']);
      expect(r.exitCode, r.stdout + r.stderr).toBe(0);
      expect(await pgTables(env === 'staging' ? s.stagingUrl : s.prodUrl)).toContain('AuditLog');
    }
    expect(await rows(s.stagingUrl)).toEqual(['rolled-back', 'applied']);
    expect(await rows(s.prodUrl)).toEqual(['applied']);
  });

  test('finish (from src/) merges back; verify is green on both environments', async () => {
    const finished = await inSrc(['finish', 'audit-log', '--no-bump', '--no-tag']);
    expect(finished.exitCode, finished.stdout + finished.stderr).toBe(0);
    expect(git(s.project.dir, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe('main');

    const online = await runVerify(
      path.join(s.project.dir, 'prisma'),
      ['--env', 'production', '--env', 'staging'],
      s.env,
    );
    expect(online.exitCode, online.stdout).toBe(0);
    // Only the note that rolling back drops the table with its new rows; it asks for no edit.
    expect(online.codes.filter((c) => !c.startsWith('info'))).toEqual(['warning LINT_WARNING -']);
    expect(online.findings.find((f) => f.code === 'LINT_WARNING')).toMatchObject({
      message: expect.stringContaining('expected in down.sql'),
      fix: expect.stringMatching(/^Nothing to change in down\.sql/),
    });
  });
});
