import path from 'node:path';
import type { Lock, LockOptions } from '../adapters/fs-safe.js';
import type { Git } from '../adapters/git.js';
import { findProjectRoot, loadConfig } from './config-loader.js';
import { LEDGER_DIR, openLedgerStore, type LedgerEntry, type LedgerStore } from './ledger-store.js';
import type { Files, Ports } from './ports.js';
import type { HotfixConfig } from '../core/config.js';
import { usageError } from '../core/errors.js';
import { relativeTo } from '../core/text.js';
import type { Deps } from './deps.js';

/** The repository, the project in it, its config and its ledgers: what every command starts from. */
export interface Project {
  git: Git;
  /** The folder that holds hotfix.config.json, .hotfix/ and the Prisma project. */
  root: string;
  /** The same folder (the name the commands that read ledgers use). */
  projectRoot: string;
  config: HotfixConfig;
  store: LedgerStore;
  ports: Ports;
  files: Files;
}

/**
 * Finds the project from wherever the command was started (the project root, prisma/, src/...),
 * so that no command mistakes a subfolder for an empty project.
 */
export async function openProject(deps: Deps): Promise<Project> {
  const { ports } = deps;
  const git = await ports.git(deps.cwd);
  const root = await findProjectRoot(ports.files, deps.cwd, git.root);
  // --config is a path as typed, relative to where the command was started.
  const config = await loadConfig(
    ports.files,
    root,
    deps.configPath ? path.resolve(deps.cwd, deps.configPath) : undefined,
  );
  await insideRepository(ports.files, git.root, [
    path.resolve(root, config.migrations),
    path.join(root, '.hotfix'),
  ]);
  return {
    git,
    root,
    projectRoot: root,
    config,
    store: openLedgerStore(git, ports.files, root),
    ports,
    files: ports.files,
  };
}

/**
 * The folders hotfix writes must be in the repository, not links out of it: a cloned repository
 * could otherwise make it write (and git refuse to commit) anywhere on the machine.
 */
async function insideRepository(files: Files, gitRoot: string, dirs: string[]): Promise<void> {
  const top = (await files.realpath(gitRoot)) ?? gitRoot;
  for (const dir of dirs) {
    const real = await files.realpath(dir);
    if (real === undefined) continue; // not there yet: created inside the root
    if (real !== top && !real.startsWith(`${top}${path.sep}`)) {
      throw usageError(
        'PATH_OUTSIDE_REPO',
        `${relativeTo(gitRoot, dir)} leads outside the repository (to ${real}, through a symbolic link).`,
        {
          hint: 'Make it a real folder of the repository; hotfix writes only inside it.',
          details: { path: dir, real },
        },
      );
    }
  }
}

/** A hotfix's ledger: the working tree's, or the one on a local hotfix/* branch. */
export async function findHotfix(p: Project, name: string): Promise<LedgerEntry> {
  const found = (await p.store.listAll()).find((entry) => entry.file.name === name);
  if (!found) {
    throw usageError(
      'UNKNOWN_HOTFIX',
      `No hotfix named "${name}" in .hotfix/ or on a local hotfix/* branch.`,
      { hint: 'List them with: hotfix status' },
    );
  }
  return found;
}

/** Who records events: git's user.email, else the login name. */
export async function actorOf(git: Git, deps: Deps): Promise<string> {
  return (await git.userEmail()) ?? deps.env.USER ?? 'unknown';
}

/** Takes the repository's hotfix lock (`.git/hotfix.lock`) for `label`. */
export async function lockRepo(git: Git, label: string, deps: Deps): Promise<Lock> {
  const common = await git.commonDir();
  const lock = await deps.ports.lock(path.join(common, 'hotfix.lock'), label, lockOptions(deps));
  // Checked once the lock is ours (another hotfix command's git is done by then): a leftover
  // index.lock would fail the commit at the end, after the database changed, so refuse now.
  // (A worktree has its own index, under .git/worktrees/<name>.)
  for (const dir of new Set([common, await git.gitDir()])) {
    const indexLock = path.join(dir, 'index.lock');
    if ((await deps.ports.files.kind(indexLock)) !== undefined) {
      await lock.release();
      throw usageError(
        'GIT_INDEX_LOCKED',
        `${indexLock} exists: a git command is running here, or one was killed.`,
        {
          hint: `If no git command is running (ps aux | grep git), remove it: rm ${indexLock}`,
          details: { path: indexLock },
        },
      );
    }
  }
  await clearLeftovers(git, deps);
  return lock;
}

