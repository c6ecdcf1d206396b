// `hotfix start` on a disk with 0 bytes free (issue 17): a real tmpfs mounted over the project's
// migrations folder, then over its .git, shrunk to what it holds. start must refuse with
// DISK_FULL (exit 4) or say exactly what is left, and leave git as it was: no branch, HEAD on
// the base, a clean tree, no ledger. Needs root (mount); skipped, and said so, elsewhere.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { git } from '../support/git.js';
import { runHotfix } from '../support/hotfix.js';
import { useTwoEnvProject } from '../support/scenario.js';

const MOUNT = (() => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hotfix-mount-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir], { stdio: 'pipe' });
    execFileSync('umount', [dir]);
    return true;
  } catch {
    return false;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
})();

/** Mounts a tmpfs over `dir` holding what it held, with `free` bytes free; returns the unmount. */
function fullDiskOver(dir: string, free: number): () => void {
  const saved = mkdtempSync(path.join(os.tmpdir(), 'hotfix-full-'));
  cpSync(dir, saved, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64m', 'tmpfs', dir]);
  cpSync(saved, dir, { recursive: true });
  const fs = statfsSync(dir);
  execFileSync('mount', ['-o', `remount,size=${(fs.blocks - fs.bfree) * fs.bsize + free}`, dir]);
  return () => {
    // What start left there (it should be nothing) is kept for the checks after the unmount.
    cpSync(dir, saved, { recursive: true });
    execFileSync('umount', [dir]);
    cpSync(saved, dir, { recursive: true });
    rmSync(saved, { recursive: true, force: true });
  };
}

describe.skipIf(!MOUNT).sequential('start with 0 bytes free (a real tmpfs; root only)', () => {
  const s = useTwoEnvProject({ provider: 'postgresql', prefix: 'diskfull' });
  const repo = () => ({
    head: git(s.project.dir, 'rev-parse', 'HEAD'),
    branch: git(s.project.dir, 'branch', '--show-current'),
    branches: git(s.project.dir, 'for-each-ref', '--format=%(refname)'),
    status: git(s.project.dir, 'status', '--porcelain', '--untracked-files=all'),
  });

  // The sizes where start stops at a different step: the lock, the branch, the commit.
  test.each([
    ['the migrations folder, 0 bytes free', 'prisma/migrations', 0],
    ['.git, 0 bytes free', '.git', 0],
    ['.git, 8 KB free', '.git', 8 << 10],
    ['.git, 24 KB free', '.git', 24 << 10],
    ['.git, 48 KB free', '.git', 48 << 10],
  ])('%s: refused, and git is exactly as before', async (_what, rel, free) => {
    const sql = path.join(s.project.dir, '..', `${path.basename(s.project.dir)}-full.sql`);
    writeFileSync(sql, 'CREATE INDEX "Post_full_idx" ON "Post"("title");\n');
    const before = repo();
    const unmount = fullDiskOver(path.join(s.project.dir, rel), free);
    let r;
    try {
      r = await runHotfix(s.project.dir, ['start', 'full', '--sql', sql, '--no-schema-check'], s.env);
    } finally {
      unmount();
    }
    expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(4);
    expect(r.stderr).toMatch(/DISK_FULL|no space left/i);
    expect(r.stderr).not.toMatch(/probably a bug|Unexpected error/i);
    // Undone, or every step left said with its command: run as told, git is as before.
    const left = [...r.stderr.matchAll(/^ {2}- .+ \((git .+|rm .+)\)$/gm)].map((m) => m[1]!);
    for (const command of left) execFileSync('sh', ['-c', command], { cwd: s.project.dir, stdio: 'pipe' });
    expect(repo()).toEqual(before);
    expect(existsSync(path.join(s.project.dir, '.hotfix', 'full.json'))).toBe(false);
  });
});
