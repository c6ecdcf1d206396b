// SIGKILL of hotfix while its prisma child still runs (real PostgreSQL, git and Prisma CLI), for
// deploy, rollback (the roll forward's migrate deploy) and resolve (migrate resolve --applied).
// Prisma runs in its own process group, so it outlives a kill -9 of hotfix and keeps Prisma's
// migration lock (advisory lock 72707369) while it waits on a table lock. Until it ends, a row
// with no finished_at is a migration in progress, never a failed one: deploy and rollback say so
// (exit 4) and record nothing; once it ends, the next run records what it did.
import pg from 'pg';
import { describe, expect, test } from 'vitest';
import { pgColumns, pgQuery, rowStates, waitingPid } from '../support/db.js';
import { git } from '../support/git.js';
import { ledgerEvents, runHotfix, startHotfix, startWithSql } from '../support/hotfix.js';
import { useTwoEnvProject } from '../support/scenario.js';

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting until ${what}`);
}

describe.sequential('hotfix killed while prisma runs (PostgreSQL)', () => {
  let migration: string;
  const hotfix = (args: string[]) => runHotfix(s.project.dir, args, s.env);
  // 'failed' is rowStates' word for a row with no finished_at: here, one still running.
  const rows = () => rowStates(s.stagingUrl, migration);
  const outcomes = () =>
    ledgerEvents(s, 'inflight')
      .filter((e) => e.type !== 'checked')
      .map((e) => `${e.type}:${e.outcome}`);

  const s = useTwoEnvProject({ provider: 'postgresql', prefix: 'inflight' }, async (s) => {
    migration = await startWithSql(
      s,
      'inflight',
      'ALTER TABLE "User" ADD COLUMN "inflight" TEXT;\n',
      'ALTER TABLE "User" DROP COLUMN "inflight";\n',
      ['--lock-timeout', '60s'],
    );
  });

  /**
   * Holds `lock` in an open transaction, starts hotfix, kills it (-9) once its prisma waits on
   * the lock, runs `meanwhile` while prisma still waits, then lets prisma finish.
   */
  async function killedWhilePrismaWaits(lock: string, args: string[], meanwhile: () => Promise<void>) {
    const holder = new pg.Client({ connectionString: s.stagingUrl });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query(lock);
      const child = startHotfix(s.project.dir, args, s.env);
      await waitingPid(s.stagingUrl);
      child.kill('SIGKILL');
      const killed = await child;
      expect(killed.signal).toBe('SIGKILL');
      await meanwhile();
    } finally {
      await holder.query('ROLLBACK').catch(() => undefined);
      await holder.end();
    }
  }

  test('deploy: in progress, deploy and rollback record nothing (exit 4); once prisma ends, deploy records it', async () => {
    await killedWhilePrismaWaits(
      'LOCK TABLE "User" IN ACCESS EXCLUSIVE MODE',
      ['deploy', 'inflight', '--env', 'staging'],
      async () => {
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
      },
    );

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

  test('rollback: the revert in progress is named (exit 4); once it ends, the rollback records it', async () => {
    let revert = '';
    await killedWhilePrismaWaits(
      'LOCK TABLE "User" IN ACCESS EXCLUSIVE MODE',
      // The revert's own lock_timeout must outlast the checks below, or prisma stops by itself.
      ['rollback', 'inflight', '--env', 'staging', '--everywhere', '--lock-timeout', '60s'],
      async () => {
        const intent = ledgerEvents(s, 'inflight').at(-1);
        expect(intent).toMatchObject({ type: 'intent' });
        revert = typeof intent?.details?.revert === 'string' ? intent.details.revert : '';
        expect(revert).toMatch(/_revert_inflight$/);
        expect(await rowStates(s.stagingUrl, revert)).toEqual(['failed']);
        const again = await hotfix([
          '--force-unlock',
          'rollback',
          'inflight',
          '--env',
          'staging',
          '--everywhere',
        ]);
        expect(again.exitCode, again.stdout + again.stderr).toBe(4);
        expect(again.stderr).toContain('MIGRATION_IN_PROGRESS');
        expect(again.stderr).not.toMatch(/P3009|P3012|bug|Unexpected/i);
        expect(await rowStates(s.stagingUrl, revert)).toEqual(['failed']);
      },
    );
    await until(
      'the revert finishes',
      async () => (await rowStates(s.stagingUrl, revert)).join() === 'applied',
    );
    const done = await hotfix(['rollback', 'inflight', '--env', 'staging', '--everywhere']);
    expect(done.exitCode, done.stdout + done.stderr).toBe(0);
    expect(await pgColumns(s.stagingUrl, 'User')).not.toContain('inflight');
    expect(outcomes().at(-1)).toBe('rolled-forward:ok');
    expect(git(s.project.dir, 'status', '--porcelain')).toBe('');
  });

  test('resolve: killed while prisma marks the row; once it ends, the next resolve records it', async () => {
    const marked = await startWithSql(
      s,
      'by-hand',
      'CREATE INDEX CONCURRENTLY "User_email_inflight_idx" ON "User" (lower("email"));\n',
      'DROP INDEX CONCURRENTLY IF EXISTS "User_email_inflight_idx";\n',
    );
    await pgQuery(s.stagingUrl, 'CREATE INDEX "User_email_inflight_idx" ON "User" (lower(email))');
    // EXCLUSIVE lets hotfix read _prisma_migrations but makes prisma's INSERT of the row wait.
    await killedWhilePrismaWaits(
      'LOCK TABLE "_prisma_migrations" IN EXCLUSIVE MODE',
      ['resolve', 'by-hand', '--env', 'staging'],
      async () => {
        expect(await rowStates(s.stagingUrl, marked)).toEqual([]);
        expect(ledgerEvents(s, 'by-hand').at(-1)).toMatchObject({ type: 'intent' });
      },
    );
    await until('prisma marks it', async () => (await rowStates(s.stagingUrl, marked)).join() === 'applied');
    const done = await hotfix(['--force-unlock', 'resolve', 'by-hand', '--env', 'staging']);
    expect(done.exitCode, done.stdout + done.stderr).toBe(0);
    expect(done.stdout + done.stderr).toContain('was interrupted');
    expect(await rowStates(s.stagingUrl, marked)).toEqual(['applied']);
    expect(
      ledgerEvents(s, 'by-hand')
        .filter((e) => e.type === 'resolved')
        .at(-1),
    ).toMatchObject({ outcome: 'ok' });
    expect(git(s.project.dir, 'status', '--porcelain')).toBe('');
  });
});
