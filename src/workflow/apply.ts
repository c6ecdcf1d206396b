import path from 'node:path';
import type { Lock } from '../adapters/fs-safe.js';
import type { Git } from '../adapters/git.js';
import type { HotfixConfig } from '../core/config.js';
import { findingsError, infraError, isHotfixError, usageError, type HotfixError } from '../core/errors.js';
import { appendEvents, parseLedger, type LedgerFile } from '../core/ledger.js';
import { resolveInside } from '../core/names.js';
import type { RepoStep, Step } from '../core/plan/types.js';
import type { VerifySqlState } from '../core/plan/resolve-check.js';
import { toPosix } from '../core/text.js';
import { withVersion } from '../core/version-file.js';
import { backupStep, type BackupTaken } from './backup-step.js';
import type { Deps } from './deps.js';
import type { LedgerStore } from './ledger-store.js';
import type { Ports } from './ports.js';
import { lockRepo, repositoryPreflight, type GitNeeds } from './project.js';
import type { Recorder } from './recorder.js';
import { runRecorded } from './recorded-step.js';
import type { Session } from './session.js';
import { UndoList } from './undo.js';
import { runVerifyStep } from './verify-step.js';

/** How far a run goes: --dry-run plans only; --no-commit leaves what it wrote staged. */
export interface PlanInput {
  dryRun?: boolean | undefined;
  commit: boolean;
}

/** What applying a plan needs: the repository, the ledger's recorder, and (for env steps) a session. */
export interface ApplyContext {
  deps: Deps;
  ports: Ports;
  git: Git;
  projectRoot: string;
  config: HotfixConfig;
  store: LedgerStore;
  rec: Recorder;
  input: PlanInput & { name: string };
}

export interface Applied {
  /** false: a dry run, nothing was changed. */
  ran: boolean;
  /** The last commit made, when one was. */
  commit: string | null;
  /** Paths left staged (--no-commit). */
  staged: string[];
  /** The commit of a migration the plan wrote (a roll forward's revert). */
  migrationCommit: string | null;
  /** What verify.sql said, when the plan ran it. */
  verifySql: VerifySqlState['state'] | null;
  /** Where --backup saved what the step took away, and how to put it back. */
  backup: BackupTaken | null;
  /** What this run did to the repository, in order, for people. */
  done: string[];
}

export interface ApplyOptions {
  /**
   * All or nothing (start): when a step fails, every repository step done so far is undone,
   * last first, and this turns the cause and what could not be undone into the error.
   */
  undo?: (cause: unknown, notUndone: string[]) => Error;
  /** Names the kill points of the test suite: `<command>-after-<step kind>`. */
  command: string;
}

/** The repository lock for a run that may write; a dry run takes none (it reads, and must not wait). */
export async function lockForRun(
  git: Git,
  label: string,
  deps: Deps,
  input: PlanInput,
): Promise<Lock | undefined> {
  return input.dryRun ? undefined : lockRepo(git, label, deps);
}

/** What every result says of its run. */
export const runOf = (applied: Applied) => ({ dryRun: !applied.ran, commit: applied.commit });

/**
 * Walks a plan. This is the only place a dry run stops: everything before it only reads, so a
 * write added to a command without a dry-run guard cannot exist. In a dry run the ledger
 * events a plan records are kept in memory (the plan of what follows starts from them).
 */
