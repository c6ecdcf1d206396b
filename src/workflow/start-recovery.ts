import path from 'node:path';
import type { Git } from '../adapters/git.js';
import type { LedgerStore } from './ledger-store.js';
import { usageError } from '../core/errors.js';
import { branchFor } from '../core/names.js';

/**
 * A start killed before its commit leaves its branch checked out (still at the base's commit) and
 * its files written, never undone. With its ledger written it is whole: said as such, with the two
 * ways on (commit what it wrote, or remove it). Killed earlier (branch made, files in part), there
 * is only the way back. The way back removes only what start creates (new files in the migrations
 * folder, the ledger and its temp files) and deletes the branch with -d, which refuses unmerged
 * work: a person's own edits (a schema.prisma for --from-schema) stay as they are.
 */
export async function interruptedStart(
  git: Git,
  ledger: LedgerStore,
  name: string,
  current: string | undefined,
  base: string,
  /** The migrations folder, relative to the repository root. */
  migrationsRel: string,
): Promise<void> {
  if (current !== branchFor(name)) return;
  const rel = ledger.relativePath(name);
  if ((await git.show('HEAD', rel)) !== undefined) return; // its start was committed
  // A branch with a commit of its own is somebody's work, not a start cut short.
  if ((await git.head()) !== (await git.resolveRef(`refs/heads/${base}`))) return;
  const left = await git.dirtyPaths();
  const whole = left.includes(rel);
  const ledgerDir = path.posix.dirname(rel);
  const ours: string[] = [];
  for (const p of left) {
    const mine =
      p === rel ||
      (path.posix.dirname(p) === ledgerDir && path.posix.basename(p).startsWith(`.${name}.json.`)) ||
      p.startsWith(`${migrationsRel}/`);
    if (mine && (await git.show('HEAD', p)) === undefined) ours.push(p);
  }
  // The migration folders whole (git clean of their files alone leaves the folders behind).
  const drop = [
    ...new Set(
      ours.map((p) =>
        p.startsWith(`${migrationsRel}/`)
          ? `${migrationsRel}/${p.slice(migrationsRel.length + 1).split('/')[0]}`
          : p,
      ),
    ),
  ];
  const dropIt = [
    ...(whole ? ['git reset -q'] : []),
    `git checkout ${base}`,
    ...(drop.length > 0 ? [`git clean -fdq -- ${drop.join(' ')}`] : []),
    `git branch -d ${current}`,
  ].join(' && ');
  const others = left.filter((p) => !ours.includes(p));
  const holds = ours.length > 0 ? `its files uncommitted (${ours.join(', ')})` : 'no files of it yet';
  const stay = others.length > 0 ? ` Other changes in the tree stay as they are (${others.join(', ')}).` : '';
  throw usageError(
    'START_INTERRUPTED',
    whole
      ? `An earlier hotfix start ${name} was interrupted before its commit: branch ${current} holds ${holds}.${stay}`
      : `An earlier hotfix start ${name} was interrupted before it wrote its ledger: branch ${current} holds ${holds}, not a whole hotfix.${stay}`,
    {
      hint: whole
        ? `To keep it: git add -- ${left.join(' ')} && git commit -m "hotfix(${name}): start" -- ${left.join(' ')}. To drop it and start again: ${dropIt}`
        : `To drop it and start again: ${dropIt}`,
      details: { branch: current, paths: left },
    },
  );
}
