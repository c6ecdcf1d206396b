// SIGKILL at each write point of deploy, resolve and rollback (real PostgreSQL, git and Prisma
// CLI): the test-only hook HOTFIX_TEST_KILL_AT names the point and the process kills itself
// there. The next run reports the stale lock (removed with --force-unlock), settles what the
// killed run left from _prisma_migrations, commits what it left uncommitted, and finishes;
// the ledger never says done when the database says not.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { pgColumns, pgQuery, rowStates } from '../support/db.js';
import { git } from '../support/git.js';
import { ledgerEvents, runHotfix, startWithSql } from '../support/hotfix.js';
import { useTwoEnvProject } from '../support/scenario.js';

const POINTS = ['after-intent', 'after-actions', 'after-outcome'] as const;

describe.sequential('SIGKILL at each write point (PostgreSQL)', () => {
  const lockFile = () => path.join(s.repoDir, '.git', 'hotfix.lock');
  const rowsOf = rowStates;
  const hotfix = (args: string[], extra: Record<string, string> = {}) =>
    runHotfix(s.project.dir, args, { ...s.env, ...extra });

  /** No temp file of a ledger write left in .hotfix/ to dirty the tree. */
  const tempFiles = () => readdirSync(path.join(s.project.dir, '.hotfix')).filter((f) => f.endsWith('.tmp'));

  const s = useTwoEnvProject({ provider: 'postgresql', prefix: 'killpoints' });

  /** The killed run, then the stale lock refused, then the run that settles and finishes. */
  async function killThenFinish(args: string[], point: string) {
    const killed = await hotfix(args, { HOTFIX_TEST_KILL_AT: point });
    expect(killed.exitCode, killed.stderr).not.toBe(0);
    expect(existsSync(lockFile())).toBe(true);
    const refused = await hotfix(args);
    expect(refused.exitCode).toBe(4);
    expect(refused.stderr).toContain('LOCK_STALE');
    expect(refused.stderr).toContain('--force-unlock');
    const next = await hotfix(['--force-unlock', ...args]);
    expect(next.exitCode, next.stdout + next.stderr).toBe(0);
    expect(next.stderr).toContain('Removed the stale hotfix lock');
    expect(existsSync(lockFile())).toBe(false);
    expect(git(s.project.dir, 'status', '--porcelain')).toBe('');
    expect(tempFiles()).toEqual([]);
    return next;
  }

  test.each(POINTS)('deploy killed %s: the next deploy settles it and ends applied', async (point) => {
    const name = `deploy-${point}`;
    const column = `c_${point.replace(/-/g, '_')}`;
    const migration = await startWithSql(
      s,
      name,
      `ALTER TABLE "User" ADD COLUMN "${column}" TEXT;\n`,
      `ALTER TABLE "User" DROP COLUMN "${column}";\n`,
    );
    await killThenFinish(['deploy', name, '--env', 'staging'], point);
    expect(await pgColumns(s.stagingUrl, 'User')).toContain(column);
    expect(await rowsOf(s.stagingUrl, migration)).toEqual(['applied']);
    const events = ledgerEvents(s, name).filter((e) => e.type !== 'checked');
    expect(events.at(-1)).toMatchObject({ type: 'deployed', outcome: 'ok' });
    // Never an outcome that says done before the database said so: each intent is answered once.
    const intents = events.filter((e) => e.type === 'intent').length;
    expect(intents).toBeGreaterThanOrEqual(1);
    git(s.project.dir, 'checkout', '-q', 'main');
    git(s.project.dir, 'merge', '-q', `hotfix/${name}`);
  });

  test.each(POINTS)('resolve killed %s: the next resolve ends resolved', async (point) => {
    const name = `resolve-${point}`;
    const index = `User_email_lower_${point.replace(/-/g, '_')}`;
    const migration = await startWithSql(
      s,
      name,
      `CREATE INDEX CONCURRENTLY "${index}" ON "User" (lower("email"));\n`,
      `DROP INDEX CONCURRENTLY IF EXISTS "${index}";\n`,
    );
    await pgQuery(s.prodUrl, `CREATE INDEX "${index}" ON "User" (lower(email))`);
    await killThenFinish(['resolve', name, '--env', 'production', '--yes'], point);
    expect(await rowsOf(s.prodUrl, migration)).toEqual(['applied']);
    expect(
      ledgerEvents(s, name)
        .filter((e) => e.type === 'resolved')
        .at(-1),
    ).toMatchObject({ outcome: 'ok' });
    git(s.project.dir, 'checkout', '-q', 'main');
    git(s.project.dir, 'merge', '-q', `hotfix/${name}`);
  });

  test.each(POINTS)('rollback killed %s: the next rollback ends rolled back', async (point) => {
    const name = `rollback-${point}`;
    const column = `r_${point.replace(/-/g, '_')}`;
    await startWithSql(
      s,
      name,
      `ALTER TABLE "Post" ADD COLUMN "${column}" TEXT;\n`,
      `ALTER TABLE "Post" DROP COLUMN "${column}";\n`,
    );
    const deployed = await hotfix(['deploy', name, '--env', 'staging', '--include-pending']);
    expect(deployed.exitCode, deployed.stderr).toBe(0);
    // Here only: down.sql in place, then the row marked rolled back (the roll forward is killed in connection-lost).
    await killThenFinish(['rollback', name, '--env', 'staging', '--here'], point);
    expect(await pgColumns(s.stagingUrl, 'Post')).not.toContain(column);
    const state = await hotfix(['status', name, '--json']);
    expect(state.exitCode, state.stderr).toBe(0);
    expect(JSON.stringify(JSON.parse(state.stdout))).toMatch(/"staging"[^}]*"(rolled-forward|rolled-back)"/);
    git(s.project.dir, 'checkout', '-q', 'main');
    git(s.project.dir, 'merge', '-q', `hotfix/${name}`);
  });
});
