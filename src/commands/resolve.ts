import { type ChecklistItem } from '../core/checklists.js';
import { planResolve, type ResolvePlan } from '../core/plan/resolve.js';
import { applyPlan } from '../workflow/apply.js';
import { withTask, type Deps } from '../workflow/deps.js';
import { judgeResolveCheck } from '../core/plan/resolve-check.js';
import { gatherCheckFacts } from '../workflow/resolve-facts.js';
import { openSession, requireReason, runFacts, type EnvCommandInput } from '../workflow/session.js';

export interface ResolveInput extends EnvCommandInput {
  rolledBack?: boolean;
  skipCheck?: boolean;
}

export interface ResolveResult extends ResolvePlan {
  dryRun: boolean;
  reconciled: string | null;
  commit: string | null;
  checklist: ChecklistItem[];
}

/** `hotfix resolve`: gather facts (the check of the live database included), plan, apply. */
export async function resolve(input: ResolveInput, deps: Deps): Promise<ResolveResult> {
  requireReason(input, { skipCheck: input.skipCheck });
  const s = await openSession(input, deps, 'resolve');
  try {
    const base = await s.envFacts();
    const action = input.rolledBack ? 'rolled-back' : 'applied';
    // The check reads the database (and runs prisma migrate diff): only when marking it applied.
    const needsCheck = action === 'applied' && base.db.stateOf(s.migration) !== 'applied';
    const checked =
      needsCheck && !input.skipCheck
        ? judgeResolveCheck(
            await withTask(
              deps,
              `checking ${s.target.env.name}: catalog, prisma migrate diff, verify.sql`,
              () => gatherCheckFacts(s, base.db),
            ),
          )
        : undefined;
    const check = !needsCheck ? 'none' : (checked?.summary ?? `skipped: ${input.reason}`);
    const plan = planResolve({
      ...base,
      action,
      check,
      proof: checked?.statements ?? [],
      checkNote: checked?.note,
    });
    const applied = await applyPlan(s, plan.plan, { command: 'resolve' });
    return { ...plan, ...runFacts(s, applied, action === 'applied' ? 'post-deploy' : 'rollback') };
  } finally {
    await s.close();
  }
}
