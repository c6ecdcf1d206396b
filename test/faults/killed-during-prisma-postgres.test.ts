// SIGKILL of hotfix while its prisma child still runs (real PostgreSQL, git and Prisma CLI).
// Prisma runs in its own process group, so it outlives a kill -9 of hotfix and keeps Prisma's
// migration lock (advisory lock 72707369) while it waits on a table lock. Until it ends, a row
// with no finished_at is a migration in progress, never a failed one: deploy and rollback say so
// (exit 4) and record nothing; once it ends, the next run records what it did.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { pgColumns, pgQuery, rowStates } from '../support/db.js';
import { git } from '../support/git.js';
import { ledgerEvents, runHotfix, startHotfix, startWithSql } from '../support/hotfix.js';
import { createTwoEnvProject, type TwoEnvProject } from '../support/scenario.js';

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting until ${what}`);
}

describe.sequential('hotfix killed while prisma runs (PostgreSQL)', () => {
  let s: TwoEnvProject;
  let migration: string;
  const hotfix = (args: string[]) => runHotfix(s.project.dir, args, s.env);
  // 'failed' is rowStates' word for a row with no finished_at: here, one still running.
  const rows = () => rowStates(s.stagingUrl, migration);
  const outcomes = () =>
    ledgerEvents(s, 'inflight')
      .filter((e) => e.type !== 'checked')
      .map((e) => `${e.type}:${e.outcome}`);

  beforeAll(async () => {
    s = await createTwoEnvProject({ provider: 'postgresql', prefix: 'inflight' });
    migration = await startWithSql(
      s,
      'inflight',
      'ALTER TABLE "User" ADD COLUMN "inflight" TEXT;\n',
      'ALTER TABLE "User" DROP COLUMN "inflight";\n',
      ['--lock-timeout', '60s'],
    );
  });
  afterAll(async () => {
    await s?.cleanup();
  });

  test('in progress: deploy and rollback record nothing (exit 4); once prisma ends, deploy records it', async () => {
    const holder = new pg.Client({ connectionString: s.stagingUrl });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('LOCK TABLE "User" IN ACCESS EXCLUSIVE MODE');
      const child = startHotfix(s.project.dir, ['deploy', 'inflight', '--env', 'staging'], s.env);
      await until('prisma waits on the table lock', async () => {
        const waiting = await pgQuery(
          s.stagingUrl,
          `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
        );
        return waiting.length > 0;
      });
      child.kill('SIGKILL');
      const killed = await child;
      expect(killed.signal).toBe('SIGKILL');
      expect(await rows()).toEqual(['failed']);
      const before = outcomes();
      expect(before.at(-1)).toBe('intent:pending');

      // The killed run's lock is stale (its process is gone); removing it is safe, and then the
      // still-running migration is named, not mistaken for a failed one.
      const deploy = await hotfix(['--force-unlock', 'deploy', 'inflight', '--env', 'staging']);
      expect(deploy.exitCode, deploy.stdout + deploy.stderr).toBe(4);
      expect(deploy.stderr).toContain('MIGRATION_IN_PROGRESS');
      expect(deploy.stderr).toContain("Prisma's migration lock is held by backend pid");
      expect(deploy.stderr).toContain('Nothing was recorded');
      expect(deploy.stderr).not.toMatch(/P3009|bug|Unexpected/i);

      const rollback = await hotfix(['rollback', 'inflight', '--env', 'staging']);
      expect(rollback.exitCode, rollback.stdout + rollback.stderr).toBe(4);
      expect(rollback.stderr).toContain('MIGRATION_IN_PROGRESS');
      expect(rollback.stderr).not.toMatch(/P3012|bug|Unexpected/i);

      // Neither run touched the row or wrote an outcome.
      expect(await rows()).toEqual(['failed']);
      expect(outcomes()).toEqual(before);
      expect(git(s.project.dir, 'status', '--porcelain')).toBe('');
    } finally {
      await holder.query('ROLLBACK').catch(() => undefined);
      await holder.end();
    }

    // The orphaned prisma now gets its lock and finishes the migration.
    await until('the migration finishes', async () => (await rows()).join() === 'applied');
    const done = await hotfix(['deploy', 'inflight', '--env', 'staging']);
    expect(done.exitCode, done.stdout + done.stderr).toBe(0);
    expect(done.stdout + done.stderr).toContain('was interrupted');
    expect(await pgColumns(s.stagingUrl, 'User')).toContain('inflight');
    expect(await rows()).toEqual(['applied']);
    expect(outcomes().at(-1)).toBe('deployed:ok');
    expect(git(s.project.dir, 'status', '--porcelain')).toBe('');
  });
});
