// The database connection goes away mid-step (the server ends the waiting session with
// pg_terminate_backend while it waits on a lock): no false "done", a named cause, and the next
// run settles the step and finishes (real PostgreSQL, real Prisma CLI). Covered: prisma's session
// in deploy, in a roll-forward and in resolve's `migrate resolve --applied`, and hotfix's own
// session running down.sql in an in-place rollback of a failed migration.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { pgColumns, pgQuery, rowStates, waitingPid } from '../support/db.js';
import { git } from '../support/git.js';
import { AS_IS, ledgerEvents, runHotfix, startHotfix, startWithSql } from '../support/hotfix.js';
import { createTwoEnvProject, type TwoEnvProject, useTwoEnvProject } from '../support/scenario.js';

/** Runs hotfix while `lock` holds a table lock, and ends hotfix's waiting session from the server. */
async function terminatedWhileWaiting(
  s: TwoEnvProject,
  url: string,
  lock: string,
  args: string[],
): Promise<Awaited<ReturnType<typeof startHotfix>>> {
  const holder = new pg.Client({ connectionString: url });
  await holder.connect();
  try {
    await holder.query('BEGIN');
    await holder.query(lock);
    const child = startHotfix(s.project.dir, args, s.env);
    const pid = await waitingPid(url);
    await holder.query('SELECT pg_terminate_backend($1)', [pid]);
    return await child;
  } finally {
    await holder.query('ROLLBACK').catch(() => undefined);
    await holder.end();
  }
}

/**
 * The run that lost its connection: exit 4 DB_CONNECTION_LOST saying `says`, no "bug", no `done`
 * outcome of hotfix `name` in its ledger, and the tree clean.
 */
function expectLostNotDone(
  s: TwoEnvProject,
  r: { exitCode?: number | undefined; stdout: string; stderr: string },
  says: string,
  name: string,
  done: string,
): void {
  expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(4);
  expect(r.stderr).toContain('DB_CONNECTION_LOST');
  expect(r.stderr).toContain(says);
  expect(r.stderr).not.toMatch(/bug|Unexpected/i);
  expect(ledgerEvents(s, name).filter((e) => e.type === done && e.outcome === 'ok')).toEqual([]);
  expect(git(s.project.dir, 'status', '--porcelain')).toBe('');
}

describe.sequential('the connection is lost during deploy (PostgreSQL)', () => {
  let migration: string;
  const USER_LOCK = 'LOCK TABLE "User" IN ACCESS EXCLUSIVE MODE';

  const s = useTwoEnvProject({ provider: 'postgresql', prefix: 'connlost' }, async (s) => {
    migration = await startWithSql(
      s,
      'lost',
      'ALTER TABLE "User" ADD COLUMN "lost" TEXT;\n',
      'ALTER TABLE "User" DROP COLUMN "lost";\n',
      ['--lock-timeout', '60s'],
    );
  });

  test('prisma session terminated: not recorded as done, nothing applied; the next run finishes', async () => {
    const r = await terminatedWhileWaiting(s, s.stagingUrl, USER_LOCK, [
      'deploy',
      'lost',
      '--env',
      'staging',
    ]);
    expectLostNotDone(s, r, 'nothing of it was applied', 'lost', 'deployed');
    expect(await pgColumns(s.stagingUrl, 'User')).not.toContain('lost');

    // Its FAILED row is settled already: a plain retry works.
    expect(await rowStates(s.stagingUrl, migration)).toEqual(['rolled-back']);
    const next = await runHotfix(s.project.dir, ['deploy', 'lost', '--env', 'staging'], s.env);
    expect(next.exitCode, next.stdout + next.stderr).toBe(0);
    expect(await pgColumns(s.stagingUrl, 'User')).toContain('lost');
  });

  test('rollback: the session of the revert migration terminated: not recorded as done; the next rollback finishes', async () => {
    const r = await terminatedWhileWaiting(s, s.stagingUrl, USER_LOCK, [
      'rollback',
      'lost',
      '--env',
      'staging',
      '--everywhere',
    ]);
    expectLostNotDone(s, r, 'hotfix rollback lost --env staging', 'lost', 'rolled-forward');
    expect(await pgColumns(s.stagingUrl, 'User')).toContain('lost');

    const next = await runHotfix(
      s.project.dir,
      ['rollback', 'lost', '--env', 'staging', '--everywhere'],
      s.env,
    );
    expect(next.exitCode, next.stdout + next.stderr).toBe(0);
    expect(await pgColumns(s.stagingUrl, 'User')).not.toContain('lost');
  });
});

