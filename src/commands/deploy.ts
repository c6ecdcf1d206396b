import { type ChecklistItem } from '../core/checklists.js';
import { planDeploy, type DeployPlan } from '../core/plan/deploy.js';
import { isHotfixError, usageError } from '../core/errors.js';
import { applyPlan } from '../workflow/apply.js';
import type { Deps } from '../workflow/deps.js';
import { openSession, requireReason, runFacts, type EnvCommandInput } from '../workflow/session.js';
import { gatherDeployFacts } from '../workflow/deploy-facts.js';
import { withTask } from '../workflow/deps.js';
import type { BackupTaken } from '../workflow/backup-step.js';

export interface DeployInput extends EnvCommandInput {
  includePending?: boolean;
  /** Run despite error-severity lint findings on a protected environment (needs --reason). */
  acceptRisk?: boolean;
  /** Save what the migrations drop or rewrite before they run (.hotfix/backups/). */
  backup?: boolean;
  /** --no-rollback-plan: false to deploy to a protected environment without a filled-in down.sql (needs --reason). */
  rollbackPlan?: boolean | undefined;
  /** Tries again this many times after a lock or statement timeout that left nothing (backoff 5, 10, 20 s...). */
  retry?: number | undefined;
}

/** First wait of --retry; doubled for each further try. */
const RETRY_BASE_MS = 5_000;

export interface DeployResult extends DeployPlan {
  dryRun: boolean;
  reconciled: string | null;
  commit: string | null;
  checklist: ChecklistItem[];
  /** What verify.sql said after applying (null: not run). */
  verifySql: string | null;
  /** Where --backup saved data, and the command that restores it. */
  backup: BackupTaken | null;
}

/** `hotfix deploy`: gather facts, plan, apply. */
export async function deploy(input: DeployInput, deps: Deps): Promise<DeployResult> {
  const retries = input.retry ?? 0;
  if (!Number.isInteger(retries) || retries < 0 || retries > 10) {
    throw usageError('BAD_RETRY', `--retry takes a whole number from 0 to 10, not "${String(input.retry)}".`);
  }
  for (let attempt = 0; ; attempt++) {
    try {
      // A yes given once covers the tries that follow it: the person asked for them.
      return await deployOnce(attempt === 0 ? input : { ...input, yes: true }, deps);
    } catch (error) {
      if (!isHotfixError(error) || error.code !== 'LOCK_TIMEOUT' || attempt >= retries) throw error;
      const wait = RETRY_BASE_MS * 2 ** attempt;
      deps.progress?.(
        `${error.message.split('\n')[0]}\nTry ${attempt + 2} of ${retries + 1} in ${wait / 1000} s...`,
      );
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}

async function deployOnce(input: DeployInput, deps: Deps): Promise<DeployResult> {
  requireReason(input, { acceptRisk: input.acceptRisk });
  if (input.rollbackPlan === false && !input.reason) {
    throw usageError(
      'NO_ROLLBACK_PLAN_NEEDS_REASON',
      '--no-rollback-plan needs --reason TEXT: the ledger records why there is no way back.',
    );
  }
  const s = await openSession(input, deps, 'deploy');
  try {
    // Reading the database, lint and the row counts take seconds: shown, not silent.
    const facts = await withTask(deps, `checking ${s.target.env.name} (${s.target.describe})`, () =>
      gatherDeployFacts(s, input),
    );
    const plan = planDeploy(facts);
    // Said before anything runs, on stderr: the result repeats it.
    for (const note of plan.notes) deps.progress?.(`! ${note}`);
    const applied = await applyPlan(s, plan.plan, { command: 'deploy' });
    return {
      ...plan,
      ...runFacts(s, applied, 'post-deploy'),
      verifySql: applied.verifySql,
      backup: applied.backup,
    };
  } finally {
    await s.close();
  }
}
