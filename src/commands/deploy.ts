import { promises as fs } from 'node:fs';
import path from 'node:path';
import { type ChecklistItem } from '../core/checklists.js';
import { planDeploy, type DeployPlan } from '../core/plan/deploy.js';
import { relativeTo } from '../core/text.js';
import { applyPlan } from '../workflow/apply.js';
import type { Deps } from '../workflow/deps.js';
import {
  openSession,
  requireReason,
  runFacts,
  type EnvCommandInput,
  type Session,
} from '../workflow/session.js';
import { lintFiles } from '../workflow/lint-gate.js';
import { verifyQueryCount } from '../workflow/verify-sql.js';
import type { BackupTaken } from '../workflow/backup-step.js';

export interface DeployInput extends EnvCommandInput {
  includePending?: boolean;
  /** Run despite error-severity lint findings on a protected environment (needs --reason). */
  acceptRisk?: boolean;
  /** Save what the migrations drop or rewrite before they run (.hotfix/backups/). */
  backup?: boolean;
}

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
  requireReason(input, { acceptRisk: input.acceptRisk });
  const s = await openSession(input, deps, 'deploy');
  try {
    const plan = planDeploy(await gather(s, input));
    const applied = await applyPlan(s, plan.plan);
    return {
      ...plan,
      ...runFacts(s, applied.commit, 'post-deploy'),
      verifySql: applied.verifySql,
      backup: applied.backup,
    };
  } finally {
    await s.close();
  }
}

async function gather(s: Session, input: DeployInput) {
  const base = await s.envFacts();
  const pendingSql = await Promise.all(
    base.db.pending.map(async (migration) => ({
      migration,
      sql: await fs.readFile(path.join(s.migrationsDir, migration, 'migration.sql'), 'utf8'),
    })),
  );
  const relDir = relativeTo(s.projectRoot, s.migrationsDir);
  const lint = await lintFiles(
    pendingSql.map((m) => ({
      file: `${relDir}/${m.migration}/migration.sql`,
      sql: m.sql,
      hotfix: m.migration === s.migration,
    })),
    s.migrationsDir,
    s.projectRoot,
  );
  return {
    ...base,
    pendingSql,
    lint,
    file: `${relDir}/${s.migration}/migration.sql`,
    includePending: input.includePending === true,
    acceptRisk: input.acceptRisk === true,
    verifyQueries: await verifyQueryCount(s),
    backup: input.backup === true,
    provider: s.target.provider,
  };
}
