// The path after a hotfix migration fails, end to end on real PostgreSQL, run the way people
// do from wherever their shell is (prisma/ and src/ of the project): rollback of the failed
// attempt, fix migration.sql, rehash, deploy everywhere, finish, and the CI gate is green.
// The hotfix creates a table and its down.sql drops it: the expected reverse, not a finding.
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

  test('a table-creating hotfix whose down.sql drops it: offline verify exits 0', async () => {
    const r = await runVerify(s.project.dir, [], s.env);
    expect(r.exitCode, r.stdout).toBe(0);
    expect(r.codes.filter((c) => c.startsWith('error'))).toEqual([]);
  });

  test('deploy to staging fails; rehash of the edited file is refused while the failed row stands', async () => {
    const failed = await inSrc(['deploy', 'audit-log', '--env', 'staging']);
    expect(failed.exitCode, failed.stderr).toBe(1);
    expect(await rows(s.stagingUrl)).toEqual(['failed']);

    writeFileSync(
      path.join(folder, 'migration.sql'),
      readFileSync(path.join(folder, 'migration.sql'), 'utf8').replace(/UPDATE[^\n]*\n/, ''),
    );
    const refused = await inPrisma(['rehash', 'audit-log', '--reason', 'drop the bad UPDATE']);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain('REHASH_APPLIED');
    expect(refused.stderr).toContain('hotfix rollback audit-log --env staging');
    git(s.project.dir, 'checkout', '--', '.');
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
    // verify.sql was generated from the UPDATE that is gone: rehash generated it again.
    expect(rehash.stdout).toContain(`${migration}/verify.sql was generated again`);
    expect(readFileSync(path.join(folder, 'verify.sql'), 'utf8')).not.toContain('nope');
    expect(git(s.project.dir, 'status', '--porcelain')).toBe('');

    const again = await inPrisma(['rehash', 'audit-log', '--reason', 'again']);
    expect(again.exitCode).toBe(2);
    expect(again.stderr).toContain('REHASH_NOTHING');

    for (const env of ['staging', 'production']) {
      const r = await inSrc(['deploy', 'audit-log', '--env', env, '--yes']);
      expect(r.exitCode, r.stdout + r.stderr).toBe(0);
      expect(await pgTables(env === 'staging' ? s.stagingUrl : s.prodUrl)).toContain('AuditLog');
    }
    expect(await rows(s.stagingUrl)).toEqual(['rolled-back', 'applied']);
    expect(await rows(s.prodUrl)).toEqual(['applied']);
  });

  test('once applied, an edit cannot be rehashed: refused, with the roll-forward path', async () => {
    writeFileSync(path.join(folder, 'migration.sql'), `${TABLE}-- an afterthought\n`);
    const r = await inPrisma(['rehash', 'audit-log', '--reason', 'afterthought']);
    git(s.project.dir, 'checkout', '--', '.');
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('REHASH_APPLIED');
    expect(r.stderr).toContain('roll forward');
  });

  test('finish (from src/) merges back; verify is green offline and on both environments', async () => {
    const finished = await inSrc(['finish', 'audit-log', '--no-bump', '--no-tag']);
    expect(finished.exitCode, finished.stdout + finished.stderr).toBe(0);
    expect(git(s.project.dir, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe('main');

    const offline = await runVerify(path.join(s.project.dir, 'src'), [], s.env);
    expect(offline.exitCode, offline.stdout).toBe(0);
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
