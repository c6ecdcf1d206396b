import { usageError } from '../errors.js';
import { deriveState, type LedgerFile } from '../ledger.js';

/**
 * Where rollback commits a new revert migration. While the hotfix is open: on its branch, beside
 * the migration it undoes. Once `finish` merged it back and deleted that branch: on a branch of
 * its own from the base, `hotfix/<name>-revert`, created from the base when run there.
 */
export function revertBranch(f: {
  ledger: LedgerFile;
  hotfix: { branch: string };
  currentBranch: string | undefined;
}): { branch: string; create: { from: string } | undefined } {
  const current = f.currentBranch ?? 'a detached HEAD';
  if (deriveState(f.ledger).phase !== 'finished') {
    if (f.currentBranch !== f.hotfix.branch) {
      throw usageError(
        'NOT_ON_HOTFIX_BRANCH',
        `The revert migration belongs on the hotfix branch ${f.hotfix.branch}, and you are on ${current}.`,
        { hint: `git checkout ${f.hotfix.branch}, then run the rollback again.` },
      );
    }
    return { branch: f.hotfix.branch, create: undefined };
  }
  const own = `${f.hotfix.branch}-revert`;
  if (f.currentBranch === own) return { branch: own, create: undefined };
  if (f.currentBranch === f.ledger.base) return { branch: own, create: { from: f.ledger.base } };
  throw usageError(
    'NOT_ON_BASE_BRANCH',
    `Hotfix ${f.ledger.name} is finished: its revert migration goes on a branch of its own, ${own}, from ${f.ledger.base}, and you are on ${current}.`,
    { hint: `git checkout ${f.ledger.base}, then run the rollback again: it creates ${own}.` },
  );
}
