import { gt, inc, valid } from 'semver';
import { findingsError, usageError } from '../errors.js';
import { describeMismatch, type ClaimsChecked } from '../ledger-claims.js';
import { deriveState, type EnvState, type LedgerFile } from '../ledger.js';
import type { GuardFinding } from '../merge-guard.js';
import type { RepoStep } from './types.js';

/**
 * `hotfix finish`: merge the hotfix branch back into the base and develop branches, bump the
 * patch version and tag it, record it, delete the branch. Pure: the facts in, the steps (the
 * --dry-run and --json body) or a refusal out. Every step already done (a merge an earlier run
 * made before it stopped on a conflict) is left out, so finish can be run again.
 */

export interface FinishFacts {
  ledger: LedgerFile;
  base: string;
  develop: string;
  /** Configured environments: finish waits for all of them. */
  environments: string[];
  git: {
    current: string | undefined;
    dirty: string[];
    mergeInProgress: boolean;
    branchExists: boolean;
    baseExists: boolean;
    developExists: boolean;
    /** The hotfix is already in the branch (merged by an earlier run, or by hand). */
    merged: { base: boolean; develop: boolean };
    /** Tags that exist, of those the plan may create. */
    tagsTaken: string[];
    remote: string | undefined;
  };
  /** package.json's version on the base branch and on the hotfix branch (undefined: none). */
  version: { file: string; base: string | undefined; branch: string | undefined } | undefined;
  input: { allowPartial: boolean; reason: string | undefined; bump: boolean; tag: boolean; push: boolean };
  /**
   * `hotfix/<name>-revert`, where a rollback --everywhere after finish put the revert migration,
   * and whether base and develop have it: finish carries it back like the hotfix.
   */
  revert?: { branch: string; merged: { base: boolean; develop: boolean } } | undefined;
  guard: GuardFinding[];
  /** The ledger's claims read against the databases that could be reached. */
  claims: ClaimsChecked;
}

export type FinishStep = RepoStep;

export interface FinishPlan {
  command: 'finish';
  hotfix: string;
  branch: string;
  base: string;
  develop: string;
  alreadyDone: boolean;
  /** Environments not deployed or resolved (only with --allow-partial). */
  partial: { env: string; state: EnvState | 'never' }[];
  version: { from: string; to: string } | null;
  tag: string | null;
  guard: GuardFinding[];
  /** Environments whose ledger claims were not read against their database, and why. */
  unchecked: { env: string; why: string }[];
  plan: FinishStep[];
}

/** Where the hotfix's migration is in place: applied, or undone by a revert that is itself applied. */
const SETTLED: readonly EnvState[] = ['deployed', 'resolved', 'rolled-forward'];

export function bumpPatch(version: string): string {
  const next = inc(version, 'patch');
  if (!next) throw new Error(`bumpPatch: ${version} is not a version`);
  return next;
}