export async function applyPlan(
  ctx: ApplyContext,
  plan: readonly Step[],
  options: ApplyOptions,
): Promise<Applied> {
  const applied: Applied = {
    ran: !ctx.input.dryRun,
    commit: null,
    staged: [],
    migrationCommit: null,
    verifySql: null,
    backup: null,
    done: [],
  };
  // Before the first write and in a dry run alike: a repository that cannot take the record
  // is refused before any intent is written or any database is touched.
  await repositoryPreflight(ctx.git, `hotfix ${options.command}`, gitNeeds(plan, ctx.input.commit));
  if (ctx.input.dryRun) {
    for (const step of plan) if (step.kind === 'record') ctx.rec.remember([step.event]);
    return applied;
  }
  const undo = options.undo ? new UndoList() : undefined;
  let deferred: HotfixError | undefined;
  try {
    for (const step of plan) {
      const failure = await applyStep(ctx, step, applied, undo);
      if (failure) deferred ??= failure;
      ctx.ports.run.faultPoint(`${options.command}-after-${step.kind}`);
    }
  } catch (cause) {
    if (undo && options.undo) throw options.undo(cause, await undo.undoAll());
    throw cause;
  }
  if (deferred) throw deferred;
  return applied;
}

/** What a plan needs of git: whether it commits at all, and whether it commits on the checkout it starts from. */
export function gitNeeds(plan: readonly Step[], commit: boolean): GitNeeds {
  let onBranch = false;
  let touches = false;
  let commits = false;
  let moved = false;
  for (const step of plan) {
    switch (step.kind) {
      case 'create-branch':
      case 'checkout':
      case 'merge':
        moved = true;
        touches = true;
        commits ||= step.kind === 'merge';
        break;
      case 'write-migration':
        if (!step.createBranch && !moved) onBranch = true;
        moved ||= step.createBranch !== undefined;
        touches = commits = true;
        break;
      case 'record':
      case 'recorded':
      case 'write-files':
      case 'create-ledger':
      case 'commit':
        if (!moved) onBranch = true;
        touches = true;
        commits ||= step.kind === 'commit' && commit;
        break;
      case 'bump':
      case 'record-finished':
      case 'tag':
        touches = commits = true;
        break;
      default:
        break;
    }
  }
  return { touches, onBranch, commits };
}

/** One step; returns an error to raise once the whole plan ran (the ledger is committed by then). */
async function applyStep(
  ctx: ApplyContext,
  step: Step,
  applied: Applied,
  undo: UndoList | undefined,
): Promise<HotfixError | undefined> {
  switch (step.kind) {
    case 'record':
      await ctx.rec.append([step.event]);
      return undefined;
    case 'lint-gate':
      if (!step.accepted) throw lintBlocked(session(ctx), step);
      return undefined;
    case 'confirm':
      await confirm(session(ctx), step);
      return undefined;
    case 'write-migration':
      applied.migrationCommit = await writeMigration(session(ctx), step);
      return undefined;
    case 'recorded':
      return runRecorded(session(ctx), step);
    case 'backup':
      applied.backup = await backupStep(session(ctx), step);
      return undefined;
    case 'verify-sql': {
      const checked = await runVerifyStep(session(ctx), step);
      applied.verifySql = checked.state.state;
      return checked.error;
    }
    case 'commit':
      await commitStep(ctx, step, applied, undo);
      return undefined;
    case 'create-branch':
    case 'checkout':
    case 'write-files':
    case 'create-ledger':
    case 'merge':
    case 'bump':
    case 'record-finished':
    case 'tag':
    case 'delete-branch':
    case 'push':
      await repoStep(ctx, step, applied, undo);
      return undefined;
    default:
      return unknownStep(step);
  }
}

/** The compiler's proof that every step kind is handled above. */
function unknownStep(step: never): never {
  throw new Error(`applyPlan: unknown step ${JSON.stringify(step)}`);
}

/** A step that needs an environment, in a run that has one (deploy, resolve, rollback). */
function session(ctx: ApplyContext): Session {
  if (!('target' in ctx)) throw new Error('applyPlan: an environment step in a plan without an environment');
  return ctx as Session;
}

