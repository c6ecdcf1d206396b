import { ledgerChecklist, type ChecklistItem } from '../core/checklists.js';
import { validateHotfixName } from '../core/names.js';
import { planFinish, type FinishPlan } from '../core/plan/finish.js';
import { applyPlan, lockForRun, runOf, type PlanInput } from '../workflow/apply.js';
import type { Deps } from '../workflow/deps.js';
import { gatherFinishFacts, type FinishOptions } from '../workflow/finish-facts.js';
import { actorOf, findHotfix, openProject } from '../workflow/project.js';
import { recorder } from '../workflow/recorder.js';

export interface FinishInput extends Partial<FinishOptions>, Partial<PlanInput> {
  name: string;
}

export interface FinishResult extends FinishPlan {
  dryRun: boolean;
  commit: string | null;
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
  const run = { dryRun: input.dryRun, commit: true };
  const p = await openProject(deps);
  const lock = await lockForRun(p.git, `hotfix finish ${name}`, deps, run);
  try {
    const entry = await findHotfix(p, name);
    const plan = planFinish(await gatherFinishFacts(p, entry.file, options, deps));
    const rec = recorder(entry.file, {
      store: p.store,
      git: p.git,
      actor: await actorOf(p.git, deps),
      command: 'finish',
      reason: options.reason,
      commit: true,
      now: deps.now,
    });
    const applied = await applyPlan({ ...p, deps, rec, input: { ...run, name } }, plan.plan, {
      command: 'finish',
    });
    return {
      ...plan,
      ...runOf(applied),
      done: applied.done,
      on: (await p.git.currentBranch()) ?? null,
      checklist: ledgerChecklist('merge-back', rec.file(), {
        environments: Object.keys(p.config.environments),
      }),
    };
  } finally {
    await lock?.release();
  }
}
