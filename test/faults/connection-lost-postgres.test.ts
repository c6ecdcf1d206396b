// The database connection goes away mid-step (the server ends prisma's session with
// pg_terminate_backend while it waits on a table lock): no false "done", a named cause, and the
// next run settles the step and finishes (real PostgreSQL, real Prisma CLI).
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { pgColumns, pgQuery, prismaMigrations } from '../support/db.js';
import { git } from '../support/git.js';
import { ledgerEvents, runHotfix, startHotfix, startWithSql } from '../support/hotfix.js';
import { createTwoEnvProject, type TwoEnvProject } from '../support/scenario.js';

/** The pid of the session waiting on a lock in `url`'s database. */
async function waitingPid(url: string): Promise<number> {
  for (let i = 0; i < 300; i++) {
    const rows = await pgQuery<{ pid: number }>(
      url,
      `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
    );
    if (rows[0]) return rows[0].pid;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('no session ever waited on the lock');
}

describe.sequential('the connection is lost during deploy (PostgreSQL)', () => {
  let s: TwoEnvProject;
  let migration: string;

  beforeAll(async () => {
    s = await createTwoEnvProject({ provider: 'postgresql', prefix: 'connlost' });
    migration = await startWithSql(
      s,
      'lost',
      'ALTER TABLE "User" ADD COLUMN "lost" TEXT;\n',
      'ALTER TABLE "User" DROP COLUMN "lost";\n',
      ['--lock-timeout', '60s'],
    );
  });
  afterAll(async () => {
    await s?.cleanup();
  });

  /** Runs hotfix while a table lock is held, and ends its waiting session from the server. */
  async function terminatedWhileWaiting(args: string[]) {
    const holder = new pg.Client({ connectionString: s.stagingUrl });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('LOCK TABLE "User" IN ACCESS EXCLUSIVE MODE');
      const child = startHotfix(s.project.dir, args, s.env);
      const pid = await waitingPid(s.stagingUrl);
      await holder.query('SELECT pg_terminate_backend($1)', [pid]);
      return await child;
    } finally {
      await holder.query('ROLLBACK').catch(() => undefined);
      await holder.end();
    }
  }

  test('prisma session terminated: not recorded as done, nothing applied; the next run finishes', async () => {
    const r = await terminatedWhileWaiting(['deploy', 'lost', '--env', 'staging']);
    expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(4);
    expect(r.stderr).toContain('DB_CONNECTION_LOST');
    expect(r.stderr).toContain('nothing of it was applied');
    expect(r.stderr).not.toMatch(/bug|Unexpected/i);
    expect(await pgColumns(s.stagingUrl, 'User')).not.toContain('lost');
    const done = ledgerEvents(s, 'lost').filter((e) => e.type === 'deployed' && e.outcome === 'ok');
    expect(done).toEqual([]);
    expect(git(s.project.dir, 'status', '--porcelain')).toBe('');

    // Its FAILED row is settled already: a plain retry works.
    const rows = (await prismaMigrations(s.stagingUrl)).filter((m) => m.migration_name === migration);
    expect(rows.map((m) => m.rolled_back)).toEqual([true]);
    const next = await runHotfix(s.project.dir, ['deploy', 'lost', '--env', 'staging'], s.env);
    expect(next.exitCode, next.stdout + next.stderr).toBe(0);
    expect(await pgColumns(s.stagingUrl, 'User')).toContain('lost');
  });

  test('rollback: the session of the revert migration terminated: not recorded as done; the next rollback finishes', async () => {
    const r = await terminatedWhileWaiting(['rollback', 'lost', '--env', 'staging']);
    expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(4);
    expect(r.stderr).toContain('DB_CONNECTION_LOST');
    expect(r.stderr).toContain('hotfix rollback lost --env staging');
    expect(r.stderr).not.toMatch(/bug|Unexpected/i);
    expect(await pgColumns(s.stagingUrl, 'User')).toContain('lost');
    const done = ledgerEvents(s, 'lost').filter((e) => e.type === 'rolled-forward' && e.outcome === 'ok');
    expect(done).toEqual([]);
    expect(git(s.project.dir, 'status', '--porcelain')).toBe('');

    const next = await runHotfix(s.project.dir, ['rollback', 'lost', '--env', 'staging'], s.env);
    expect(next.exitCode, next.stdout + next.stderr).toBe(0);
    expect(await pgColumns(s.stagingUrl, 'User')).not.toContain('lost');
  });
});