async function repoStep(
  ctx: ApplyContext,
  step: Exclude<RepoStep, { kind: 'commit' }>,
  applied: Applied,
  undo: UndoList | undefined,
): Promise<void> {
  const { git, ports } = ctx;
  switch (step.kind) {
    case 'create-branch': {
      await git.createBranch(step.branch, step.from);
      undo?.push(
        `delete branch ${step.branch}`,
        async () => {
          await git.checkout(step.from);
          await git.deleteBranch(step.branch);
        },
        `git checkout ${step.from} && git branch -D ${step.branch}`,
      );
      applied.done.push(`created branch ${step.branch} from ${step.from}`);
      ctx.deps.progress?.(`created branch ${step.branch} from ${step.from}`);
      return;
    }
    case 'checkout':
      if ((await git.currentBranch()) !== step.branch) await git.checkout(step.branch);
      return;
    case 'write-files': {
      for (const f of step.files) {
        const file = resolveInside(ctx.projectRoot, f.path);
        const dir = path.dirname(file);
        const before = await ports.files.read(file);
        const newDir = (await ports.files.kind(dir)) === undefined;
        if (newDir) await ports.files.mkdir(dir, { recursive: true });
        if (newDir)
          undo?.push(
            `remove ${toPosix(path.dirname(f.path))}`,
            () => ports.files.remove(dir),
            `rm -r ${toPosix(path.dirname(f.path))}`,
          );
        if (f.create) await ports.files.create(file, f.text);
        else await ports.files.write(file, f.text);
        if (!newDir)
          undo?.push(`restore ${f.path}`, () =>
            before === undefined ? ports.files.remove(file) : ports.files.write(file, before),
          );
      }
      return;
    }
    case 'create-ledger':
      await ctx.store.write(step.ledger);
      ctx.rec.replace(step.ledger, true);
      undo?.push(
        `remove ${ctx.store.relativePath(step.ledger.name)}`,
        () => ctx.store.remove(step.ledger.name),
        `rm ${ctx.store.relativePath(step.ledger.name)}`,
      );
      ctx.deps.progress?.(`recorded ${ctx.store.relativePath(step.ledger.name)}`);
      return;
    case 'merge': {
      if ((await git.currentBranch()) !== step.into) await git.checkout(step.into);
      const result = await git.merge(step.branch, step.message);
      if (!result.merged) throw await mergeConflict(ctx, step, result.conflicts, applied.done);
      applied.done.push(`merged ${step.branch} into ${step.into} (${result.commit.slice(0, 12)})`);
      return;
    }
    case 'bump': {
      const file = path.join(git.root, step.file);
      const text = (await ports.files.read(file)) ?? '';
      await ports.files.write(file, withVersion(text, step.from, step.to));
      const files = [step.file];
      // npm keeps the version in the lockfile too (top level and packages[""]).
      const lockRel = path.posix.join(path.posix.dirname(step.file), 'package-lock.json');
      const lockText = await ports.files.read(path.join(git.root, lockRel));
      if (lockText !== undefined) {
        const updated = withVersion(lockText, step.from, step.to, 2);
        if (updated !== lockText) {
          await ports.files.write(path.join(git.root, lockRel), updated);
          files.push(lockRel);
        }
      }
      await git.add(files);
      applied.commit = await git.commit(step.message, files);
      applied.done.push(`bumped ${step.file} from ${step.from} to ${step.to} on ${step.on}`);
      return;
    }
    case 'record-finished':
      await recordFinished(ctx, step, applied);
      return;
    case 'tag':
      await git.tag(step.name, step.message);
      applied.done.push(`tagged ${step.on} as ${step.name}`);
      return;
    case 'delete-branch':
      await git.deleteBranch(step.branch);
      applied.done.push(`deleted branch ${step.branch}`);
      return;
    case 'push':
      await git.push(step.remote, step.refs);
      applied.done.push(`pushed ${step.refs.join(', ')} to ${step.remote}`);
      return;
    default:
      unknownStep(step);
  }
}

/**
 * The ledger's new events and `paths` (project-relative), committed. A failure here must not
 * hide that a database changed: say what the ledger holds, and that the next command commits it.
 */
