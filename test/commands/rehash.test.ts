// hotfix rehash's decisions, in-process on fakes of the ports, along the path after a hotfix
// migration fails, run from prisma/ and src/ as people do (-C): refused while the failed row
// stands, verify.sql generated again from the fixed SQL, nothing to rehash, refused once applied;
// and the CI gate green offline after finish. The same path on real PostgreSQL, git and Prisma is
// test/e2e/fix-redeploy-postgres.test.ts.
import { describe, expect, test } from 'vitest';
import { fakeProject, rowStates, startWithSql } from '../support/fakes/index.js';

const TABLE = `CREATE TABLE "AuditLog" ("id" SERIAL NOT NULL, "userId" INTEGER NOT NULL, "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP, CONSTRAINT "AuditLog_pkey" PRIMARY KEY ("id"));\n`;
const BAD = `${TABLE}UPDATE "User" SET "nope" = 1 WHERE "id" < 0;\n`;
const DOWN = 'DROP TABLE "AuditLog";\n';

describe.sequential('failed, rolled back, fixed, rehashed, deployed', () => {
  const fx = fakeProject();
  // An application folder beside prisma/, where a developer's shell often is.
  fx.write('src/index.ts', 'export {};\n');
  fx.git.commitAll('app source');
  fx.git.branches.set('develop', fx.git.branches.get('main')!);
  let migration: string;
  const sqlFile = () => `prisma/migrations/${migration}/migration.sql`;
  const inPrisma = (args: string[]) => fx.run(['-C', 'prisma', ...args]);
  const inSrc = (args: string[]) => fx.run(['-C', 'src', ...args]);
  const withoutUpdate = () => fx.read(sqlFile())!.replace(/UPDATE[^\n]*\n/, '');

  test('deploy to staging fails; rehash of the edited file is refused while the failed row stands', async () => {
    migration = await startWithSql(fx, 'audit-log', BAD, DOWN);
    fx.staging.failOn = {
      migration,
      databaseCode: '42703',
      message: 'column "nope" of relation "User" does not exist',
    };
    const failed = await inSrc(['deploy', 'audit-log', '--env', 'staging']);
    expect(failed.exitCode, failed.stderr).toBe(1);
    fx.staging.failOn = undefined;
    expect(rowStates(fx.staging, migration)).toEqual(['failed']);

    const original = fx.read(sqlFile())!;
    fx.write(sqlFile(), withoutUpdate());
    const head = await fx.git.head();
    const refused = await inPrisma(['rehash', 'audit-log', '--reason', 'drop the bad UPDATE']);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain('REHASH_APPLIED');
    expect(refused.stderr).toContain('hotfix rollback audit-log --env staging');
    expect(await fx.git.head()).toBe(head);
    fx.write(sqlFile(), original); // git checkout -- .
    expect(await fx.git.dirtyPaths()).toEqual([]);
  });

  test('after the rollback, rehash generates verify.sql again; a second rehash has nothing to do', async () => {
    const rolled = await inSrc(['rollback', 'audit-log', '--env', 'staging']);
    expect(rolled.exitCode, rolled.stdout + rolled.stderr).toBe(0);
    expect(rowStates(fx.staging, migration)).toEqual(['rolled-back']);

    fx.write(sqlFile(), withoutUpdate());
    const rehash = await inPrisma(['rehash', 'audit-log', '--reason', 'drop the bad UPDATE']);
    expect(rehash.exitCode, rehash.stderr).toBe(0);
    // verify.sql was generated from the UPDATE that is gone: rehash generated it again.
    expect(rehash.stdout).toContain(`${migration}/verify.sql was generated again`);
    expect(fx.read(`prisma/migrations/${migration}/verify.sql`)).not.toContain('nope');
    expect(await fx.git.dirtyPaths()).toEqual([]);

    const head = await fx.git.head();
    const again = await inPrisma(['rehash', 'audit-log', '--reason', 'again']);
    expect(again.exitCode).toBe(2);
    expect(again.stderr).toContain('REHASH_NOTHING');
    expect(await fx.git.head()).toBe(head);

    for (const env of ['staging', 'production']) {
      const r = await inSrc(['deploy', 'audit-log', '--env', env, '--yes']);
      expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    }
    expect(rowStates(fx.staging, migration)).toEqual(['rolled-back', 'applied']);
    expect(rowStates(fx.prod, migration)).toEqual(['applied']);
  });

  test('once applied, an edit cannot be rehashed: refused, with the roll-forward path', async () => {
    const fixed = fx.read(sqlFile())!;
    fx.write(sqlFile(), `${TABLE}-- an afterthought\n`);
    const head = await fx.git.head();
    const r = await inPrisma(['rehash', 'audit-log', '--reason', 'afterthought']);
    fx.write(sqlFile(), fixed);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('REHASH_APPLIED');
    expect(r.stderr).toContain('roll forward');
    expect(await fx.git.head()).toBe(head);
  });

  test('finish (from src/) merges back; verify is green offline from src/', async () => {
    const finished = await inSrc(['finish', 'audit-log', '--no-bump', '--no-tag']);
    expect(finished.exitCode, finished.stdout + finished.stderr).toBe(0);
    expect(await fx.git.currentBranch()).toBe('main');
    const offline = await inSrc(['verify', '--json']);
    expect(offline.exitCode, offline.stdout).toBe(0);
    expect(offline.json.ok).toBe(true);
  });
});
