import type { HotfixConfig } from '../config.js';
import type { HotfixState } from '../ledger.js';
import { finding, type VerifyFinding } from './findings.js';

/**
 * A hotfix that reached production must be merged back into the base and develop branches,
 * or the next release from them ships without it (and `migrate dev` there sees drift). "Merged"
 * is judged by content, the migration's folder being on the branch, not by commit ancestry:
 * squash merges and deleted hotfix branches are the norm on GitHub.
 */

/** The protected environments (or "production" when none is marked protected). */
export function productionEnvs(config: HotfixConfig): Set<string> {
  const protectedEnvs = Object.values(config.environments).filter((e) => e.protected);
  return new Set(protectedEnvs.length > 0 ? protectedEnvs.map((e) => e.name) : ['production']);
}

const liveOn = (state: HotfixState, production: ReadonlySet<string>) =>
  state.envs.filter((e) => production.has(e.name) && e.state !== 'rolled-back');

/** The hotfixes that are (still) on a production environment: the ones to find on the branches. */
export function reachedProduction<T extends { state: HotfixState }>(
  hotfixes: readonly T[],
  production: ReadonlySet<string>,
): T[] {
  return hotfixes.filter((h) => liveOn(h.state, production).length > 0);
}

/** The branches a hotfix is merged back into. */
export const mergeBackBranches = (config: HotfixConfig): string[] => [
  ...new Set([config.baseBranch, config.developBranch]),
];

/** A branch this checkout has neither locally nor as origin/<name>. */
export function mergeCheckSkipped(name: string, config: HotfixConfig): VerifyFinding {
  return finding('MERGE_CHECK_SKIPPED', {
    message: `Branch ${name} is neither a local branch nor origin/${name}: merge-back into it was not checked.`,
    fix: `In CI, fetch it (actions/checkout with fetch-depth: 0, or git fetch origin ${name}); if the project has no such branch, set "${name === config.developBranch ? 'developBranch' : 'baseBranch'}" in hotfix.config.json.`,
  });
}

/** `missing`: the branches whose tree lacks the hotfix's migration.sql. */
export function hotfixNotMerged(
  state: HotfixState,
  missing: readonly string[],
  production: ReadonlySet<string>,
): VerifyFinding[] {
  if (missing.length === 0) return [];
  const where = liveOn(state, production)
    .map((e) => `${e.state} on ${e.name}`)
    .join(', ');
  return [
    finding('HOTFIX_NOT_MERGED', {
      hotfix: state.name,
      migration: state.migration,
      message: `Hotfix ${state.name} reached production (${where}) but ${missing.join(' and ')} ${missing.length === 1 ? 'does' : 'do'} not have its migration yet.`,
      fix: missing.map((b) => `git checkout ${b} && git merge ${state.branch}`).join('; '),
    }),
  ];
}
