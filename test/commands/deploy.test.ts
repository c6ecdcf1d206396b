// hotfix deploy's decisions, in-process on fakes of the ports (no database, no git process).
import { beforeAll, describe, expect, it, test } from 'vitest';
import {
  AS_IS,
  events,
  fakeProject,
  INIT,
  leaveIntent,
  rowStates,
  snapshot,
  startWithSql,
  type FakeProject,
} from '../support/fakes/index.js';

async function started(fx: FakeProject, name = 'post-author-index') {
  fx.write('fix.sql', 'CREATE INDEX "Post_authorId_idx" ON "Post"("authorId");\n');
  const r = await fx.run(['start', name, '--sql', 'fix.sql', '--json', '--no-schema-check']);
  expect(r.exitCode, r.stderr).toBe(0);
  return r.json.migration.name as string;
}

describe('deploy (in-process, fakes)', () => {
  it('applies the hotfix on staging and records it', async () => {
    const fx = fakeProject();
    const migration = await started(fx);
    const r = await fx.run(['deploy', 'post-author-index', '--env', 'staging', '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ ok: true, applied: [migration] });
    expect(fx.staging.latest(migration)?.finishedAt).toBeTruthy();
    expect(fx.prod.latest(migration)).toBeUndefined();
    expect(fx.ledger('post-author-index').events.map((e) => `${e.type}:${e.outcome}`)).toContain(
      'deployed:ok',
    );
    expect(await fx.git.dirtyPaths()).toEqual(['fix.sql']);
  });
});

describe.sequential('another pending migration (deploy-postgres)', () => {
  let fx: FakeProject;
  let migration: string;
  const names = () => fx.prod.rows!.map((r) => r.migrationName);

  beforeAll(async () => {
    fx = fakeProject();
    // A teammate's migration, merged to main but not deployed yet.
    fx.write(
      'prisma/migrations/20250101000000_add_nickname/migration.sql',
      'ALTER TABLE "User" ADD COLUMN "nickname" TEXT;\n',
    );
    fx.git.commitAll('add nickname');
    // As written (start would make it CONCURRENTLY): the deploy gate is what this tests.
    migration = await startWithSql(
      fx,
      'title-index',
      'CREATE INDEX "Post_title_idx" ON "Post"("title");\n',
      'DROP INDEX "Post_title_idx";\n',
      AS_IS,
    );
  });

  test('is refused with exit 2, naming it; nothing applied or recorded', async () => {
    const before = await snapshot(fx);
    const r = await fx.run(['deploy', 'title-index', '--env', 'production', '--yes']);
    expect(r.exitCode, r.stderr).toBe(2);
    expect(r.stderr).toContain('20250101000000_add_nickname');
    expect(r.stderr).toContain('--include-pending');
    expect(names()).toEqual([INIT]);
    expect(fx.prisma.calls).toEqual([]);
    expect(await snapshot(fx)).toEqual(before);
  });

  test('an index built without CONCURRENTLY is blocked on protected production (exit 1), nothing applied', async () => {
    const before = await snapshot(fx);
    const r = await fx.run(['deploy', 'title-index', '--env', 'production', '--yes', '--include-pending']);
    expect(r.exitCode, r.stderr).toBe(1);
    expect(r.stderr).toContain('create-index-non-concurrently');
    expect(r.stderr).toContain('--accept-risk --reason');
    expect(names()).toEqual([INIT]);
    expect(await snapshot(fx)).toEqual(before);
    const noReason = await fx.run(['deploy', 'title-index', '--env', 'production', '--yes', '--accept-risk']);
    expect(noReason.exitCode).toBe(2);
    expect(noReason.stderr).toContain('--accept-risk needs --reason');
    expect(fx.prisma.calls).toEqual([]);
  });

  test('with --include-pending and the risk accepted on record, both apply and the hotfix is recorded as deployed', async () => {
    const r = await fx.run([
      'deploy',
      'title-index',
      '--env',
      'production',
      '--yes',
      '--include-pending',
      '--accept-risk',
      '--reason',
      'Post is small, the lock lasts ms',
    ]);
    expect(r.exitCode, r.stderr).toBe(0);
    const intent = fx.ledger('title-index').events.find((e) => e.type === 'intent');
    expect(intent).toMatchObject({
      reason: 'Post is small, the lock lasts ms',
      details: { acceptedRisk: expect.arrayContaining(['create-index-non-concurrently']) },
    });
    expect(names()).toEqual([INIT, '20250101000000_add_nickname', migration]);
    expect(fx.prod.rows!.every((row) => row.finishedAt)).toBe(true);
    expect(events(fx, 'title-index').slice(-2)).toEqual(['intent:pending', 'deployed:ok']);
    expect(await fx.git.dirtyPaths()).toEqual([]);
  });
});

describe.sequential('a failing hotfix (deploy-postgres)', () => {
  let fx: FakeProject;
  beforeAll(async () => {
    fx = fakeProject();
    const migration = await startWithSql(
      fx,
      'bad-fix',
      'SET lock_timeout = \'5s\';\nSET statement_timeout = \'60s\';\nALTER TABLE "User" ADD COLUMN "flag" BOOLEAN;\nUPDATE "User" SET "nope" = 1 WHERE "id" < 0;\n',
      'ALTER TABLE "User" DROP COLUMN IF EXISTS "flag";\n',
    );
    fx.prod.failOn = {
      migration,
      databaseCode: '42703',
      message: 'column "nope" of relation "User" does not exist',
    };
  });

  test('exit 1 with P3018 and the database error; recorded as failed; status says FAILED', async () => {
    const r = await fx.run(['deploy', 'bad-fix', '--env', 'production', '--yes']);
    expect(r.exitCode, r.stderr).toBe(1);
    expect(r.stderr).toContain('P3018');
    expect(r.stderr).toContain('column "nope" of relation "User" does not exist');
    expect(fx.ledger('bad-fix').events.at(-1)).toMatchObject({
      type: 'deployed',
      outcome: 'failed',
      env: { name: 'production' },
      details: { code: 'P3018', databaseCode: '42703' },
    });
    const status = await fx.run(['status', 'bad-fix']);
    expect(status.stdout).toMatch(/production\s+FAILED P3018/);
  });

  test('a second deploy is refused while the migration is failed (P3009), pointing to rollback', async () => {
    const before = await snapshot(fx);
    const calls = fx.prisma.calls.length;
    const r = await fx.run(['deploy', 'bad-fix', '--env', 'production', '--yes']);
    expect(r.exitCode, r.stderr).toBe(2);
    expect(r.stderr).toContain('P3009');
    expect(r.stderr).toContain('hotfix rollback bad-fix --env production');
    expect(fx.prisma.calls.slice(calls)).toEqual([]);
    expect(await snapshot(fx)).toEqual(before);
  });
});

describe('infrastructure failures and usage errors (deploy-postgres)', () => {
  test("Prisma's migration lock held elsewhere: nothing ran, so nothing is recorded", async () => {
    const fx = fakeProject();
    await startWithSql(
      fx,
      'email-index',
      'CREATE INDEX CONCURRENTLY "User_name_idx" ON "User"("name");\n',
      'DROP INDEX CONCURRENTLY IF EXISTS "User_name_idx";\n',
    );
    fx.prod.lockHolder = 'pid 4242 (prisma migrate deploy)';
    const before = fx.ledger('email-index').events;
    const head = await fx.git.head();
    const r = await fx.run(['deploy', 'email-index', '--env', 'production', '--yes']);
    expect(r.exitCode, r.stderr).toBe(4);
    expect(r.stderr).toContain('P1002');
    expect(r.stderr).toContain('nothing was applied');
    expect(r.stderr).toContain('nothing was recorded');
    expect(fx.ledger('email-index').events).toEqual(before);
    expect(await fx.git.head()).toBe(head);
    const status = await fx.run(['status', 'email-index', '--json']);
    expect(status.json.hotfixes[0].envs).toEqual([]);
  });

  test('missing and malformed URLs are usage errors (exit 2) that never echo the value', async () => {
    // No hotfix.config.json: production is $DATABASE_URL, protected.
    const fx = fakeProject({ config: null });
    await startWithSql(fx, 'email-index', 'CREATE INDEX CONCURRENTLY "User_name_idx" ON "User"("name");\n');
    const argv = ['deploy', 'email-index', '--env', 'production', '--yes'];
    const before = await snapshot(fx);
    const missing = await fx.run(argv, { DATABASE_URL: '' });
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain('$DATABASE_URL, which is not set');
    const malformed = await fx.run(argv, { DATABASE_URL: 'postgresql://u:pw-canary-2@/' });
    expect(malformed.exitCode).toBe(2);
    expect(malformed.stderr).toContain('not a usable database URL');
    expect(malformed.stderr + malformed.stdout).not.toContain('pw-canary-2');
    const unknown = await fx.run(['deploy', 'email-index', '--env', 'qa', '--yes']);
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toContain('Unknown environment "qa"');
    expect(await snapshot(fx)).toEqual(before);
    expect(fx.prisma.calls).toEqual([]);
  });
});

describe('an interrupted resolve, settled by the next deploy (plan-fixes)', () => {
  // Typed ("resolve-applied") and as older ledgers wrote it ("migrate resolve --applied").
  test.each(['resolve-applied', 'migrate resolve --applied'])(
    'a resolve killed after prisma marked it, then deploy: recorded as resolved, not deployed (%s)',
    async (action) => {
      const fx = fakeProject();
      const name = action === 'resolve-applied' ? 'idx-typed' : 'idx-legacy';
      const index = `Post_${name.replace('-', '_')}_idx`;
      const sql = `CREATE INDEX "${index}" ON "Post"("title");\n`;
      const migration = await startWithSql(fx, name, sql, `DROP INDEX "${index}";\n`);
      // Production patched by hand; the resolve's prisma child finished before hotfix was killed.
      fx.prod.sql.push(sql);
      fx.prod.row(migration, fx.read(`prisma/migrations/${migration}/migration.sql`)!).appliedStepsCount = 0;
      leaveIntent(fx, name, {
        command: 'resolve',
        migration,
        env: 'production',
        details: { action, check: 'catalog check: index present' },
      });

      const r = await fx.run(['deploy', name, '--env', 'production', '--yes']);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stdout).toContain(
        `an earlier resolve was interrupted; the database shows ${migration} applied: recorded as done`,
      );
      expect(r.stdout).toContain('already applied');
      expect(events(fx, name).slice(-2)).toEqual(['intent:pending', 'resolved:ok']);
      const status = await fx.run(['status', name, '--json']);
      expect(status.json.hotfixes[0].envs).toEqual([
        expect.objectContaining({ name: 'production', state: 'resolved' }),
      ]);
      expect(await fx.git.dirtyPaths()).toEqual([]);
      // Applied once, by hand: deploy ran nothing.
      expect(rowStates(fx.prod, migration)).toEqual(['applied']);
      expect(fx.prisma.calls).not.toContain('deploy');
    },
  );
});

describe('--backup says what it saved', () => {
  test('a progress line names the rows and the folder', async () => {
    const fx = fakeProject();
    await startWithSql(fx, 'purge', 'DELETE FROM "Post" WHERE "authorId" = 7;\n', 'SELECT 1;\n', AS_IS);
    const r = await fx.run(['deploy', 'purge', '--env', 'staging', '--backup']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/Backed up 1 row\(s\) of "Post" to \.hotfix\/backups\/purge\/staging-\d+/);
  });
});

describe('a comment-only down.sql is no way back (issue 19)', () => {
  test('the deploy prompt refuses it, the checklist leaves it unticked, verify names it', async () => {
    const fx = fakeProject();
    await startWithSql(
      fx,
      'only-comments',
      'CREATE INDEX "Post_c_idx" ON "Post"("title");\n',
      '-- TODO: drop the index\n-- (a comment only)\n',
      AS_IS,
    );
    const deploy = await fx.run(['deploy', 'only-comments', '--env', 'production', '--yes', '--json']);
    expect(deploy.exitCode).toBe(2);
    expect(deploy.json.error.code).toBe('NO_ROLLBACK_PLAN');
    expect(deploy.json.error.message).toContain('holds only comments, no SQL');
    const list = await fx.run(['checklist', 'only-comments', '--phase', 'pre-deploy', '--json']);
    const plan = list.json.items.find((i: { text: string }) => i.text.startsWith('Rollback plan ready'));
    expect(plan.done).toBe(false);
    const verify = await fx.run(['verify', '--json']);
    expect(verify.json.findings.map((f: { code: string }) => f.code)).toContain('HOTFIX_DOWN_EMPTY');
  });
});
