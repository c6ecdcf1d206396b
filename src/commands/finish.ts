import path from 'node:path';
import { ledgerChecklist, type ChecklistItem } from '../core/checklists.js';
import { findingsError, isHotfixError } from '../core/errors.js';
import { appendEvents, parseLedger, type LedgerFile, type NewEvent } from '../core/ledger.js';
import { validateHotfixName } from '../core/names.js';
import { planFinish, type FinishPlan, type FinishStep } from '../core/plan/finish.js';
import { withVersion } from '../core/version-file.js';
import type { Deps } from '../workflow/deps.js';
import { gatherFinishFacts, type FinishOptions } from '../workflow/finish-facts.js';
import { actorOf, findHotfix, lockRepo, openProject, type Project } from '../workflow/project.js';

export interface FinishInput extends Partial<FinishOptions> {
  name: string;
  dryRun?: boolean | undefined;
}

export interface FinishResult extends FinishPlan {
  dryRun: boolean;
  /** What this run did, in order. */
  done: string[];
  /** The branch checked out at the end. */
  on: string | null;
  checklist: ChecklistItem[];
}

/** `hotfix finish <name>`: gather facts, plan, apply (merge, bump, record, tag, delete, push). */
export async function finish(input: FinishInput, deps: Deps): Promise<FinishResult> {
  const name = validateHotfixName(input.name);
  const options: FinishOptions = {
    allowPartial: input.allowPartial === true,
    reason: input.reason,
    bump: input.bump !== false,
    tag: input.tag !== false,
    push: input.push === true,
  };
  const p = await openProject(deps);
  const lock = input.dryRun ? undefined : await lockRepo(p.git, `hotfix finish ${name}`, deps);
  try {
    const entry = await findHotfix(p, name);
    const plan = planFinish(await gatherFinishFacts(p, entry.file, options, deps));
    const planned = plan.plan.flatMap((s) => (s.kind === 'merge' ? [s.into] : []));
    const merged = [...new Set([plan.base, plan.develop])].filter((b) => !planned.includes(b));
    const run: Run = { p, deps, name, options, done: [], merged, ledger: entry.file };
    if (!input.dryRun) for (const step of plan.plan) await applyStep(run, step);
    return {
      ...plan,
      dryRun: input.dryRun === true,
      done: run.done,
      on: (await p.git.currentBranch()) ?? null,
      checklist: ledgerChecklist('merge-back', run.ledger, {
        environments: Object.keys(p.config.environments),
      }),
    };
  } finally {
    await lock?.release();
  }
}

interface Run {
  p: Project;
  deps: Deps;
  name: string;
  options: FinishOptions;
  done: string[];
  /** Branches that have the hotfix (before this run, or merged by it). */
  merged: string[];
  /** The ledger as last written. */
  ledger: LedgerFile;
}

async function applyStep(r: Run, step: FinishStep): Promise<void> {
  const { git } = r.p;
  switch (step.kind) {
    case 'checkout':
      if ((await git.currentBranch()) !== step.branch) await git.checkout(step.branch);
      return;
    case 'merge': {
      if ((await git.currentBranch()) !== step.into) await git.checkout(step.into);
      const result = await git.merge(step.branch, step.message);
      if (!result.merged) throw await conflict(r, step, result.conflicts);
      r.merged.push(step.into);
      r.done.push(`merged ${step.branch} into ${step.into} (${result.commit.slice(0, 12)})`);
      return;
    }
    case 'bump': {
      const file = path.join(git.root, step.file);
      const text = (await r.p.files.read(file)) ?? '';
      await r.p.files.write(file, withVersion(text, step.from, step.to));
      const files = [step.file];
      // npm keeps the version in the lockfile too (top level and packages[""]).
      const lockRel = path.posix.join(path.posix.dirname(step.file), 'package-lock.json');
      const lockText = await r.p.files.read(path.join(git.root, lockRel));
      if (lockText !== undefined) {
        const updated = withVersion(lockText, step.from, step.to, 2);
        if (updated !== lockText) {
          await r.p.files.write(path.join(git.root, lockRel), updated);
          files.push(lockRel);
        }
      }
      await git.add(files);
      await git.commit(step.message, files);
      r.done.push(`bumped ${step.file} from ${step.from} to ${step.to} on ${step.on}`);
      return;
    }
    case 'record':
      await recordFinished(r, step);
      return;
    case 'tag':
      await git.tag(step.name, step.message);
      r.done.push(`tagged ${step.on} as ${step.name}`);
      return;
    case 'delete-branch':
      await git.deleteBranch(step.branch);
      r.done.push(`deleted branch ${step.branch}`);
      return;
    case 'push':
      await git.push(step.remote, step.refs);
      r.done.push(`pushed ${step.refs.join(', ')} to ${step.remote}`);
      return;
  }
}

