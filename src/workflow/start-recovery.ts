import type { Git } from '../adapters/git.js';
import type { LedgerStore } from '../adapters/ledger-store.js';
import { usageError } from '../core/errors.js';
import { branchFor } from '../core/names.js';

/**
 * A start killed before its commit leaves its branch checked out and its files written, never
 * undone. With its ledger written it is whole: said as such, with the two ways on (commit what it
 * wrote, or remove it). Killed earlier (branch made, files in part), there is only the way back;
 * that needs the branch to have no commit of its own, so that nobody's work is dropped.
 */
export async function interruptedStart(
  git: Git,
  ledger: LedgerStore,
  name: string,
  current: string | undefined,
  base: string,
): Promise<void> {
  if (current !== branchFor(name)) return;
  const rel = ledger.relativePath(name);
  if ((await git.show('HEAD', rel)) !== undefined) return; // its start was committed
  const left = await git.dirtyPaths();
  const whole = left.includes(rel);
  if (!whole && (await git.head()) !== (await git.resolveRef(`refs/heads/${base}`))) return;
  // The migration folders whole (git clean of their files alone leaves the folders behind).
  const drop = [...new Set(left.map((p) => (p === rel ? p : p.replace(/\/[^/]+$/, ''))))];
  const dropIt = [
    ...(whole ? ['git reset -q'] : []),
    `git checkout -f ${base}`,
    ...(drop.length > 0 ? [`git clean -fdq -- ${drop.join(' ')}`] : []),
    `git branch -D ${current}`,
  ].join(' && ');
  const holds = left.length > 0 ? `its files uncommitted (${left.join(', ')})` : 'no files yet';
  throw usageError(
    'START_INTERRUPTED',
    whole
      ? `An earlier hotfix start ${name} was interrupted before its commit: branch ${current} holds ${holds}.`
      : `An earlier hotfix start ${name} was interrupted before it wrote its ledger: branch ${current} holds ${holds}, not a whole hotfix.`,
    {
      hint: whole
        ? `To keep it: git add -- ${left.join(' ')} && git commit -m "hotfix(${name}): start" -- ${left.join(' ')}. To drop it and start again: ${dropIt}`
        : `To drop it and start again: ${dropIt}`,
      details: { branch: current, paths: left },
    },
  );
}
