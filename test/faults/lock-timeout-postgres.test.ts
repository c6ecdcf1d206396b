// Another session holds a lock on the table a hotfix alters (real PostgreSQL, real Prisma CLI):
// the migration gives up at its lock_timeout, and since Prisma sends the file as one implicit
// transaction nothing stayed. hotfix checks that in the catalog, marks prisma's FAILED row
// rolled back so a plain retry works, names the holder, exits 4; --retry tries again.
import path from 'node:path';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { describe, expect, test } from 'vitest';
import { pgColumns, rowStates } from '../support/db.js';
import { git } from '../support/git.js';
import { runHotfix, startWithSql } from '../support/hotfix.js';
import { useTwoEnvProject } from '../support/scenario.js';

async function holdTableLock(url: string): Promise<{ pid: number; release(): Promise<void> }> {
  const client = new pg.Client({ connectionString: url, application_name: 'report-batch' });
  await client.connect();
  await client.query('BEGIN');
  await client.query('LOCK TABLE "User" IN ACCESS EXCLUSIVE MODE');
  const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
  return {
    pid,
    release: async () => {
      await client.query('ROLLBACK').catch(() => undefined);
      await client.end();
    },
  };
}

describe.sequential('a table lock held by another session (PostgreSQL)', () => {
  let migration: string;
  const rows = () => rowStates(s.stagingUrl, migration);

  const s = useTwoEnvProject({ provider: 'postgresql', prefix: 'locktimeout' }, async (s) => {
    migration = await startWithSql(
      s,
      'user-nick',
      'ALTER TABLE "User" ADD COLUMN "nick" TEXT;\n',
      'ALTER TABLE "User" DROP COLUMN "nick";\n',
      ['--lock-timeout', '1s'],
    );
  });

  test('deploy gives up at lock_timeout: exit 4, the holder named, nothing applied, the row settled', async () => {
    const holder = await holdTableLock(s.stagingUrl);
    let r;
    try {
      r = await runHotfix(s.project.dir, ['deploy', 'user-nick', '--env', 'staging'], s.env);
    } finally {
      await holder.release();
    }
    expect(r.exitCode, r.stdout + r.stderr).toBe(4);
    expect(r.stderr).toContain('LOCK_TIMEOUT');
    expect(r.stderr).toContain('nothing of it was applied');
    expect(r.stderr).toContain(`pid ${holder.pid} (report-batch) holds AccessExclusiveLock on "User"`);
    expect(r.stderr).toContain('--retry 3');
    expect(await pgColumns(s.stagingUrl, 'User')).not.toContain('nick');
    expect(await rows()).toEqual(['rolled-back']);
    // Recorded as not applied, and committed: the tree is clean for the next command.
    const ledger = JSON.parse(readFileSync(path.join(s.project.dir, '.hotfix', 'user-nick.json'), 'utf8'));
    expect(ledger.events.at(-1)).toMatchObject({
      type: 'deployed',
      outcome: 'skipped',
      details: { code: 'LOCK_TIMEOUT', databaseCode: '55P03' },
    });
    expect(git(s.project.dir, 'status', '--porcelain')).toBe('');
  });

  test('--retry: the lock goes away during the backoff, the next try applies it', async () => {
    const holder = await holdTableLock(s.stagingUrl);
    // Released once the first try has given up (its row marked rolled back): the backoff's turn.
    const released = (async () => {
      while ((await rows()).filter((x) => x === 'rolled-back').length < 2)
        await new Promise((r) => setTimeout(r, 100));
      await holder.release();
    })();
    const r = await runHotfix(
      s.project.dir,
      ['deploy', 'user-nick', '--env', 'staging', '--retry', '2'],
      s.env,
    );
    await released;
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(r.stderr).toContain('Try 2 of 3 in 5 s');
    expect(await pgColumns(s.stagingUrl, 'User')).toContain('nick');
    expect(await rows()).toEqual(['rolled-back', 'rolled-back', 'applied']);
  });
});
