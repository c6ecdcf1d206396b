// hotfix rollback's decisions, in-process on fakes of the ports: what it refuses and says, its
// dry runs, the no-ops, what it records, and where it puts a revert. What the real catalog,
// Prisma and PostgreSQL do under it is tested end to end (test/e2e/rollback-postgres.test.ts).
import { beforeAll, describe, expect, test } from 'vitest';
import {
  AS_IS,
  events,
  fakeProject,
  leaveIntent,
  rowStates,
  snapshot,
  startWithSql,
  type FakeProject,
} from '../support/fakes/index.js';

const TIMEOUTS = "SET lock_timeout = '5s';\nSET statement_timeout = '60s';\n";

describe.sequential('a failed migration with nothing applied', () => {
  let fx: FakeProject;
  let migration: string;
  const bad = `${TIMEOUTS}ALTER TABLE "User" ADD COLUMN "flag" BOOLEAN;\nUPDATE "User" SET "nope" = 1 WHERE "id" < 0;\n`;
  const rows = () => rowStates(fx.prod, migration);

  beforeAll(async () => {
    fx = fakeProject();
    migration = await startWithSql(fx, 'bad-fix', bad);
    // Without a down.sql on record: the rollback below must then say how to write one.
    fx.prod.failOn = {
      migration,
      databaseCode: '42703',
      message: 'column "nope" of relation "User" does not exist',
    };
    const r = await fx.run([
      'deploy',
      'bad-fix',
      '--env',
      'production',
      '--yes',
      '--no-rollback-plan',
      '--reason',
      'no way back yet',
    ]);
    expect(r.exitCode, r.stderr).toBe(1);
    fx.prod.failOn = undefined;
    expect(rows()).toEqual(['failed']);
  });

  test('with down.sql still the template: exit 2, says how to write it, nothing changed', async () => {
    const before = await snapshot(fx);
    const r = await fx.run(['rollback', 'bad-fix', '--env', 'production', '--yes']);
    expect(r.exitCode, r.stderr).toBe(2);
    expect(r.stderr).toContain('is still the template');
    expect(r.stderr).toContain('DROP COLUMN');
    expect(await snapshot(fx)).toEqual(before);
    expect(rows()).toEqual(['failed']);
  });

  test('--dry-run prints the plan and changes nothing', async () => {
    fx.write(`prisma/migrations/${migration}/down.sql`, 'ALTER TABLE "User" DROP COLUMN "flag";\n');
    fx.git.commitAll(`down.sql for ${migration}`);
    const before = await snapshot(fx);
    const r = await fx.run(['rollback', 'bad-fix', '--env', 'production', '--dry-run']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain('Dry run');
    expect(r.stdout).toMatch(/absent\s+column "User"\."flag"/);
    expect(r.stdout).toMatch(/skip\s+1\. ALTER TABLE "User" DROP COLUMN "flag"/);
    expect(r.stdout).toContain('would mark it rolled back');
    expect(await snapshot(fx)).toEqual(before);
    expect(rows()).toEqual(['failed']);
    expect(fx.prisma.calls.filter((c) => c.startsWith('resolve'))).toEqual([]);
  });

  test('an interrupted earlier rollback is reconciled; the migration is marked rolled back', async () => {
    // A rollback killed after its intent: the ledger ends with an unanswered intent.
    leaveIntent(fx, 'bad-fix', { command: 'rollback', migration, details: { action: 'revert', run: [1] } });
    const r = await fx.run([
      'rollback',
      'bad-fix',
      '--env',
      'production',
      '--yes',
      '--reason',
      'UPDATE names a missing column',
    ]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain(
      `an earlier rollback was interrupted; the database shows ${migration} still failed: recorded as not finished`,
    );
    expect(r.stdout).toContain('nothing of it was in the database');
    expect(r.stdout).toContain('Rollback checklist');
    expect(r.stdout).toContain('[x] Revert applied');
    expect(rows()).toEqual(['rolled-back']);
    // Nothing of it was there: down.sql did not run.
    expect(fx.prod.ran).toEqual([]);
    expect(events(fx, 'bad-fix').slice(-4)).toEqual([
      'intent:pending',
      'rolled-back:skipped',
      'intent:pending',
      'rolled-back:ok',
    ]);
    expect(await fx.git.dirtyPaths()).toEqual([]);
    const status = await fx.run(['status', 'bad-fix']);
    expect(status.stdout).toMatch(/production\s+rolled back/);
  });

  test('a second rollback is a no-op with exit 0', async () => {
    const before = await snapshot(fx);
    const r = await fx.run(['rollback', 'bad-fix', '--env', 'production', '--yes']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain('already rolled back');
    expect(await snapshot(fx)).toEqual(before);
    expect(rows()).toEqual(['rolled-back']);
  });

  test('a corrected hotfix, rehashed, then deploys', async () => {
    const folder = `prisma/migrations/${migration}`;
    fx.write(`${folder}/migration.sql`, `${TIMEOUTS}ALTER TABLE "User" ADD COLUMN "flag" BOOLEAN;\n`);
    // The UPDATE is gone, and so is what verify.sql had to prove; the way back is written now.
    fx.write(`${folder}/verify.sql`, '-- hotfix:verify\n-- No data change left to prove.\n');
    fx.write(`${folder}/down.sql`, 'ALTER TABLE "User" DROP COLUMN "flag";\n');
    const rehash = await fx.run([
      'rehash',
      'bad-fix',
      '--reason',
      'dropped the UPDATE of a column that does not exist',
    ]);
    expect(rehash.exitCode, rehash.stderr).toBe(0);
    expect(await fx.git.dirtyPaths()).toEqual([]);
    const r = await fx.run(['deploy', 'bad-fix', '--env', 'production', '--yes']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(fx.prod.sql.at(-1)).toContain('ADD COLUMN "flag"');
    expect(fx.prod.sql.at(-1)).not.toContain('nope');
    expect(rows()).toEqual(['rolled-back', 'applied']);
  });
});

describe('a failed migration applied in part', () => {
  test('a leftover down.sql cannot remove: refused, named, nothing changed; --manual after a hand fix', async () => {
    const fx = fakeProject();
    const sql = `${TIMEOUTS}ALTER TABLE "User" ADD COLUMN "legacy" TEXT;\nCREATE INDEX "User_legacy_idx" ON "User"("legacy");\n`;
    const migration = await startWithSql(
      fx,
      'legacy',
      sql,
      'DROP INDEX IF EXISTS "User_legacy_idx";\n',
      AS_IS,
    );
    // The first statement ran (by hand), then prisma migrate deploy failed on it.
    fx.prod.sql.push('ALTER TABLE "User" ADD COLUMN "legacy" TEXT;');
    fx.prod.row(migration, sql, 'failed');
    const before = await snapshot(fx);
    const r = await fx.run(['rollback', 'legacy', '--env', 'production', '--yes']);
    expect(r.exitCode, r.stderr).toBe(1);
    expect(r.stderr).toContain('column "User"."legacy" (added by statement 3 of migration.sql)');
    expect(r.stderr).toContain('ALTER TABLE "User" DROP COLUMN "legacy";');
    expect(r.stderr).toContain('Nothing was run or marked');
    expect(await snapshot(fx)).toEqual(before);
    expect(fx.prod.ran).toEqual([]);
    expect(rowStates(fx.prod, migration)).toEqual(['failed']);

    // --manual only checks: still there, so still refused.
    const manual = await fx.run(['rollback', 'legacy', '--env', 'production', '--yes', '--manual']);
    expect(manual.exitCode, manual.stderr).toBe(1);
    expect(manual.stderr).toContain('is not reverted');
    expect(rowStates(fx.prod, migration)).toEqual(['failed']);
    fx.prod.sql.push('ALTER TABLE "User" DROP COLUMN "legacy";'); // dropped by hand
    const after = await fx.run([
      'rollback',
      'legacy',
      '--env',
      'production',
      '--yes',
      '--manual',
      '--reason',
      'dropped by hand',
    ]);
    expect(after.exitCode, after.stderr).toBe(0);
    expect(after.stdout).toContain('the manual revert checked');
    expect(fx.prod.ran).toEqual([]);
    expect(rowStates(fx.prod, migration)).toEqual(['rolled-back']);
  });
});

describe.sequential('an applied migration: roll forward', () => {
  let fx: FakeProject;
  let migration: string;
  const down = () => `prisma/migrations/${migration}/down.sql`;
  const DOWN = 'ALTER TABLE "User" DROP COLUMN "score";\n';

  beforeAll(async () => {
    fx = fakeProject();
    migration = await startWithSql(
      fx,
      'add-score',
      `${TIMEOUTS}ALTER TABLE "User" ADD COLUMN "score" INTEGER;\n`,
      DOWN,
    );
    const d = await fx.run(['deploy', 'add-score', '--env', 'production', '--yes']);
    expect(d.exitCode, d.stderr).toBe(0);
  });

  test('missing down.sql: exit 2, nothing changed', async () => {
    await fx.files.remove(`${fx.dir}/${down()}`);
    const before = await snapshot(fx);
    const r = await fx.run(['rollback', 'add-score', '--env', 'production', '--everywhere', '--yes']);
    expect(r.exitCode, r.stderr).toBe(2);
    expect(r.stderr).toContain('down.sql does not exist');
    expect(await snapshot(fx)).toEqual(before);
    fx.write(down(), DOWN); // git checkout -- down.sql
    expect(await fx.git.dirtyPaths()).toEqual([]);
  });

  test('--dry-run shows the revert migration; the lint gate asks for --accept-risk', async () => {
    const before = await snapshot(fx);
    const dry = await fx.run(['rollback', 'add-score', '--env', 'production', '--everywhere', '--dry-run']);
    expect(dry.exitCode, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/Would create \d{14}_revert_add_score/);
    expect(dry.stdout).toContain(`-- hotfix:revert-of ${migration}`);
    expect(dry.stdout).toContain("SET lock_timeout = '5s';");
    expect(dry.stdout).toContain('ALTER TABLE "User" DROP COLUMN "score";');
    const gated = await fx.run(['rollback', 'add-score', '--env', 'production', '--everywhere', '--yes']);
    expect(gated.exitCode, gated.stderr).toBe(1);
    expect(gated.stderr).toContain('drop-column');
    expect(await snapshot(fx)).toEqual(before);
    expect(fx.prod.rows!.map((r) => r.migrationName)).toEqual(['20240101000000_init', migration]);
  });

  test('with the risk accepted, the revert is committed and applied; both rows stay', async () => {
    const r = await fx.run([
      'rollback',
      'add-score',
      '--env',
      'production',
      '--everywhere',
      '--yes',
      '--accept-risk',
      '--reason',
      'score breaks the leaderboard',
    ]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain('applied; both stay in _prisma_migrations');
    const revert = fx.prod.rows!.at(-1)!.migrationName;
    expect(revert).toMatch(/^\d{14}_revert_add_score$/);
    expect(rowStates(fx.prod, migration)).toEqual(['applied']);
    expect(rowStates(fx.prod, revert)).toEqual(['applied']);
    expect(await fx.git.currentBranch()).toBe('hotfix/add-score');
    expect(await fx.git.dirtyPaths()).toEqual([]);
    expect(events(fx, 'add-score').slice(-2)).toEqual(['intent:pending', 'rolled-forward:ok']);
    expect((await fx.run(['status', 'add-score'])).stdout).toMatch(/production\s+rolled forward/);
  });

  test('a second rollback is a no-op with exit 0', async () => {
    const before = await snapshot(fx);
    const rows = JSON.stringify(fx.prod.rows);
    const r = await fx.run(['rollback', 'add-score', '--env', 'production', '--yes']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain('already rolled forward');
    expect(await snapshot(fx)).toEqual(before);
    expect(JSON.stringify(fx.prod.rows)).toBe(rows);
  });

  test('never applied there (staging): nothing to undo, exit 0', async () => {
    const before = await snapshot(fx);
    const r = await fx.run(['rollback', 'add-score', '--env', 'staging']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain('never applied to staging');
    expect(await snapshot(fx)).toEqual(before);
  });
});

describe('where the run happens', () => {
  test('rollback --dry-run on the base branch refuses like the real run (NOT_ON_HOTFIX_BRANCH)', async () => {
    const fx = fakeProject();
    const migration = await startWithSql(
      fx,
      'add-karma',
      'ALTER TABLE "User" ADD COLUMN "karma" INTEGER;\n',
      'ALTER TABLE "User" DROP COLUMN "karma";\n',
    );
    const d = await fx.run(['deploy', 'add-karma', '--env', 'staging']);
    expect(d.exitCode, d.stderr).toBe(0);
    await fx.git.checkout('main');
    expect((await fx.git.merge('hotfix/add-karma', 'merge hotfix/add-karma')).merged).toBe(true);

    const before = await snapshot(fx);
    const dry = await fx.run([
      'rollback',
      'add-karma',
      '--env',
      'staging',
      '--everywhere',
      '--dry-run',
      '--json',
    ]);
    const real = await fx.run(['rollback', 'add-karma', '--env', 'staging', '--everywhere', '--json']);
    for (const r of [dry, real]) {
      expect(r.exitCode, r.stderr).toBe(2);
      expect(r.json.error).toMatchObject({ code: 'NOT_ON_HOTFIX_BRANCH' });
      expect(r.stderr).toContain('git checkout hotfix/add-karma');
    }
    expect(await snapshot(fx)).toEqual(before);
    expect(rowStates(fx.staging, migration)).toEqual(['applied']);

    // On the hotfix branch the same dry run plans the roll forward and says what it would ask.
    await fx.git.checkout('hotfix/add-karma');
    const plan = await fx.run(['rollback', 'add-karma', '--env', 'staging', '--everywhere', '--dry-run']);
    expect(plan.exitCode, plan.stderr).toBe(0);
    expect(plan.stdout).toMatch(
      /Plan\n {2}1\. write and commit prisma\/migrations\/\d{14}_revert_add_karma\/migration\.sql/,
    );
    expect(plan.stdout).toContain('prisma migrate deploy');
  });

  test('rollback after finish puts its revert migration on hotfix/<name>-revert from main', async () => {
    const fx = fakeProject();
    const name = 'post-author-index';
    await startWithSql(
      fx,
      name,
      'CREATE INDEX "Post_authorId_idx" ON "Post"("authorId");\n',
      'DROP INDEX "Post_authorId_idx";\n',
    );
    for (const env of ['staging', 'production'])
      expect((await fx.run(['deploy', name, '--env', env, '--yes'])).exitCode).toBe(0);
    const finished = await fx.run(['finish', name]);
    expect(finished.exitCode, finished.stderr).toBe(0);
    const main = fx.git.branches.get('main');
    const r = await fx.run(['rollback', name, '--env', 'staging', '--everywhere', '--yes']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(await fx.git.currentBranch()).toBe(`hotfix/${name}-revert`);
    expect(fx.git.branches.get('main')).toBe(main);
    // git log main..HEAD: the commits of the revert branch, on top of main.
    const log: string[] = [];
    for (let id = fx.git.branches.get(`hotfix/${name}-revert`); id && id !== main;) {
      const commit = fx.git.commits.get(id)!;
      log.push(commit.message);
      id = commit.parents[0];
    }
    expect(await fx.git.isAncestor(main!, `hotfix/${name}-revert`)).toBe(true);
    expect(log.join('\n')).toContain('the revert of');
    expect(r.stdout).toContain(`hotfix/${name}-revert`);
  });
});