describe.sequential('the connection is lost during resolve and an in-place rollback (PostgreSQL)', () => {
  let s: TwoEnvProject;

  beforeAll(async () => {
    s = await createTwoEnvProject({ provider: 'postgresql', prefix: 'connlost2' });
  });
  afterAll(async () => {
    await s?.cleanup();
  });

  test("resolve: prisma's session terminated while it marks the row: not resolved; the next resolve finishes", async () => {
    const migration = await startWithSql(
      s,
      'by-hand',
      'CREATE INDEX CONCURRENTLY "User_email_lost_idx" ON "User" (lower("email"));\n',
      'DROP INDEX CONCURRENTLY IF EXISTS "User_email_lost_idx";\n',
    );
    await pgQuery(s.stagingUrl, 'CREATE INDEX "User_email_lost_idx" ON "User" (lower(email))');
    // EXCLUSIVE lets hotfix read _prisma_migrations but makes prisma's INSERT of the row wait.
    const r = await terminatedWhileWaiting(
      s,
      s.stagingUrl,
      'LOCK TABLE "_prisma_migrations" IN EXCLUSIVE MODE',
      ['resolve', 'by-hand', '--env', 'staging'],
    );
    expectLostNotDone(s, r, 'hotfix resolve by-hand --env staging', 'by-hand', 'resolved');
    expect(await rowStates(s.stagingUrl, migration)).toEqual([]);

    const next = await runHotfix(s.project.dir, ['resolve', 'by-hand', '--env', 'staging'], s.env);
    expect(next.exitCode, next.stdout + next.stderr).toBe(0);
    expect(await rowStates(s.stagingUrl, migration)).toEqual(['applied']);
  });

  test("rollback in place: hotfix's session running down.sql terminated: not marked; the next rollback finishes", async () => {
    // Prisma applies this file statement by statement up to the COMMIT: the column stays.
    const migration = await startWithSql(
      s,
      'half',
      'ALTER TABLE "Post" ADD COLUMN "half" TEXT;\nCOMMIT;\nUPDATE "Post" SET "no_such_column" = 1;\n',
      'ALTER TABLE "Post" DROP COLUMN "half";\n',
      AS_IS,
    );
    const failed = await runHotfix(s.project.dir, ['deploy', 'half', '--env', 'staging'], s.env);
    expect(failed.exitCode, failed.stderr).toBe(1);
    expect(await pgColumns(s.stagingUrl, 'Post')).toContain('half');

    const r = await terminatedWhileWaiting(s, s.stagingUrl, 'LOCK TABLE "Post" IN ACCESS EXCLUSIVE MODE', [
      'rollback',
      'half',
      '--env',
      'staging',
      '--lock-timeout',
      '60s',
    ]);
    expectLostNotDone(s, r, 'hotfix rollback half --env staging', 'half', 'rolled-back');
    expect(await pgColumns(s.stagingUrl, 'Post')).toContain('half');
    expect(await rowStates(s.stagingUrl, migration)).toEqual(['failed']);

    const next = await runHotfix(s.project.dir, ['rollback', 'half', '--env', 'staging'], s.env);
    expect(next.exitCode, next.stdout + next.stderr).toBe(0);
    expect(await pgColumns(s.stagingUrl, 'Post')).not.toContain('half');
    expect(await rowStates(s.stagingUrl, migration)).toEqual(['rolled-back']);
  });
});