const finishedEvent = async (
  r: Run,
  outcome: NewEvent['outcome'],
  details: Record<string, unknown>,
): Promise<NewEvent> => ({
  type: 'finished',
  at: r.deps.now().toISOString(),
  actor: await actorOf(r.p.git, r.deps),
  command: 'finish',
  outcome,
  ...(r.options.reason ? { reason: r.options.reason } : {}),
  details,
});

/**
 * The `finished` event, committed on each branch (ending on the base). Every branch gets the
 * same file, the longest copy plus the event, so later merges between them never conflict.
 */
async function recordFinished(r: Run, step: Extract<FinishStep, { kind: 'record' }>): Promise<void> {
  const { git, store } = r.p;
  const rel = store.relativePath(r.name);
  let latest = r.ledger;
  for (const b of step.on) {
    const text = await git.show(b, rel);
    const copy = text === undefined ? undefined : parseLedger(text, `${b}:${rel}`);
    if (copy && copy.events.length > latest.events.length) latest = copy;
  }
  const file = appendEvents(latest, [await finishedEvent(r, 'ok', step.details)]);
  // Develop first, so the run ends on the base, where the tag goes.
  for (const b of [...step.on].reverse()) {
    if ((await git.currentBranch()) !== b) await git.checkout(b);
    await store.write(file);
    await git.add([rel]);
    await git.commit(step.message, [rel]);
  }
  r.ledger = file;
  r.done.push(`recorded finished in ${rel} on ${step.on.join(' and ')}`);
}

/**
 * A conflict stops finish where it is: the repository stays mid-merge for a person, earlier
 * merges stay, and the ledger in the merge records how far it got (committed with the merge).
 */
async function conflict(
  r: Run,
  step: Extract<FinishStep, { kind: 'merge' }>,
  files: string[],
): Promise<Error> {
  const mergedBefore = r.merged;
  let recorded = false;
  try {
    const current = await r.p.store.read(r.name);
    if (current) {
      const details = { merged: mergedBefore, conflict: { branch: step.into, files } };
      await r.p.store.write(appendEvents(current, [await finishedEvent(r, 'failed', details)]));
      await r.p.git.add([r.p.store.relativePath(r.name)]);
      recorded = true;
    }
  } catch (error) {
    if (!isHotfixError(error)) throw error; // the ledger itself conflicted: say so below
  }
  const already =
    mergedBefore.length > 0
      ? ` ${mergedBefore.join(' and ')} already ${mergedBefore.length > 1 ? 'have' : 'has'} the hotfix and keep${mergedBefore.length > 1 ? '' : 's'} it.`
      : '';
  return findingsError(
    'MERGE_CONFLICT',
    `Merging ${step.branch} into ${step.into} stopped on a conflict in: ${files.join(', ')}.${already} The repository is left mid-merge on ${step.into}${recorded ? '; the ledger in the merge records it' : ''}.`,
    {
      hint: `Resolve the files, git add them and git commit, then run hotfix finish ${r.name} again to bump, tag and delete the branch. (git merge --abort leaves ${step.into} as it was.)`,
      details: { branch: step.into, conflicts: files, merged: mergedBefore, done: r.done },
    },
  );
}
