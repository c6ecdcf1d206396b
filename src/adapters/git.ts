import { promises as fs } from 'node:fs';
import { cwdMissingError, infraError, isHotfixError, usageError, type HotfixError } from '../core/errors.js';
import type { Exec, ExecResult } from './exec.js';

export interface Git {
  root: string;
  currentBranch(): Promise<string | undefined>;
  /** Paths that are modified, staged, deleted or untracked, relative to the root. */
  dirtyPaths(): Promise<string[]>;
  branchExists(branch: string): Promise<boolean>;
  /** Creates `branch` at `from` and checks it out; the working tree is carried over. */
  createBranch(branch: string, from: string): Promise<void>;
  checkout(branch: string): Promise<void>;
  deleteBranch(branch: string): Promise<void>;
  userEmail(): Promise<string | undefined>;
  add(paths: readonly string[]): Promise<void>;
  /** Unstages paths (keeps the files): undo of `add`. */
  unstage(paths: readonly string[]): Promise<void>;
  /** Commits exactly `paths` (not whatever else is staged); returns the new commit's hash. */
  commit(message: string, paths: readonly string[]): Promise<string>;
  head(): Promise<string | undefined>;
  /** Moves the current branch back to `commit`, keeping the working tree (undo of a commit). */
  resetSoft(commit: string): Promise<void>;
  /** File content at `ref`, or undefined when the file does not exist there. */
  show(ref: string, file: string): Promise<string | undefined>;
  /** Files under `dir` at `ref`. */
  listFiles(ref: string, dir: string): Promise<string[]>;
  /** Local branches matching a pattern such as `hotfix/*`. */
  localBranches(pattern: string): Promise<string[]>;
  /** Path of the repository's common git dir (for lock files that must never be committed). */
  commonDir(): Promise<string>;
  /** How far `branch` is behind the branch it tracks (after the last fetch); undefined: it tracks none. */
  behindUpstream(branch: string): Promise<{ upstream: string; behind: number } | undefined>;
  /** git fetch of the remote `branch` tracks. */
  fetchUpstream(branch: string): Promise<void>;
  /** This worktree's own git folder (absolute): where its index and index.lock live. */
  gitDir(): Promise<string>;
  /** The commit `ref` names (e.g. `refs/remotes/origin/main`), or undefined when there is none. */
  resolveRef(ref: string): Promise<string | undefined>;
  /** Whether `commit` is an ancestor of (or equal to) `of`. */
  isAncestor(commit: string, of: string): Promise<boolean>;
  /**
   * Merges `branch` into the current branch with a merge commit. A conflict is a result, and
   * the repository is left mid-merge for a person; any other failure throws.
   */
  merge(branch: string, message: string): Promise<MergeResult>;
  /** A merge is in progress (MERGE_HEAD exists): someone has a conflict to finish. */
  mergeInProgress(): Promise<boolean>;
  /** An operation a person has under way in this worktree (its files say so), if any. */
  inProgress(): Promise<'merge' | 'rebase' | 'cherry-pick' | 'revert' | undefined>;
  /** Who commits (git's committer identity), or undefined when git has none to commit with. */
  identity(): Promise<string | undefined>;
  /** An annotated tag at HEAD. */
  tag(name: string, message: string): Promise<void>;
  /** Pushes refs (branches, `refs/tags/<t>`) to `remote`. */
  push(remote: string, refs: readonly string[]): Promise<void>;
  /** Names of the configured remotes. */
  remotes(): Promise<string[]>;
}

export type MergeResult = { merged: true; commit: string } | { merged: false; conflicts: string[] };

/** Runs `git <args>` in one folder; a non-zero exit is a result, only "could not run" throws. */
type Run = (args: readonly string[]) => Promise<ExecResult>;

// LC_ALL=C: git's messages are matched ("not a git repository") and quoted in errors, so they
// must not be translated. GIT_TERMINAL_PROMPT=0: a git that wants credentials fails instead of
// waiting for an answer nobody can give (stdin is closed). The gateway's default timeout
// (minutes) is generous enough for `status` on a large repository or a slow disk.
const GIT_ENV = { LC_ALL: 'C', GIT_TERMINAL_PROMPT: '0' };

