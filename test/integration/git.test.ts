import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { exec, type Exec } from '../../src/adapters/exec.js';
import { openGit } from '../../src/adapters/git.js';
import { start } from '../../src/commands/start.js';
import { realDeps } from '../support/deps.js';
import { failure } from '../support/failure.js';
import { git, initRepo } from '../support/git.js';

const tempDir = (prefix = 'hotfix-git-') => realpathSync(mkdtempSync(path.join(os.tmpdir(), prefix)));

/** A repository on `main` holding `files`, all committed. */
function repo(files: Record<string, string> = { 'a.txt': 'a\n' }): string {
  const dir = tempDir();
  for (const [file, text] of Object.entries(files)) write(dir, file, text);
  initRepo(dir);
  return dir;
}

function write(dir: string, file: string, text: string): void {
  mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
  writeFileSync(path.join(dir, file), text);
}

const status = (dir: string) => git(dir, 'status', '--porcelain=v1', '--untracked-files=all');

describe('openGit on real repositories', () => {
  it('root (also from a sub-folder) and the current branch, or undefined on a detached HEAD', async () => {
    const dir = repo({ 'sub/a.txt': 'a\n' });
    const g = await openGit(path.join(dir, 'sub'), exec);
    expect(g.root).toBe(dir);
    expect(await g.currentBranch()).toBe('main');
    git(dir, 'checkout', '-q', '--detach');
    expect(await g.currentBranch()).toBeUndefined();
  });

  it('dirtyPaths: modified, staged, deleted, renamed (new name only) and untracked files', async () => {
    const dir = repo({ 'a.txt': 'a\n', 'old.txt': 'old\n', 'gone.txt': 'gone\n', 'keep.txt': 'keep\n' });
    write(dir, 'a.txt', 'changed\n');
    write(dir, 'staged.txt', 'new\n');
    git(dir, 'add', 'staged.txt');
    git(dir, 'mv', 'old.txt', 'new name.txt');
    rmSync(path.join(dir, 'gone.txt'));
    write(dir, 'deep/er/untracked.txt', 'u\n');
    const g = await openGit(dir, exec);
    expect((await g.dirtyPaths()).sort()).toEqual(
      ['a.txt', 'deep/er/untracked.txt', 'gone.txt', 'new name.txt', 'staged.txt'].sort(),
    );
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'all');
    expect(await g.dirtyPaths()).toEqual([]);
  });

  it('branchExists, createBranch (carrying the working tree), checkout, deleteBranch', async () => {
    const dir = repo();
    const g = await openGit(dir, exec);
    expect(await g.branchExists('main')).toBe(true);
    expect(await g.branchExists('hotfix/x')).toBe(false);
    write(dir, 'wip.txt', 'wip\n');
    await g.createBranch('hotfix/x', 'main');
    expect(await g.currentBranch()).toBe('hotfix/x');
    expect(await g.branchExists('hotfix/x')).toBe(true);
    expect(readFileSync(path.join(dir, 'wip.txt'), 'utf8')).toBe('wip\n');
    await g.checkout('main');
    expect(await g.currentBranch()).toBe('main');
    await g.deleteBranch('hotfix/x');
    expect(await g.branchExists('hotfix/x')).toBe(false);
  });

  it('userEmail, or undefined when no config sets it', async () => {
    const dir = repo();
    expect(await (await openGit(dir, exec)).userEmail()).toBe('oncall@example.com');
    git(dir, 'config', '--unset', 'user.email');
    // Through Deps.exec: hide the machine's global and system config from git.
    const noGlobal: Exec = (file, args, options) =>
      exec(file, args, {
        ...options,
        env: { ...options.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' },
      });
    expect(await (await openGit(dir, noGlobal)).userEmail()).toBeUndefined();
  });

  it.each([
    ['with a HEAD', true],
    ['on an unborn branch (no commit yet)', false],
  ])('add and unstage %s: the file stays, only the index changes', async (_, born) => {
    const dir = born ? repo() : tempDir();
    if (!born) git(dir, 'init', '-q', '-b', 'main');
    write(dir, 'dir/new.txt', 'n\n');
    const g = await openGit(dir, exec);
    expect(await g.currentBranch()).toBe('main');
    expect(await g.head()).toBe(born ? git(dir, 'rev-parse', 'HEAD') : undefined);
    await g.add(['dir/new.txt']);
    expect(status(dir)).toBe('A  dir/new.txt');
    await g.unstage(['dir']);
    expect(status(dir)).toBe('?? dir/new.txt');
  });

  it('commit takes exactly the given paths (other staged files stay staged); head and resetSoft', async () => {
    const dir = repo();
    const g = await openGit(dir, exec);
    const before = await g.head();
    expect(before).toBe(git(dir, 'rev-parse', 'HEAD'));
    write(dir, 'mine.txt', 'm\n');
    write(dir, 'theirs.txt', 't\n');
    git(dir, 'add', 'theirs.txt');
    await g.add(['mine.txt']);
    const hash = await g.commit('hotfix(x): start', ['mine.txt']);
    expect(hash).toMatch(/^[0-9a-f]{40}$/);
    expect(await g.head()).toBe(hash);
    expect(git(dir, 'show', '--name-only', '--format=%s', 'HEAD')).toBe('hotfix(x): start\n\nmine.txt');
    expect(status(dir)).toBe('A  theirs.txt');
    await g.resetSoft(before!);
    expect(await g.head()).toBe(before);
    expect(status(dir).split('\n').sort()).toEqual(['A  mine.txt', 'A  theirs.txt']);
  });

  it('show: the exact bytes, or undefined for a missing file or ref; listFiles under a folder', async () => {
    const dir = repo({ '.hotfix/a.json': '{"a":1}\n\n', '.hotfix/b.json': '{}', 'other.txt': 'o' });
    const g = await openGit(dir, exec);
    expect(await g.show('main', '.hotfix/a.json')).toBe('{"a":1}\n\n');
    expect(await g.show('main', '.hotfix/missing.json')).toBeUndefined();
    expect(await g.show('no-such-branch', '.hotfix/a.json')).toBeUndefined();
    expect(await g.listFiles('main', '.hotfix')).toEqual(['.hotfix/a.json', '.hotfix/b.json']);
    expect(await g.listFiles('main', 'nowhere')).toEqual([]);
    expect(await g.listFiles('no-such-branch', '.hotfix')).toEqual([]);
  });

  it("localBranches('hotfix/*'): branch names, even when a tag has the same name", async () => {
    const dir = repo();
    for (const b of ['hotfix/b', 'hotfix/a', 'feature/c']) git(dir, 'branch', b);
    git(dir, 'tag', 'hotfix/a');
    const g = await openGit(dir, exec);
    expect((await g.localBranches('hotfix/*')).sort()).toEqual(['hotfix/a', 'hotfix/b']);
    expect(await g.localBranches('release/*')).toEqual([]);
  });

  it('commonDir is the main .git, also from a linked worktree', async () => {
    const dir = repo();
    const linked = path.join(tempDir(), 'linked');
    git(dir, 'worktree', 'add', '-q', '-b', 'side', linked);
    expect(await (await openGit(dir, exec)).commonDir()).toBe(path.join(dir, '.git'));
    const g = await openGit(linked, exec);
    expect(g.root).toBe(linked);
    expect(await g.currentBranch()).toBe('side');
    expect(await g.commonDir()).toBe(path.join(dir, '.git'));
  });

  it('resolveRef: the commit a ref names, or undefined', async () => {
    const dir = repo();
    const g = await openGit(dir, exec);
    const head = git(dir, 'rev-parse', 'HEAD');
    expect(await g.resolveRef('refs/heads/main')).toBe(head);
    expect(await g.resolveRef('refs/remotes/origin/main')).toBeUndefined();
    git(dir, 'update-ref', 'refs/remotes/origin/main', 'HEAD');
    expect(await g.resolveRef('refs/remotes/origin/main')).toBe(head);
  });

  it('merge: a merge commit, or the conflicted files with the repository left mid-merge; isAncestor', async () => {
    const dir = repo({ 'a.txt': 'a\n' });
    const g = await openGit(dir, exec);
    git(dir, 'checkout', '-q', '-b', 'hotfix/x');
    write(dir, 'a.txt', 'hotfix\n');
    git(dir, 'commit', '-qam', 'hotfix');
    git(dir, 'checkout', '-q', '-b', 'develop', 'main');
    write(dir, 'a.txt', 'develop\n');
    git(dir, 'commit', '-qam', 'develop');
    git(dir, 'checkout', '-q', 'main');
    expect(await g.isAncestor('hotfix/x', 'main')).toBe(false);
    const merged = await g.merge('hotfix/x', 'Merge hotfix/x');
    expect(merged).toMatchObject({ merged: true });
    expect(git(dir, 'log', '-1', '--format=%s%n%P').split('\n')[1]!.split(' ')).toHaveLength(2);
    expect(await g.isAncestor('hotfix/x', 'main')).toBe(true);
    expect(await g.mergeInProgress()).toBe(false);
    await g.checkout('develop');
    expect(await g.merge('hotfix/x', 'Merge hotfix/x')).toEqual({ merged: false, conflicts: ['a.txt'] });
    expect(await g.mergeInProgress()).toBe(true);
    git(dir, 'merge', '--abort');
    await expect(g.merge('no-such-branch', 'm')).rejects.toMatchObject({ code: 'GIT_FAILED' });
  });

  it('tag (annotated, at HEAD), remotes, push', async () => {
    const dir = repo();
    const remote = tempDir('hotfix-remote-');
    git(remote, 'init', '-q', '--bare');
    const g = await openGit(dir, exec);
    expect(await g.remotes()).toEqual([]);
    git(dir, 'remote', 'add', 'origin', remote);
    expect(await g.remotes()).toEqual(['origin']);
    await g.tag('v1.2.1', 'hotfix x');
    expect(git(dir, 'cat-file', '-t', 'v1.2.1')).toBe('tag');
    await g.push('origin', ['main', 'refs/tags/v1.2.1']);
    expect(git(remote, 'rev-parse', 'v1.2.1^{commit}')).toBe(git(dir, 'rev-parse', 'HEAD'));
  });

  it("a leftover .git/index.lock: commit fails with GIT_FAILED naming it, in git's words", async () => {
    const dir = repo();
    const g = await openGit(dir, exec);
    write(dir, 'x.txt', 'x\n');
    await g.add(['x.txt']);
    writeFileSync(path.join(dir, '.git', 'index.lock'), '');
    const error = await failure(g.commit('msg', ['x.txt']));
    expect(error.code).toBe('GIT_FAILED');
    expect(error.exitCode).toBe(4);
    expect(error.message).toBe(
      `git commit failed: fatal: Unable to create '${path.join(dir, '.git', 'index.lock')}': File exists.`,
    );
    expect(error.details?.stderr).toMatch(/Another git process seems to be running/);
    expect(error.hint).toBeTruthy();
  });

  it('NOT_A_REPO and CWD_MISSING are usage errors (exit 2)', async () => {
    const plain = tempDir('hotfix-plain-');
    const notRepo = await failure(openGit(plain, exec));
    expect([notRepo.code, notRepo.exitCode]).toEqual(['NOT_A_REPO', 2]);
    const missing = path.join(plain, 'no-such-folder');
    const noDir = await failure(openGit(missing, exec));
    expect([noDir.code, noDir.exitCode]).toEqual(['CWD_MISSING', 2]);
    expect(noDir.message).toBe(`Folder ${missing} does not exist.`);
    expect(noDir.hint).toMatch(/-C/);
  });

  it('start: a git status that fails is GIT_FAILED, never "the tree is dirty"', async () => {
    const dir = repo({ 'prisma/schema.prisma': 'datasource db {\n  provider = "postgresql"\n}\n' });
    mkdirSync(path.join(dir, 'prisma', 'migrations'));
    const sql = path.join(tempDir(), 'fix.sql');
    writeFileSync(sql, 'SELECT 1;\n');
    // Fault injection through Deps.exec: every other git call is real.
    const failingStatus: Exec = (file, args, options) =>
      args[0] === 'status'
        ? Promise.resolve({
            command: file,
            args,
            exitCode: 128,
            stdout: '',
            stderr: 'fatal: unknown index entry format 0x61740000\n',
            durationMs: 1,
          })
        : exec(file, args, options);
    const error = await failure(
      start(
        { name: 'fix-it', sqlFile: sql, branch: true, commit: true, dryRun: true },
        realDeps(dir, { exec: failingStatus }),
      ),
    );
    expect(error.code).toBe('GIT_FAILED');
    expect(error.message).toBe('git status failed: fatal: unknown index entry format 0x61740000');
  });
});