/** A ledger's temp file (fs-safe's writeFileAtomic); the lock's own are cleared where it is taken. */
const LEDGER_TEMP = /^\.[^/]+\.json\.(\d+)\.\d+\.tmp$/;

/**
 * Under the repository lock no other hotfix command is writing, so a temp file of hotfix's own
 * left by another process was cut short (kill -9 mid-write): removed, and said so. Left, it
 * dirties the tree and `start`/`finish` refuse on it.
 */
async function clearLeftovers(git: Git, deps: Deps): Promise<void> {
  const leftovers: string[] = [];
  const notMine = (m: RegExpExecArray | null) => m !== null && Number(m[1]) !== process.pid;
  for (const rel of await git.dirtyPaths()) {
    if (
      path.posix.basename(path.posix.dirname(rel)) === LEDGER_DIR &&
      notMine(LEDGER_TEMP.exec(path.posix.basename(rel)))
    )
      leftovers.push(path.join(git.root, rel));
  }
  for (const file of leftovers) {
    await deps.ports.files.remove(file);
    deps.progress?.(
      `Removed ${path.relative(git.root, file)}: a temp file of an earlier hotfix command that was stopped while it wrote.`,
    );
  }
}

/** --force-unlock, and the line that says a stale lock was removed. */
export function lockOptions(deps: Deps | undefined): LockOptions {
  return {
    forceUnlock: deps?.forceUnlock,
    waitMs: deps?.waitSeconds !== undefined ? deps.waitSeconds * 1000 : undefined,
    onWait: (held) => deps?.progress?.(`${held} Waiting up to ${deps.waitSeconds} s (--wait)...`),
    onLeftover: (file) =>
      deps?.progress?.(
        `Removed ${deps ? relativeTo(deps.cwd, file) : file}: a temp file of an earlier hotfix command that was stopped while it took the lock.`,
      ),
    onForced: (h, why) =>
      deps?.progress?.(
        `Removed the stale hotfix lock${h ? ` of pid ${h.pid} (${h.command}, since ${h.since})` : ''}: ${why}.`,
      ),
  };
}

/**
 * A file of the hotfix (relative to the project root), read where its ledger is: the working
 * tree, or the hotfix branch through git. Undefined when it does not exist there.
 */
export async function readHotfixFile(
  p: Project,
  entry: LedgerEntry,
  rel: string,
): Promise<string | undefined> {
  const file = path.resolve(p.projectRoot, rel);
  return entry.onBranch ? p.git.show(entry.onBranch, relativeTo(p.git.root, file)) : p.files.read(file);
}

/** What a plan asks of the repository (workflow/apply.ts gitNeeds). */
export interface GitNeeds {
  /** It writes to the working tree or git at all. */
  touches: boolean;
  /** It records or commits on the branch checked out now (not on one it checks out first). */
  onBranch: boolean;
  /** It makes a commit (not --no-commit). */
  commits: boolean;
}

/**
 * The repository can take what a writing command records: on a branch (a commit on a detached
 * HEAD belongs to no branch), no merge, rebase or cherry-pick of a person's under way (its abort
 * would throw the events away), and an identity to commit with. Checked before any intent is
 * written and before anything touches a database.
 */
export async function repositoryPreflight(git: Git, what: string, needs: GitNeeds): Promise<void> {
  if (!needs.touches) return;
  const op = await git.inProgress();
  if (op) {
    throw usageError(
      'GIT_OPERATION_IN_PROGRESS',
      `A ${op} is in progress in this repository: ${what} would commit its record into it, and git ${op} --abort would throw that away.`,
      {
        hint: `Finish it (git ${op} --continue) or abort it (git ${op} --abort), then run the same command again.`,
      },
    );
  }
  if (needs.onBranch && (await git.currentBranch()) === undefined) {
    throw usageError(
      'DETACHED_HEAD',
      `You are on a detached HEAD: what ${what} records would be committed on no branch, and the hotfix branch would never have it.`,
      { hint: 'Check out the hotfix branch (git checkout hotfix/<name>), then run the same command again.' },
    );
  }
  if (needs.commits && (await git.identity()) === undefined) {
    throw usageError(
      'NO_GIT_IDENTITY',
      `git has no identity to commit with here: ${what} commits what it records, and would stop after the change with the ledger left uncommitted.`,
      {
        hint: 'Set one: git config user.email "you@example.com" && git config user.name "Your Name" (or --no-commit to leave the ledger staged).',
      },
    );
  }
}
