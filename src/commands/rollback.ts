import { ledgerChecklist, type ChecklistItem } from '../core/checklists.js';
import { deriveState } from '../core/ledger.js';
import { DEFAULT_TIMEOUTS } from '../core/lint/index.js';
import { checkTimeouts } from '../core/lint/preamble.js';
import { planRollback, type RollbackPlan } from '../core/plan/rollback.js';
import { applyPlan, runOf } from '../workflow/apply.js';
import type { BackupTaken } from '../workflow/backup-step.js';
import type { Deps } from '../workflow/deps.js';
import { gatherRollbackFacts } from '../workflow/rollback-facts.js';
import { openSession, requireReason, type EnvCommandInput, type Session } from '../workflow/session.js';

export type { RollbackAction, RollbackFound } from '../core/plan/rollback.js';
export { REVERT_MARKER } from '../core/plan/roll-forward.js';

export interface RollbackInput extends EnvCommandInput {
  /** Failed migration: do not run down.sql, only check that it was reverted by hand. */
  manual?: boolean;
  /** Roll forward: also apply other pending migrations that would go out with the revert. */
  includePending?: boolean;
  /** Roll forward despite error-severity lint findings on a protected environment (needs --reason). */
  acceptRisk?: boolean;
  lockTimeout?: string;
  statementTimeout?: string;
  /** Save what the revert drops or rewrites before it runs (.hotfix/backups/). */
  backup?: boolean;
}

export interface RollbackResult extends Omit<RollbackPlan, 'revert' | 'done'> {
  dryRun: boolean;
  revert: { migration: string; path: string; created: boolean; commit: string | null } | null;
  reconciled: string | null;
  commit: string | null;
  next: string[];
  checklist: ChecklistItem[];
  /** Where --backup saved data, and the command that restores it. */
  backup: BackupTaken | null;
}

/** `hotfix rollback`: gather facts (the database's state and catalog), plan, apply. */
export async function rollback(input: RollbackInput, deps: Deps): Promise<RollbackResult> {
  requireReason(input, { acceptRisk: input.acceptRisk });
  const timeouts = {
    lockTimeout: input.lockTimeout ?? DEFAULT_TIMEOUTS.lockTimeout,
    statementTimeout: input.statementTimeout ?? DEFAULT_TIMEOUTS.statementTimeout,
  };
  checkTimeouts(timeouts);
  const s = await openSession(input, deps, 'rollback');
  try {
    const plan = planRollback(await gatherRollbackFacts(s, input, timeouts));
    const applied = await applyPlan(s, plan.plan, { command: 'rollback' });
    const { done, revert, ...rest } = plan;
    const result: RollbackResult = {
      ...rest,
      summary: applied.ran ? done : plan.summary,
      ...runOf(applied),
      revert: revert && { ...revert, commit: applied.migrationCommit },
      reconciled: s.reconciled,
      next: [],
      checklist: [],
      backup: applied.backup,
    };
    return finish(s, result);
  } finally {
    await s.close();
  }
}

/** What to do next, and the rollback checklist ticked from the ledger. */
function finish(s: Session, result: RollbackResult): RollbackResult {
  const env = s.target.env.name;
  const name = s.input.name;
  const state = deriveState(s.rec.file());
  const next: string[] = [];
  if (result.found === 'failed' && !result.dryRun) {
    next.push(
      `${s.migration} is still in ${s.config.migrations}: the next prisma migrate deploy runs it again. Fix migration.sql and run hotfix deploy ${name} --env ${env}, or delete the folder in a commit if the hotfix is dropped.`,
    );
  }
  if ((result.action === 'roll-forward' || result.found === 'rolled-forward') && result.revert) {
    for (const other of state.envs.filter(
      (e) => e.name !== env && (e.state === 'deployed' || e.state === 'resolved'),
    ))
      next.push(`${other.name} still has ${s.migration}: hotfix rollback ${name} --env ${other.name}`);
    // After finish the revert lives on a branch of its own (core/plan/revert-branch.ts).
    const branch = `${s.rec.file().branch}${state.phase === 'finished' ? '-revert' : ''}`;
    next.push(
      `Merge ${branch} back with ${result.revert.migration}: environments that never had the hotfix apply it and its revert in order.`,
    );
  }
  if (result.action !== 'none' || result.reconciled) next.push(`hotfix status ${name}`);
  return {
    ...result,
    next,
    checklist: ledgerChecklist('rollback', s.rec.file(), {
      environments: Object.keys(s.config.environments),
    }),
  };
}
