// A full disk on a ledger write (injected: HOTFIX_TEST_WRITE_FAULT makes the write land half and
// fail with ENOSPC, as a full device does) and a git repository in states that break a commit,
// on real PostgreSQL, git and the Prisma CLI: named causes, exit codes, nothing lost, and the
// next run finishes what the database already did.
import { chmodSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { pgColumns, prismaMigrations } from '../support/db.js';
import { git } from '../support/git.js';
import { runHotfix, startWithSql } from '../support/hotfix.js';
import { useTwoEnvProject } from '../support/scenario.js';

describe.sequential('disk full and git in the way (PostgreSQL)', () => {
  let migration: string;
  const ledgerPath = () => path.join(s.project.dir, '.hotfix', 'disk-fix.json');
  const tempFiles = () => readdirSync(path.join(s.project.dir, '.hotfix')).filter((f) => f.endsWith('.tmp'));
  const hotfix = (args: string[], extra: Record<string, string> = {}) =>
    runHotfix(s.project.dir, args, { ...s.env, ...extra });
  const rows = async () =>
    (await prismaMigrations(s.stagingUrl))
      .filter((r) => r.migration_name === migration)
      .map((r) => (r.finished ? 'applied' : 'other'));

  const s = useTwoEnvProject({ provider: 'postgresql', prefix: 'diskgit' }, async (s) => {
    migration = await startWithSql(
      s,
      'disk-fix',
      'ALTER TABLE "User" ADD COLUMN "disk" TEXT;\n',
      'ALTER TABLE "User" DROP COLUMN "disk";\n',
    );
  });

  test('the first ledger write fails: exit 4 DISK_FULL, the ledger byte-identical, no temp file, nothing ran', async () => {
    const before = readFileSync(ledgerPath());
    const r = await hotfix(['deploy', 'disk-fix', '--env', 'staging'], { HOTFIX_TEST_WRITE_FAULT: 'ENOSPC' });
    expect(r.exitCode, r.stderr).toBe(4);
    expect(r.stderr).toContain('DISK_FULL');
    expect(r.stderr).toContain('no space left on the device');
    expect(r.stderr).not.toMatch(/bug|Unexpected/i);
    expect(readFileSync(ledgerPath())).toEqual(before);
    expect(tempFiles()).toEqual([]);
    expect(git(s.project.dir, 'status', '--porcelain')).toBe('');
    expect(await rows()).toEqual([]);
  });

  test('the outcome cannot be written after the migration ran: it says the database changed; the next run records it', async () => {
    const r = await hotfix(['deploy', 'disk-fix', '--env', 'staging'], {
      HOTFIX_TEST_WRITE_FAULT: 'ENOSPC:2',
    });
    expect(r.exitCode, r.stderr).toBe(4);
    expect(r.stderr).toContain('RECORD_FAILED');
    expect(r.stderr).toContain('DONE in the database');
    expect(r.stderr).toContain('Do not run the SQL again by hand');
    expect(tempFiles()).toEqual([]);
    expect(await pgColumns(s.stagingUrl, 'User')).toContain('disk');

    const next = await hotfix(['deploy', 'disk-fix', '--env', 'staging']);
    expect(next.exitCode, next.stdout + next.stderr).toBe(0);
    expect(git(s.project.dir, 'status', '--porcelain')).toBe('');
    expect(await rows()).toEqual(['applied']);
    const events = JSON.parse(readFileSync(ledgerPath(), 'utf8')).events as {
      type: string;
      outcome: string;
    }[];
    expect(events.filter((e) => e.type === 'deployed').map((e) => e.outcome)).toContain('ok');
  });

  test('a leftover .git/index.lock: refused up front (exit 2) with the path, nothing changed', async () => {
    const lock = path.join(s.repoDir, '.git', 'index.lock');
    writeFileSync(lock, '');
    const head = git(s.project.dir, 'rev-parse', 'HEAD');
    try {
      const r = await hotfix(['rollback', 'disk-fix', '--env', 'staging']);
      expect(r.exitCode, r.stderr).toBe(2);
      expect(r.stderr).toContain('GIT_INDEX_LOCKED');
      expect(r.stderr).toContain(`rm ${lock}`);
      const started = await hotfix(['start', 'other-fix']);
      expect(started.exitCode).toBe(2);
      expect(started.stderr).toContain('GIT_INDEX_LOCKED');
    } finally {
      rmSync(lock);
    }
    expect(git(s.project.dir, 'rev-parse', 'HEAD')).toBe(head);
    expect(await pgColumns(s.stagingUrl, 'User')).toContain('disk');
  });

  test('a commit hook that fails: a revert is not written; a ledger commit failure says what is recorded; the next run commits it', async () => {
    const hook = path.join(s.repoDir, '.git', 'hooks', 'pre-commit');
    writeFileSync(hook, '#!/bin/sh\necho "policy: no commits right now" >&2\nexit 1\n');
    chmodSync(hook, 0o755);
    let revert, deploy;
    try {
      // Rolling forward writes a revert migration first: its commit fails, so nothing runs.
      revert = await hotfix(['rollback', 'disk-fix', '--env', 'staging', '--everywhere']);
      // Deploying runs first and commits the ledger after: the database changed, the commit failed.
      deploy = await hotfix(['deploy', 'disk-fix', '--env', 'production', '--yes']);
    } finally {
      rmSync(hook);
    }
    expect(revert.exitCode).not.toBe(0);
    expect(revert.stderr).toContain('policy: no commits right now. It was removed; nothing ran.');
    expect(await pgColumns(s.stagingUrl, 'User')).toContain('disk');

    expect(deploy.exitCode, deploy.stdout + deploy.stderr).toBe(4);
    expect(deploy.stderr).toMatch(
      /recorded in \.hotfix\/disk-fix\.json \(last event: deployed ok\), but git could not commit it/,
    );
    expect(deploy.stderr).not.toMatch(/bug|Unexpected/i);
    expect(await pgColumns(s.prodUrl, 'User')).toContain('disk');

    const next = await hotfix(['deploy', 'disk-fix', '--env', 'production', '--yes']);
    expect(next.exitCode, next.stdout + next.stderr).toBe(0);
    expect(git(s.project.dir, 'status', '--porcelain')).toBe('');
    expect(git(s.project.dir, 'log', '-1', '--format=%s')).toContain('disk-fix');
  });

  test('a detached HEAD and a missing base branch: start refuses, the repository as it was', async () => {
    git(s.project.dir, 'checkout', '-q', 'main');
    git(s.project.dir, 'checkout', '-q', '--detach');
    const detached = await hotfix(['start', 'from-detached']);
    expect(detached.exitCode).toBe(2);
    expect(detached.stderr).not.toMatch(/bug|Unexpected/i);
    git(s.project.dir, 'checkout', '-q', 'main');

    const missing = await hotfix(['start', 'from-missing', '--base', 'release/9.9']);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain('release/9.9');
    expect(git(s.project.dir, 'branch', '--list', 'hotfix/*').trim()).toBe('hotfix/disk-fix');
  });
});
