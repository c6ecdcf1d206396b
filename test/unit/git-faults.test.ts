import os from 'node:os';
import { describe, expect, it } from 'vitest';
import type { Exec, ExecResult } from '../../src/adapters/exec.js';
import { openGit } from '../../src/adapters/git.js';
import { infraError } from '../../src/core/errors.js';
import { failure } from '../support/failure.js';

// No git runs here: a Deps-style exec answers `rev-parse --show-toplevel` (so openGit succeeds)
// and injects one fault for everything else.
const root = os.tmpdir();

function fakeExec(fault: (args: readonly string[]) => Partial<ExecResult>): Exec {
  return (file, args) => {
    const answer: Partial<ExecResult> =
      args[0] === 'rev-parse' && args[1] === '--show-toplevel' ? { stdout: `${root}\n` } : fault(args);
    return Promise.resolve({
      command: file,
      args,
      exitCode: 0,
      stdout: '',
      stderr: '',
      durationMs: 1,
      ...answer,
    });
  };
}

const lockStderr =
  "fatal: Unable to create '/x/.git/index.lock': File exists.\n\nAnother git process seems to be running in this repository.\n";

describe('git faults through the exec gateway', () => {
  it('git not on PATH (EXEC_NOT_FOUND from the gateway) is GIT_MISSING, exit 4', async () => {
    const missing: Exec = () =>
      Promise.reject(infraError('EXEC_NOT_FOUND', 'git was not found.', { details: { command: 'git' } }));
    const error = await failure(openGit(root, missing));
    expect([error.code, error.exitCode, error.message]).toEqual([
      'GIT_MISSING',
      4,
      'git was not found on PATH.',
    ]);
    expect(error.hint).toMatch(/Install git/);
  });

  it('git runs with LC_ALL=C and no terminal prompt, in the repository root', async () => {
    const seen: { cwd: string; env: unknown }[] = [];
    const recording: Exec = (file, args, options) => {
      seen.push({ cwd: options.cwd, env: options.env });
      return fakeExec(() => ({ stdout: 'main\n' }))(file, args, options);
    };
    await (await openGit(root, recording)).currentBranch();
    expect(seen.at(-1)).toEqual({ cwd: root, env: { LC_ALL: 'C', GIT_TERMINAL_PROMPT: '0' } });
  });

  it('a failing status is GIT_FAILED with git’s first error line, not a dirty tree', async () => {
    const g = await openGit(
      root,
      fakeExec(() => ({ exitCode: 128, stderr: 'fatal: index file corrupt\n' })),
    );
    const error = await failure(g.dirtyPaths());
    expect(error.code).toBe('GIT_FAILED');
    expect(error.message).toBe('git status failed: fatal: index file corrupt');
    expect(error.details).toMatchObject({ exitCode: 128, stderr: 'fatal: index file corrupt\n' });
  });

  it('the whole stderr goes in details; a warning before the fatal line does not hide it', async () => {
    const stderr = `warning: in the working copy of 'a', LF will be replaced by CRLF\n${lockStderr}`;
    const g = await openGit(
      root,
      fakeExec(() => ({ exitCode: 128, stderr })),
    );
    const error = await failure(g.commit('msg', ['a']));
    expect(error.message).toBe(
      "git commit failed: fatal: Unable to create '/x/.git/index.lock': File exists.",
    );
    expect(error.details?.stderr).toBe(stderr);
    expect(error.hint).toBeTruthy();
  });

  it('only the exit codes a call gives a meaning to are answers; any other exit is GIT_FAILED', async () => {
    const exit1 = await openGit(
      root,
      fakeExec(() => ({ exitCode: 1 })),
    );
    expect(await exit1.currentBranch()).toBeUndefined(); // detached HEAD
    expect(await exit1.head()).toBeUndefined(); // unborn branch
    expect(await exit1.resolveRef('refs/remotes/origin/main')).toBeUndefined();
    expect(await exit1.branchExists('main')).toBe(false);
    expect(await exit1.userEmail()).toBeUndefined();
    expect(await exit1.show('main', 'a')).toBeUndefined();
    expect(await exit1.listFiles('main', '.hotfix')).toEqual([]);

    const broken = await openGit(
      root,
      fakeExec(() => ({ exitCode: 128, stderr: 'fatal: bad object\n' })),
    );
    for (const call of [
      () => broken.currentBranch(),
      () => broken.head(),
      () => broken.resolveRef('main'),
      () => broken.branchExists('main'),
      () => broken.userEmail(),
      () => broken.show('main', 'a'),
      () => broken.listFiles('main', '.hotfix'),
      () => broken.localBranches('hotfix/*'),
      () => broken.commonDir(),
      () => broken.add(['a']),
      () => broken.unstage(['a']),
      () => broken.createBranch('hotfix/x', 'main'),
      () => broken.checkout('main'),
      () => broken.deleteBranch('hotfix/x'),
      () => broken.resetSoft('abc'),
    ]) {
      const error = await failure(call());
      expect(error.code).toBe('GIT_FAILED');
      expect(error.message).toMatch(/^git .+ failed: fatal: bad object$/);
    }
  });

  it('a failure with nothing on stderr still says something (stdout, else the exit code)', async () => {
    const quiet = await openGit(
      root,
      fakeExec(() => ({ exitCode: 1, stdout: 'nothing to commit\n' })),
    );
    expect((await failure(quiet.commit('m', ['a']))).message).toBe('git commit failed: nothing to commit');
    const silent = await openGit(
      root,
      fakeExec(() => ({ exitCode: 3 })),
    );
    expect((await failure(silent.dirtyPaths())).message).toBe('git status failed: exit code 3');
  });
});