async function commitStep(
  ctx: ApplyContext,
  step: Extract<Step, { kind: 'commit' }>,
  applied: Applied,
  undo: UndoList | undefined,
): Promise<void> {
  const paths = (step.paths ?? []).map((p) =>
    toPosix(path.relative(ctx.git.root, path.resolve(ctx.projectRoot, p))),
  );
  const before = await ctx.git.head();
  const all = [...new Set([...(paths.length > 0 ? [ctx.rec.path] : []), ...paths])];
  // Registered first: a commit that fails has staged them already.
  undo?.push('unstage the new files', () => ctx.git.unstage(all), `git reset -q -- ${all.join(' ')}`);
  let commit: string | undefined;
  try {
    commit = await ctx.rec.commit(step.message, paths);
  } catch (error) {
    if (undo) throw error; // an all-or-nothing plan is undone by applyPlan
    const last = ctx.rec.file().events.at(-1);
    const cause = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw infraError(
      'LEDGER_COMMIT_FAILED',
      `What happened is recorded in ${ctx.rec.path} (last event: ${last?.type ?? '?'} ${last?.outcome ?? ''}), but git could not commit it: ${cause}`,
      {
        hint: 'Fix the cause (disk space, a git hook, .git/index.lock), then run any hotfix command for this hotfix: it commits the ledger first. Do not discard the change to the ledger.',
        cause: error,
      },
    );
  }
  if (commit) {
    applied.commit = commit;
    if (before) undo?.push('undo the commit', () => ctx.git.resetSoft(before), `git reset --soft ${before}`);
  } else if (!ctx.input.commit) {
    applied.staged = all;
  }
}

/**
 * The `finished` event, committed on each branch (ending on the base). Every branch gets the
 * same file, the longest copy plus the event, so later merges between them never conflict.
 */
async function recordFinished(
  ctx: ApplyContext,
  step: Extract<Step, { kind: 'record-finished' }>,
  applied: Applied,
): Promise<void> {
  const { git, store } = ctx;
  const rel = store.relativePath(ctx.input.name);
  let latest = ctx.rec.file();
  for (const b of step.on) {
    const text = await git.show(b, rel);
    const copy = text === undefined ? undefined : parseLedger(text, `${b}:${rel}`);
    if (copy && copy.events.length > latest.events.length) latest = copy;
  }
  const file = appendEvents(latest, [
    ctx.rec.stamp({ type: 'finished', outcome: 'ok', details: step.details }),
  ]);
  // Develop first, so the run ends on the base, where the tag goes.
  for (const b of [...step.on].reverse()) {
    if ((await git.currentBranch()) !== b) await git.checkout(b);
    await store.write(file);
    await git.add([rel]);
    applied.commit = await git.commit(step.message, [rel]);
  }
  ctx.rec.replace(file, false);
  applied.done.push(`recorded finished in ${rel} on ${step.on.join(' and ')}`);
}

/**
 * A conflict stops the run where it is: the repository stays mid-merge for a person, earlier
 * merges stay, and the ledger in the merge records how far it got (committed with the merge).
 */
async function mergeConflict(
  ctx: ApplyContext,
  step: Extract<Step, { kind: 'merge' }>,
  files: string[],
  done: string[],
): Promise<Error> {
  const name = ctx.input.name;
  let recorded = false;
  try {
    const current = await ctx.store.read(name);
    if (current) {
      const details = { merged: step.mergedBefore, conflict: { branch: step.into, files } };
      const file: LedgerFile = appendEvents(current, [
        ctx.rec.stamp({ type: 'finished', outcome: 'failed', details }),
      ]);
      await ctx.store.write(file);
      await ctx.git.add([ctx.store.relativePath(name)]);
      recorded = true;
    }
  } catch (error) {
    if (!isHotfixError(error)) throw error; // the ledger itself conflicted: say so below
  }
  const before = step.mergedBefore;
  const already =
    before.length > 0
      ? ` ${before.join(' and ')} already ${before.length > 1 ? 'have' : 'has'} the hotfix and keep${before.length > 1 ? '' : 's'} it.`
      : '';
  return findingsError(
    'MERGE_CONFLICT',
    `Merging ${step.branch} into ${step.into} stopped on a conflict in: ${files.join(', ')}.${already} The repository is left mid-merge on ${step.into}${recorded ? '; the ledger in the merge records it' : ''}.`,
    {
      hint: `Resolve the files, git add them and git commit, then run hotfix finish ${name} again to bump, tag and delete the branch. (git merge --abort leaves ${step.into} as it was.)`,
      details: { branch: step.into, conflicts: files, merged: before, done: [...done] },
    },
  );
}

