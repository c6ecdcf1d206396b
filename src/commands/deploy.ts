import path from 'node:path';
import { type ChecklistItem } from '../core/checklists.js';
import { planDeploy, type DeployPlan } from '../core/plan/deploy.js';
import { isHotfixError, usageError } from '../core/errors.js';
import type { DownState, RowCount } from '../core/plan/confirm-summary.js';
import { scanSql } from '../core/sql/lexer.js';
import { isDownTemplate } from '../core/templates.js';
import { countQueryFor } from '../core/verify-sql.js';
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
import { readOnlyCount, verifyQueryCount } from '../workflow/verify-sql.js';
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
      sql: (await s.ports.files.read(path.join(s.migrationsDir, migration, 'migration.sql'))) ?? '',
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
    s.ports.files,
  );
  return {
    ...base,
    pendingSql,
    lint,
    file: `${relDir}/${s.migration}/migration.sql`,
    includePending: input.includePending === true,
    acceptRisk: input.acceptRisk === true,
    verifyQueries: await verifyQueryCount(s.ports, s),
    backup: input.backup === true,
    provider: s.target.provider,
    // Counted only where someone is asked (protected), read-only, 5 s at most.
    rowCounts: s.target.env.protected ? await countRows(s, pendingSql) : [],
    down: downState(await s.ports.files.read(path.join(s.migrationsDir, s.migration, 'down.sql'))),
    noRollbackPlan: input.rollbackPlan === false,
  };
}

function downState(text: string | undefined): DownState {
  return text === undefined ? 'missing' : isDownTemplate(text) ? 'template' : 'filled';
}

/** How many rows each DELETE/UPDATE would touch now: read-only, under a 5 s statement timeout. */
async function countRows(s: Session, pending: { migration: string; sql: string }[]): Promise<RowCount[]> {
  const out: RowCount[] = [];
  for (const m of pending) {
    for (const st of scanSql(m.sql, s.target.provider).statements) {
      const statement = m.sql.slice(st.start, st.end).trim();
      const query = countQueryFor(statement);
      if (!query) continue;
      const result = await readOnlyCount(s.ports, s.target, query, COUNT_TIMEOUT_MS).catch(() => undefined);
      const n = result && 'n' in result ? result.n : Number.NaN;
      out.push(
        Number.isFinite(n)
          ? { migration: m.migration, statement, rows: n }
          : {
              migration: m.migration,
              statement,
              rows: null,
              note:
                result && 'error' in result && result.error.code === '57014'
                  ? 'could not count in 5 s'
                  : 'could not count',
            },
      );
    }
  }
  return out;
}

const COUNT_TIMEOUT_MS = 5_000;
