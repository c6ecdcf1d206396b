import { checklist, type ChecklistItem } from '../core/checklists.js';
import { deriveState } from '../core/ledger.js';
import { checkStartArgs, planStart, startFailed, type StartPlan } from '../core/plan/start.js';
import { applyPlan, lockForRun, runOf, type PlanInput } from '../workflow/apply.js';
import type { Deps } from '../workflow/deps.js';
import { schemaCheck } from '../workflow/dev-database.js';
import { actorOf, openProject } from '../workflow/project.js';
import { recorder } from '../workflow/recorder.js';
import { gatherStartFacts, type StartOptions } from '../workflow/start-facts.js';

export type { DownSource, MigrationSource } from '../core/plan/start.js';

export interface StartInput extends StartOptions, PlanInput {
  /** --no-schema-check: after --sql, do not compare schema.prisma with the hotfix. */
  schemaCheck?: boolean | undefined;
}

export interface StartResult extends Omit<StartPlan, 'file'> {
  dryRun: boolean;
  commit: string | null;
  /** Files left staged (with --no-commit). */
  staged: string[];
  checklist: ChecklistItem[];
  /**
   * With --sql: what `prisma migrate diff` from the migrations (the hotfix included) to
   * schema.prisma would run, i.e. what the schema does not say yet; null when it says it all,
   * undefined when it was not checked (no development database).
   */
  schemaLacks?: string | null | undefined;
}

/**
 * `hotfix start <name>`: from the base branch, a hotfix branch with a new migration folder
 * (migration.sql, down.sql, verify.sql) and the hotfix's ledger, committed. Gathers the facts,
 * plans (core/plan/start.ts), applies all or nothing: a step that fails undoes the others.
 */
export async function start(input: StartInput, deps: Deps): Promise<StartResult> {
  // Everything that needs no process is checked before one starts.
  const name = checkStartArgs(input);
  const p = await openProject(deps);
  const lock = await lockForRun(p.git, `hotfix start ${name}`, deps, input);
  try {
    const { file, ...plan } = planStart(await gatherStartFacts(p, input, deps));
    const rec = recorder(file, {
      store: p.store,
      git: p.git,
      actor: await actorOf(p.git, deps),
      command: 'start',
      reason: input.reason,
      commit: input.commit,
      now: deps.now,
    });
    const applied = await applyPlan({ ...p, deps, rec, input: { ...input, name: plan.hotfix } }, plan.plan, {
      command: 'start',
      undo: (cause, notUndone) => startFailed(cause, notUndone, p.config.migrations),
    });
    const downWritten = plan.migration.downSource !== 'template';
    return {
      ...plan,
      ...runOf(applied),
      staged: applied.staged,
      checklist: checklist('pre-deploy', applied.ran ? deriveState(file) : undefined, { downWritten }),
      ...(applied.ran && input.sqlFile && input.schemaCheck !== false
        ? { schemaLacks: await schemaCheck(p.root, p.config, deps, p.git.root) }
        : {}),
    };
  } finally {
    await lock?.release();
  }
}