function runner(exec: Exec, cwd: string): Run {
  return async (args) => {
    try {
      return await exec('git', args, { cwd, env: GIT_ENV });
    } catch (cause) {
      if (!isHotfixError(cause)) throw cause;
      if (cause.code === 'EXEC_NOT_FOUND') {
        throw infraError('GIT_MISSING', 'git was not found on PATH.', {
          hint: 'Install git and retry.',
          details: cause.details,
          cause,
        });
      }
      if (cause.code === 'EXEC_TIMEOUT') {
        // The gateway's hint is about databases; say what can hold git up instead.
        throw infraError('EXEC_TIMEOUT', cause.message, {
          hint: 'Something held git up (a hook, a network file system, another git process): run the same git command by hand.',
          details: cause.details,
          cause,
        });
      }
      throw cause;
    }
  };
}

/** Any exit not given a meaning by its call: git's own reason, never a guess such as "dirty". */
function failed(what: string, result: ExecResult): HotfixError {
  const lines = (result.stderr.trim() ? result.stderr : result.stdout)
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  // git may warn before it fails: the fatal:/error: line says why.
  const reason = lines.find((l) => /^(fatal|error):/.test(l)) ?? lines[0] ?? `exit code ${result.exitCode}`;
  return infraError('GIT_FAILED', `git ${what} failed: ${reason}`, {
    hint: "Fix what git reports, then retry (with --json, details.stderr holds git's whole output).",
    details: {
      command: ['git', ...result.args].join(' '),
      exitCode: result.exitCode,
      stderr: result.stderr,
    },
  });
}

/** stdout of a call for which only exit 0 is success. */
function stdoutOf(what: string, result: ExecResult): string {
  if (result.exitCode !== 0) throw failed(what, result);
  return result.stdout;
}

async function showToplevel(run: Run, cwd: string): Promise<string> {
  const result = await run(['rev-parse', '--show-toplevel']);
  if (result.exitCode !== 0 && /not a git repository/i.test(result.stderr)) {
    throw usageError('NOT_A_REPO', `${cwd} is not inside a git repository.`, {
      hint: 'Run hotfix from your project checkout (or pass -C <dir>).',
      details: { stderr: result.stderr },
    });
  }
  return stdoutOf('rev-parse', result).trim();
}

/** The object `spec` names, or undefined: with --verify --quiet, exit 1 is "no such object". */
async function verifyObject(run: Run, spec: string): Promise<string | undefined> {
  const result = await run(['rev-parse', '--verify', '--quiet', '--end-of-options', spec]);
  if (result.exitCode === 1) return undefined;
  return stdoutOf('rev-parse', result).trim();
}

async function currentBranch(run: Run): Promise<string | undefined> {
  const result = await run(['symbolic-ref', '--quiet', '--short', 'HEAD']);
  if (result.exitCode === 1) return undefined; // detached HEAD
  return stdoutOf('symbolic-ref', result).trim() || undefined;
}

async function dirtyPaths(run: Run): Promise<string[]> {
  const out = stdoutOf('status', await run(['status', '--porcelain=v1', '-z', '--untracked-files=all']));
  const paths: string[] = [];
  const entries = out.split('\0');
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    if (entry.length < 4) continue;
    paths.push(entry.slice(3));
    // A rename/copy entry is followed by its source path.
    if (/[RC]/.test(entry.slice(0, 2))) i++;
  }
  return paths;
}

async function createBranch(run: Run, branch: string, from: string): Promise<void> {
  stdoutOf('checkout -b', await run(['checkout', '-q', '-b', branch, from, '--']));
}

async function checkout(run: Run, branch: string): Promise<void> {
  stdoutOf('checkout', await run(['checkout', '-q', branch, '--']));
}

async function deleteBranch(run: Run, branch: string): Promise<void> {
  stdoutOf('branch -D', await run(['branch', '-q', '-D', '--', branch]));
}

async function userEmail(run: Run): Promise<string | undefined> {
  const result = await run(['config', 'user.email']);
  if (result.exitCode === 1) return undefined; // not set
  return stdoutOf('config', result).trim() || undefined;
}

