import { simpleGit, type SimpleGit } from 'simple-git';
import { infraError, usageError } from '../core/errors.js';

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
  /** The commit `ref` names (e.g. `refs/remotes/origin/main`), or undefined when there is none. */
  resolveRef(ref: string): Promise<string | undefined>;
}

function wrap(what: string, cause: unknown): Error {
  const message = cause instanceof Error ? cause.message.trim() : String(cause);
  if (/ENOENT|spawn git/.test(message)) {
    return infraError('GIT_MISSING', 'git was not found on PATH.', { hint: 'Install git and retry.', cause });
  }
  return infraError('GIT_FAILED', `git ${what} failed: ${message.split('\n')[0] ?? message}`, {
    hint: 'Run the git command by hand to see the whole error.',
    cause,
  });
}

async function attempt<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (cause) {
    throw wrap(what, cause);
  }
}

/** Opens the repository that contains `cwd`; a clear usage error when there is none. */
export async function openGit(cwd: string): Promise<Git> {
  let root: string;
  try {
    root = (await simpleGit({ baseDir: cwd }).revparse(['--show-toplevel'])).trim();
  } catch (cause) {
    const message = cause instanceof Error ? cause.message : String(cause);
    if (/not a git repository/i.test(message)) {
      throw usageError('NOT_A_REPO', `${cwd} is not inside a git repository.`, {
        hint: 'Run hotfix from your project checkout (or pass -C <dir>).',
        cause,
      });
    }
    throw wrap('rev-parse', cause);
  }
  const git: SimpleGit = simpleGit({ baseDir: root });
  return {
    root,
    currentBranch: () =>
      attempt('symbolic-ref', async () => {
        try {
          return (await git.raw(['symbolic-ref', '--quiet', '--short', 'HEAD'])).trim() || undefined;
        } catch {
          return undefined; // detached HEAD
        }
      }),
    dirtyPaths: () =>
      attempt('status', async () => {
        const out = await git.raw(['status', '--porcelain=v1', '-z', '--untracked-files=all']);
        const paths: string[] = [];
        const entries = out.split('\0');
        for (let i = 0; i < entries.length; i++) {
          const entry = entries[i]!;
          if (entry.length < 4) continue;
          paths.push(entry.slice(3));
          // A rename/copy entry is followed by its source path.
          if (entry[0] === 'R' || entry[0] === 'C') i++;
        }
        return paths;
      }),
    branchExists: (branch) =>
      attempt('for-each-ref', async () => {
        // simple-git resolves (not rejects) a failing git that prints nothing to stderr, so
        // ask a question whose answer is in stdout.
        const out = await git.raw(['for-each-ref', '--format=%(refname)', `refs/heads/${branch}`]);
        return out.split('\n').includes(`refs/heads/${branch}`);
      }),
    createBranch: (branch, from) =>
      attempt('checkout -b', async () => void (await git.raw(['checkout', '-q', '-b', branch, from]))),
    checkout: (branch) => attempt('checkout', async () => void (await git.raw(['checkout', '-q', branch]))),
    deleteBranch: (branch) =>
      attempt('branch -D', async () => void (await git.raw(['branch', '-q', '-D', branch]))),
    userEmail: () =>
      attempt('config', async () => {
        try {
          return (await git.raw(['config', 'user.email'])).trim() || undefined;
        } catch {
          return undefined;
        }
      }),
    add: (paths) => attempt('add', async () => void (await git.raw(['add', '--', ...paths]))),
    unstage: (paths) =>
      attempt('reset', async () => {
        // On an unborn branch there is no HEAD to reset to; rm --cached does the same there.
        const hasHead =
          (await git.raw(['rev-parse', '--verify', '--quiet', 'HEAD']).catch(() => '')).trim() !== '';
        if (hasHead) await git.raw(['reset', '-q', '--', ...paths]);
        else await git.raw(['rm', '-q', '--cached', '-r', '--ignore-unmatch', '--', ...paths]);
      }),
    commit: (message, paths) =>
      attempt('commit', async () => {
        await git.raw(['commit', '-q', '-m', message, '--', ...paths]);
        return (await git.raw(['rev-parse', 'HEAD'])).trim();
      }),
    head: () =>
      attempt('rev-parse', async () => {
        try {
          return (await git.raw(['rev-parse', '--verify', '--quiet', 'HEAD'])).trim() || undefined;
        } catch {
          return undefined;
        }
      }),
    resetSoft: (commit) =>
      attempt('reset --soft', async () => void (await git.raw(['reset', '-q', '--soft', commit]))),
    show: (ref, file) =>
      attempt('show', async () => {
        try {
          return await git.raw(['show', `${ref}:${file}`]);
        } catch {
          return undefined;
        }
      }),
    listFiles: (ref, dir) =>
      attempt('ls-tree', async () => {
        try {
          const out = await git.raw(['ls-tree', '-r', '--name-only', '-z', ref, '--', dir]);
          return out.split('\0').filter(Boolean);
        } catch {
          return [];
        }
      }),
    localBranches: (pattern) =>
      attempt('for-each-ref', async () => {
        const out = await git.raw(['for-each-ref', '--format=%(refname:short)', `refs/heads/${pattern}`]);
        return out.split('\n').filter(Boolean);
      }),
    commonDir: () =>
      attempt('rev-parse', async () => {
        const dir = (await git.raw(['rev-parse', '--path-format=absolute', '--git-common-dir'])).trim();
        return dir;
      }),
    resolveRef: (ref) =>
      attempt('rev-parse', async () => {
        // --quiet: a missing ref prints nothing (simple-git may then resolve ''): stdout is the answer.
        const out = await git.raw(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]).catch(() => '');
        return out.trim() || undefined;
      }),
  };
}
