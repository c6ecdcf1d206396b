import { usageError } from '../core/errors.js';
import { validateHotfixName } from '../core/names.js';
import { planRehash, type RehashPlan } from '../core/plan/rehash.js';
import { applyPlan, lockForRun, runOf, type PlanInput } from '../workflow/apply.js';
import type { Deps } from '../workflow/deps.js';
import { actorOf, findHotfix, openProject } from '../workflow/project.js';
import { recorder } from '../workflow/recorder.js';
import { gatherRehashFacts } from '../workflow/rehash-facts.js';

export interface RehashInput extends PlanInput {
  name: string;
  reason?: string | undefined;
}

export interface RehashResult extends RehashPlan {
  command: 'rehash';
  dryRun: boolean;
  commit: string | null;
}

/** `hotfix rehash`: record the new checksums of edited hotfix files, while they have run nowhere. */
export async function rehash(input: RehashInput, deps: Deps): Promise<RehashResult> {
  const name = validateHotfixName(input.name);
  if (!input.reason) {
    throw usageError(
      'REHASH_NEEDS_REASON',
      'hotfix rehash needs --reason TEXT: the ledger records why the files changed.',
    );
  }
  const p = await openProject(deps);
  const entry = await findHotfix(p, name);
  if (entry.onBranch) {
    throw usageError(
      'HOTFIX_NOT_HERE',
      `Hotfix "${name}" is recorded on branch ${entry.onBranch}, not in this checkout.`,
      {
        hint: `Switch to it, so that the edit and its checksum are committed together: git checkout ${entry.onBranch}`,
      },
    );
  }
  const lock = await lockForRun(p.git, `hotfix rehash ${name}`, deps, input);
  try {
    // Read again under the lock: another command may have added events since it was listed.
    const file = (lock && (await p.store.read(name))) || entry.file;
    const facts = await gatherRehashFacts(p, file, input.reason, deps);
    const plan = planRehash(facts);
    const rec = recorder(file, {
      store: p.store,
      git: p.git,
      actor: await actorOf(p.git, deps),
      command: 'rehash',
      reason: input.reason,
      commit: input.commit,
      now: deps.now,
    });
    const applied = await applyPlan({ ...p, deps, rec, input: { ...input, name } }, plan.plan, {
      command: 'rehash',
    });
    return { command: 'rehash', ...plan, ...runOf(applied) };
  } finally {
    await lock?.release();
  }
}