async function add(run: Run, paths: readonly string[]): Promise<void> {
  stdoutOf('add', await run(['add', '--', ...paths]));
}

async function unstage(run: Run, paths: readonly string[]): Promise<void> {
  // On an unborn branch there is no HEAD to reset to; rm --cached does the same there.
  if (await verifyObject(run, 'HEAD')) stdoutOf('reset', await run(['reset', '-q', '--', ...paths]));
  else stdoutOf('rm --cached', await run(['rm', '-q', '--cached', '-r', '--ignore-unmatch', '--', ...paths]));
}

async function commit(run: Run, message: string, paths: readonly string[]): Promise<string> {
  // Paths after `--` commit only those (`--only`), leaving anything else staged as it was.
  stdoutOf('commit', await run(['commit', '-q', '-m', message, '--', ...paths]));
  return stdoutOf('rev-parse', await run(['rev-parse', '--verify', 'HEAD'])).trim();
}

async function resetSoft(run: Run, commit: string): Promise<void> {
  stdoutOf('reset --soft', await run(['reset', '-q', '--soft', commit, '--']));
}

async function show(run: Run, ref: string, file: string): Promise<string | undefined> {
  // Resolve first, so "no such file or ref" (exit 1) is told apart from git failing.
  const blob = await verifyObject(run, `${ref}:${file}`);
  if (blob === undefined) return undefined;
  return stdoutOf('cat-file', await run(['cat-file', 'blob', blob]));
}

async function listFiles(run: Run, ref: string, dir: string): Promise<string[]> {
  if ((await verifyObject(run, `${ref}^{tree}`)) === undefined) return [];
  const out = stdoutOf('ls-tree', await run(['ls-tree', '-r', '--name-only', '-z', ref, '--', dir]));
  return out.split('\0').filter(Boolean);
}

async function localBranches(run: Run, pattern: string): Promise<string[]> {
  // Full ref names, so a tag of the same name cannot make git shorten to "heads/...".
  const out = stdoutOf(
    'for-each-ref',
    await run(['for-each-ref', '--format=%(refname)', `refs/heads/${pattern}`]),
  );
  return out
    .split('\n')
    .filter((ref) => ref.startsWith('refs/heads/'))
    .map((ref) => ref.slice('refs/heads/'.length));
}

async function commonDir(run: Run): Promise<string> {
  const out = stdoutOf('rev-parse', await run(['rev-parse', '--path-format=absolute', '--git-common-dir']));
  return out.trim();
}

async function upstreamOf(run: Run, branch: string): Promise<string | undefined> {
  const r = await run(['rev-parse', '--abbrev-ref', '--symbolic-full-name', `${branch}@{upstream}`]);
  return r.exitCode === 0 ? r.stdout.trim() || undefined : undefined;
}

async function behindUpstream(run: Run, branch: string) {
  const upstream = await upstreamOf(run, branch);
  if (!upstream) return undefined;
  const out = stdoutOf('rev-list', await run(['rev-list', '--count', `refs/heads/${branch}..${upstream}`]));
  return { upstream, behind: Number(out.trim()) || 0 };
}

async function fetchUpstream(run: Run, branch: string): Promise<void> {
  const upstream = await upstreamOf(run, branch);
  if (!upstream) return;
  const remote = stdoutOf('config', await run(['config', '--get', `branch.${branch}.remote`])).trim();
  stdoutOf('fetch', await run(['fetch', '--quiet', '--end-of-options', remote]));
}

async function gitDir(run: Run): Promise<string> {
  return stdoutOf('rev-parse', await run(['rev-parse', '--path-format=absolute', '--git-dir'])).trim();
}

async function isAncestor(run: Run, commit: string, of: string): Promise<boolean> {
  const result = await run(['merge-base', '--is-ancestor', commit, of]);
  if (result.exitCode === 1) return false;
  stdoutOf('merge-base', result);
  return true;
}