export function planFinish(f: FinishFacts): FinishPlan {
  const name = f.ledger.name;
  const state = deriveState(f.ledger);
  // Finished, then rolled back everywhere: the revert's own branch is what is left to carry back.
  const revert =
    state.phase === 'finished' && f.revert && !(f.revert.merged.base && f.revert.merged.develop)
      ? f.revert
      : undefined;
  const branch = revert?.branch ?? f.ledger.branch;
  const merged = revert?.merged ?? f.git.merged;
  const branchExists = revert ? true : f.git.branchExists;
  const base: FinishPlan = {
    command: 'finish',
    hotfix: name,
    branch,
    base: f.base,
    develop: f.develop,
    alreadyDone: false,
    partial: [],
    version: null,
    tag: null,
    guard: f.guard,
    unchecked: f.claims.unread,
    plan: [],
  };
  if (state.phase === 'finished' && !revert) return { ...base, alreadyDone: true, guard: [] };
  if (f.git.mergeInProgress) {
    throw usageError('MERGE_IN_PROGRESS', 'A merge is in progress in this repository.', {
      hint: `Resolve the conflicted files, git add them and git commit (or git merge --abort), then run hotfix finish ${name} again.`,
    });
  }
  if (f.git.dirty.length > 0) {
    throw usageError('DIRTY_TREE', `The working tree has changes: ${f.git.dirty.slice(0, 10).join(', ')}.`, {
      hint: 'Commit or stash them first: finish switches branches and merges.',
      details: { dirty: f.git.dirty },
    });
  }
  if (f.claims.mismatches.length > 0) {
    throw findingsError(
      'LEDGER_DB_MISMATCH',
      `The ledger of ${name} claims what the databases do not have:\n${f.claims.mismatches.map((m) => `  - ${describeMismatch(m)}`).join('\n')}\nfinish merges, bumps and tags on those claims: refused.`,
      {
        hint: `See what each environment really has: hotfix verify --env ${f.claims.mismatches[0]!.env}. Deploy or resolve it there (the ledger then records what is true), or correct the ledger by hand in a reviewed commit.`,
        details: { mismatches: f.claims.mismatches },
      },
    );
  }
  const partial = f.environments
    .map((env) => ({ env, state: state.envs.find((e) => e.name === env)?.state ?? ('never' as const) }))
    .filter((e) => !SETTLED.includes(e.state as EnvState));
  if (partial.length > 0 && !f.input.allowPartial) {
    throw usageError(
      'NOT_EVERYWHERE',
      `Hotfix ${name} is not deployed or resolved everywhere: ${partial.map((p) => `${p.env} is ${p.state === 'never' ? 'untouched' : p.state}`).join(', ')}.`,
      {
        hint: `Finish it there first (hotfix deploy ${name} --env ${partial[0]!.env}, or hotfix resolve), or pass --allow-partial --reason TEXT.`,
        details: { partial },
      },
    );
  }
  if (f.input.allowPartial && !f.input.reason) {
    throw usageError(
      'ALLOW_PARTIAL_NEEDS_REASON',
      '--allow-partial needs --reason TEXT: the ledger records why.',
    );
  }
  for (const [b, exists, key] of [
    [f.base, f.git.baseExists, 'baseBranch'],
    [f.develop, f.git.developExists, 'developBranch'],
  ] as const) {
    if (!exists) {
      throw usageError('BRANCH_MISSING', `There is no local branch ${b} to merge the hotfix into.`, {
        hint: `git fetch origin ${b} && git branch ${b} origin/${b}; or set "${key}" in hotfix.config.json (the same as the base branch when there is no develop).`,
      });
    }
  }
  const merges = [...new Set([f.base, f.develop])].filter(
    (b) => !(b === f.base ? merged.base : merged.develop),
  );
  if (merges.length > 0 && !branchExists) {
    throw usageError(
      'HOTFIX_BRANCH_MISSING',
      `Branch ${branch} is gone and ${merges.join(' and ')} lack the hotfix.`,
      {
        hint: `Restore the branch (git branch ${branch} <commit>) or merge the hotfix by hand, then run hotfix finish ${name} again.`,
      },
    );
  }
  const { version, tag } = versionAndTag(f);
  if (tag && f.git.tagsTaken.includes(tag)) {
    throw usageError('TAG_EXISTS', `Tag ${tag} already exists.`, {
      hint: 'Pass --no-tag, or set the version in package.json by hand on the hotfix branch.',
    });
  }
  if (f.input.push && !f.git.remote) {
    throw usageError('NO_REMOTE', '--push needs a remote named origin.', {
      hint: 'git remote add origin <url>, or push by hand.',
    });
  }

  // Branches that have the hotfix before each merge: a conflict says which keep it.
  const had = [...new Set([f.base, f.develop])].filter((b) => !merges.includes(b));
  const steps: FinishStep[] = merges.map((into, k) => ({
    kind: 'merge',
    into,
    branch,
    message: `Merge ${branch} into ${into} (hotfix ${name})`,
    mergedBefore: [...had, ...merges.slice(0, k)],
  }));
  steps.push({ kind: 'checkout', branch: f.base });
  if (version && version.bumped) {
    steps.push({
      kind: 'bump',
      file: f.version!.file,
      from: version.from,
      to: version.to,
      on: f.base,
      message: `chore: bump version to ${version.to} (hotfix ${name})`,
    });
  }
  const details = {
    merged: [...new Set([f.base, f.develop])],
    version: version?.to ?? null,
    tag,
    branchDeleted: branchExists,
    ...(revert ? { revert: revert.branch } : {}),
    ...(partial.length > 0 ? { partial } : {}),
  };
  steps.push({
    kind: 'record-finished',
    on: [...new Set([f.base, f.develop])],
    details,
    message: `hotfix(${name}): ${revert ? 'its revert merged back' : 'finished'}${version ? `, version ${version.to}` : ''}`,
  });
  // The record step ends on the base: the tag goes there, and the branch can be deleted.
  if (tag) steps.push({ kind: 'tag', name: tag, on: f.base, message: `hotfix ${name}` });
  if (branchExists) steps.push({ kind: 'delete-branch', branch });
  if (f.input.push && f.git.remote) {
    const refs = [...new Set([f.base, f.develop]), ...(tag ? [`refs/tags/${tag}`] : [])];
    steps.push({ kind: 'push', remote: f.git.remote, refs });
  }
  return {
    ...base,
    partial,
    version: version ? { from: version.from, to: version.to } : null,
    tag,
    plan: steps,
  };
}

/** The version to release: a patch bump of the base's, or what the hotfix branch already set. */
function versionAndTag(f: FinishFacts): {
  version: { from: string; to: string; bumped: boolean } | undefined;
  tag: string | null;
} {
  if (!f.input.bump && !f.input.tag) return { version: undefined, tag: null };
  const v = f.version;
  const current = v?.base;
  if (!v || current === undefined) {
    throw usageError('VERSION_MISSING', `No "version" in ${v?.file ?? 'package.json'} on ${f.base}.`, {
      hint: 'Pass --no-bump --no-tag, or add a version to package.json.',
    });
  }
  if (!valid(current)) {
    throw usageError(
      'VERSION_INVALID',
      `${v.file} on ${f.base} has version "${current}", which is not semver.`,
      {
        hint: 'Pass --no-bump (and --no-tag), or fix the version.',
      },
    );
  }
  // Bumped by hand on the hotfix branch (as some runbooks say): release that one as it is.
  const byHand = v.branch !== undefined && valid(v.branch) !== null && gt(v.branch, current);
  const to = !f.input.bump ? current : byHand ? v.branch! : bumpPatch(current);
  return {
    version: f.input.bump ? { from: current, to, bumped: !byHand } : undefined,
    tag: f.input.tag ? `v${to}` : null,
  };
}
