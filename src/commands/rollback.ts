import { ledgerChecklist, type ChecklistItem } from '../core/checklists.js';
import { deriveState } from '../core/ledger.js';
import { DEFAULT_TIMEOUTS } from '../core/lint/index.js';
import { checkTimeouts } from '../core/lint/preamble.js';
import { usageError } from '../core/errors.js';
import { planRollback, type RollbackFacts, type RollbackPlan } from '../core/plan/rollback.js';
import type { RollbackScope } from '../core/plan/rollback-types.js';
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
  /** A data fix deployed with --backup: put the rows back from it (here only). */
  restore?: boolean;
  /** An applied hotfix: this environment only, or every environment (asked at a terminal). */
  scope?: RollbackScope | undefined;
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
    const facts = await gatherRollbackFacts(s, input, timeouts);
    const plan = planRollback({ ...facts, scope: facts.scope ?? (await askScope(s, facts)) });
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

/**
 * An applied hotfix and no --here/--everywhere: a person at a terminal is asked (the plan then
 * shows the choice and asks for the confirmation as usual); without one, the plan refuses.
 */
async function askScope(s: Session, f: RollbackFacts): Promise<RollbackScope | undefined> {
  const applied = f.db.stateOf(f.hotfix.migration) === 'applied' && !f.revert && !f.restore;
  if (!applied || !s.deps.choose) return undefined;
  const env = s.target.env.name;
  const others = f.others.filter((o) => o.state !== 'never').map((o) => `${o.name} (${o.state})`);
  const answer = await s.deps.choose(
    [
      `${f.hotfix.migration} is applied on ${env}. How far does this rollback reach?`,
      `  here        ${env} only: down.sql runs here, its row is marked rolled back, its next deploy applies it again`,
      `  everywhere  a revert migration that every environment runs on its next deploy${others.length > 0 ? ` (also ${others.join(', ')})` : ''}`,
    ].join('\n'),
    ['here', 'everywhere'],
  );
  if (answer === 'here' || answer === 'everywhere') return answer;
  throw usageError('NOT_CONFIRMED', 'No scope chosen: nothing was changed.');
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
      next.push(
        `${other.name} still has ${s.migration}: its next deploy applies ${result.revert.migration}, or now: hotfix rollback ${name} --env ${other.name} --everywhere`,
      );
    // After finish the revert lives on a branch of its own (core/plan/revert-branch.ts).
    next.push(
      state.phase === 'finished'
        ? `Carry the revert back into ${s.rec.file().base} and ${s.config.developBranch}: hotfix finish ${name}`
        : `hotfix finish ${name} merges ${result.revert.migration} back with the hotfix: environments that never had it apply both in order.`,
    );
  }
  if (result.action === 'revert-here' && !result.dryRun) {
    next.push(
      `${s.migration} stays in ${s.config.migrations}: the next hotfix deploy ${name} --env ${env} (or prisma migrate deploy there) applies it again.`,
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