async function merge(run: Run, branch: string, message: string): Promise<MergeResult> {
  const result = await run(['merge', '--no-ff', '--no-edit', '-m', message, '--end-of-options', branch]);
  if (result.exitCode === 0) {
    return {
      merged: true,
      commit: stdoutOf('rev-parse', await run(['rev-parse', '--verify', 'HEAD'])).trim(),
    };
  }
  // A conflict leaves MERGE_HEAD and unmerged paths; anything else (a dirty file in the way,
  // an unknown branch) is git's own failure.
  const conflicts = stdoutOf('diff', await run(['diff', '--name-only', '--diff-filter=U', '-z']))
    .split('\0')
    .filter(Boolean);
  if ((await verifyObject(run, 'MERGE_HEAD')) !== undefined && conflicts.length > 0) {
    return { merged: false, conflicts };
  }
  throw failed('merge', result);
}

async function tag(run: Run, name: string, message: string): Promise<void> {
  stdoutOf('tag', await run(['tag', '-a', '-m', message, '--', name]));
}

async function push(run: Run, remote: string, refs: readonly string[]): Promise<void> {
  stdoutOf('push', await run(['push', '--end-of-options', remote, ...refs]));
}

/**
 * Opens the repository that contains `cwd`, running git through `exec` (the gateway, or a test's
 * fake). A clear usage error when the folder is missing or not in a repository.
 */
export async function openGit(cwd: string, exec: Exec): Promise<Git> {
  // Checked before spawning: a missing cwd fails the spawn with the same ENOENT as a missing git.
  const stat = await fs.stat(cwd).catch(() => undefined);
  if (!stat?.isDirectory()) throw cwdMissingError(cwd, stat !== undefined);
  const root = await showToplevel(runner(exec, cwd), cwd);
  const run = runner(exec, root);
  return {
    root,
    currentBranch: () => currentBranch(run),
    dirtyPaths: () => dirtyPaths(run),
    branchExists: async (branch) => (await verifyObject(run, `refs/heads/${branch}`)) !== undefined,
    createBranch: (branch, from) => createBranch(run, branch, from),
    checkout: (branch) => checkout(run, branch),
    deleteBranch: (branch) => deleteBranch(run, branch),
    userEmail: () => userEmail(run),
    add: (paths) => add(run, paths),
    unstage: (paths) => unstage(run, paths),
    commit: (message, paths) => commit(run, message, paths),
    head: () => verifyObject(run, 'HEAD'),
    resetSoft: (commit) => resetSoft(run, commit),
    show: (ref, file) => show(run, ref, file),
    listFiles: (ref, dir) => listFiles(run, ref, dir),
    localBranches: (pattern) => localBranches(run, pattern),
    commonDir: () => commonDir(run),
    gitDir: () => gitDir(run),
    behindUpstream: (branch) => behindUpstream(run, branch),
    fetchUpstream: (branch) => fetchUpstream(run, branch),
    resolveRef: (ref) => verifyObject(run, `${ref}^{commit}`),
    isAncestor: (commit, of) => isAncestor(run, commit, of),
    merge: (branch, message) => merge(run, branch, message),
    mergeInProgress: async () => (await verifyObject(run, 'MERGE_HEAD')) !== undefined,
    inProgress: async () => {
      const dir = await gitDir(run);
      const marks = [
        ['MERGE_HEAD', 'merge'],
        ['rebase-merge', 'rebase'],
        ['rebase-apply', 'rebase'],
        ['CHERRY_PICK_HEAD', 'cherry-pick'],
        ['REVERT_HEAD', 'revert'],
      ] as const;
      for (const [file, op] of marks) {
        if (
          await fs.stat(`${dir}/${file}`).then(
            () => true,
            () => false,
          )
        )
          return op;
      }
      return undefined;
    },
    identity: async () => {
      // Fails (exit 128) exactly where a commit would: no user.email / user.name to take.
      const r = await run(['var', 'GIT_COMMITTER_IDENT']);
      return r.exitCode === 0 ? r.stdout.trim() || undefined : undefined;
    },
    tag: (name, message) => tag(run, name, message),
    push: (remote, refs) => push(run, remote, refs),
    remotes: async () =>
      stdoutOf('remote', await run(['remote']))
        .split('\n')
        .filter(Boolean),
  };
}
