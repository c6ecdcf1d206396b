import type { Git } from '../adapters/git.js';
import type { LedgerStore } from '../adapters/ledger-store.js';
import { usageError } from '../core/errors.js';
import { branchFor } from '../core/names.js';

/**
 * A start killed before its commit leaves its branch checked out, its files written and its
 * ledger uncommitted (the undo never ran). Said as such, with the two ways on: commit what it
 * wrote, or remove it.
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
  if (!left.includes(rel)) return;
  // The migration folders whole (git clean of their files alone leaves the folders behind).
  const drop = [...new Set(left.map((p) => (p === rel ? p : p.replace(/\/[^/]+$/, ''))))];
  throw usageError(
    'START_INTERRUPTED',
    `An earlier hotfix start ${name} was interrupted before its commit: branch ${current} holds its files uncommitted (${left.join(', ')}).`,
    {
      hint: `To keep it: git add -- ${left.join(' ')} && git commit -m "hotfix(${name}): start" -- ${left.join(' ')}. To drop it and start again: git reset -q && git checkout -f ${base} && git clean -fdq -- ${drop.join(' ')} && git branch -D ${current}`,
      details: { branch: current, paths: left },
    },
  );
}