function lintBlocked(s: Session, step: Extract<Step, { kind: 'lint-gate' }>): HotfixError {
  const where = [...new Set(step.blocking.map((f) => `${f.rule} (${f.file ?? ''}:${f.line})`))].join(', ');
  return findingsError(
    'LINT_BLOCKED',
    `${step.blocking.length} error-severity lint finding(s) in ${step.what} on protected "${s.target.env.name}": ${where}`,
    {
      hint: `Make ${step.file} safe (hotfix lint ${step.file} shows the fix), suppress a statement with a reason (-- hotfix-lint-disable-next-line <rule> -- <why>), or pass --accept-risk --reason TEXT.`,
      details: { findings: step.blocking },
    },
  );
}

/** Protected environments need a yes: typed at a terminal, or --yes where there is none. */
async function confirm(s: Session, step: Extract<Step, { kind: 'confirm' }>): Promise<void> {
  if (step.given) return;
  const env = s.target.env.name;
  if (!s.deps.confirm) {
    throw usageError('NEEDS_YES', `"${env}" is protected and there is no terminal to confirm on.`, {
      hint: `Add --yes to ${step.action} on ${env} without a prompt.`,
    });
  }
  const question = step.details ? `${step.details.join('\n')}\n${step.question}` : step.question;
  if (!(await s.deps.confirm(question))) {
    throw usageError('NOT_CONFIRMED', 'Not confirmed: nothing was changed.');
  }
}

/** Writes and commits a new migration folder (with the files it was made from); undone on failure. */
async function writeMigration(
  s: Session,
  step: Extract<Step, { kind: 'write-migration' }>,
): Promise<string | null> {
  const file = path.resolve(s.projectRoot, step.path);
  const dir = resolveInside(s.migrationsDir, step.migration);
  if (path.dirname(file) !== dir)
    throw new Error(`write-migration: ${step.path} is not in ${step.migration}`);
  const toGit = (p: string) => toPosix(path.relative(s.git.root, path.resolve(s.projectRoot, p)));
  const paths = [toGit(dir), ...step.alsoCommit.map(toGit)];
  if (step.createBranch) await createRevertBranch(s, step.createBranch);
  const files = s.ports.files;
  await files.mkdir(dir);
  try {
    await files.create(file, step.sql);
    await s.git.add(paths);
    if (!s.input.commit) return null;
    return await s.git.commit(step.message, paths);
  } catch (cause) {
    await s.git.unstage([toGit(dir)]).catch(() => undefined);
    await files.remove(dir);
    throw infraError(
      'REVERT_NOT_CREATED',
      `Could not create and commit ${step.migration}: ${(cause as Error).message}. It was removed; nothing ran.`,
      { hint: 'Fix the cause (a git hook?) and run the rollback again.', cause },
    );
  }
}

/** After finish the hotfix branch is gone: the revert goes on hotfix/<name>-revert from the base. */
async function createRevertBranch(s: Session, b: { name: string; from: string }): Promise<void> {
  if (await s.git.branchExists(b.name)) {
    throw usageError('REVERT_BRANCH_EXISTS', `Branch ${b.name} already exists.`, {
      hint: `git checkout ${b.name}, then run the rollback again (or delete the branch if it is stale).`,
    });
  }
  await s.git.createBranch(b.name, b.from);
  s.deps.progress?.(`created branch ${b.name} from ${b.from} for the revert migration`);
}
