import {
  acceptedRisk,
  commitStep,
  confirmStep,
  failedMigrationError,
  knownState,
  lintGateStep,
  otherPendingError,
} from './common.js';
import { usageError } from '../errors.js';
import type { Provider } from '../target.js';
import { deploySummary, type DownState, type RowCount } from './confirm-summary.js';
import { backupStep } from './common.js';
import type { EnvFacts, LintSummary, PlanBase, Step } from './types.js';

export interface DeployFacts extends EnvFacts {
  /** migration.sql of every pending migration, in apply order. */
  pendingSql: { migration: string; sql: string }[];
  /** Lint of what would run (the hotfix held to its stricter severities). */
  lint: LintSummary;
  /** The hotfix's migration.sql, relative to the project root (for the lint hint). */
  file: string;
  includePending: boolean;
  acceptRisk: boolean;
  /** How many read-only queries the hotfix's verify.sql files hold (run after applying). */
  verifyQueries: number;
  /** --backup: save what the migrations drop or rewrite before they run. */
  backup: boolean;
  provider: Provider;
  /** The rows each DELETE/UPDATE would touch now (protected environments only). */
  rowCounts: RowCount[];
  /** The hotfix's down.sql: the way back. */
  down: DownState;
  /** --no-rollback-plan (with --reason): deploy to a protected environment without a down.sql. */
  noRollbackPlan: boolean;
}

export interface DeployPlan extends PlanBase {
  command: 'deploy';
  /** What will be (or would be) applied, in order. */
  applied: string[];
  alreadyApplied: boolean;
  sql: { migration: string; sql: string }[];
  lint: LintSummary | null;
}

/** `hotfix deploy`: run the hotfix migration where it was not patched by hand. */
export function planDeploy(f: DeployFacts): DeployPlan {
  const { name, migration, migrations } = f.hotfix;
  const env = f.env.name;
  const base = { command: 'deploy' as const, hotfix: name, env, database: f.env.database, migration };
  if (migrations.every((m) => f.db.stateOf(m) === 'applied')) {
    const known = knownState(f);
    const steps: Step[] =
      known === 'deployed' || known === 'resolved'
        ? []
        : [
            {
              kind: 'record',
              event: { type: 'deployed', outcome: 'ok', migration, details: { found: 'already applied' } },
              why: `${migration} is already applied on ${env}`,
            },
          ];
    steps.push(commitStep(`hotfix(${name}): ${env} already has ${migration}`));
    return { ...base, applied: [], alreadyApplied: true, sql: [], lint: null, plan: steps };
  }
  if (f.db.failed.length > 0) {
    const names = f.db.failed.map((r) => r.migrationName);
    throw failedMigrationError(
      env,
      names,
      names.includes(migration)
        ? `Undo it with: hotfix rollback ${name} --env ${env} (or hotfix resolve ${name} --env ${env} --rolled-back after reverting by hand)`
        : `Settle ${names.join(', ')} first: prisma migrate resolve --rolled-back <name> after reverting it, or --applied if it was completed by hand.`,
    );
  }
  const others = f.db.pending.filter((m) => !migrations.includes(m));
  if (others.length > 0 && !f.includePending) throw otherPendingError('Deploying', env, others, 'the hotfix');
  if (f.env.protected && f.down !== 'filled' && !f.noRollbackPlan) {
    throw usageError(
      'NO_ROLLBACK_PLAN',
      `${f.file.replace(/migration\.sql$/, 'down.sql')} is ${f.down === 'template' ? 'still the unfilled template' : 'missing'}: on protected "${env}" there would be no way back.`,
      {
        hint: `Write the SQL that undoes the migration in down.sql and commit it, or deploy without one on record: --no-rollback-plan --reason TEXT.`,
      },
    );
  }
  const gate = lintGateStep(f.lint, {
    protected: f.env.protected,
    acceptRisk: f.acceptRisk,
    what: 'what would run',
    file: f.file,
  });
  const steps: Step[] = [
    ...gate,
    ...confirmStep(
      f,
      `Apply ${f.db.pending.join(', ')}`,
      deploySummary({ sql: f.pendingSql, rowCounts: f.rowCounts, down: f.down, lint: f.lint }),
    ),
    ...backupStep(
      f.backup,
      f.provider,
      f.pendingSql.map((m) => m.sql),
    ),
    {
      kind: 'recorded',
      action: 'deploy',
      intent: {
        migrations: f.db.pending,
        ...acceptedRisk(gate),
        ...(f.env.protected && f.down !== 'filled' ? { noRollbackPlan: f.down } : {}),
      },
      actions: [{ kind: 'prisma-deploy', migrations: f.db.pending }],
      confirm: { migration, also: migrations.slice(1), expect: 'applied' },
      outcome: 'deployed',
      details: { migrations: f.db.pending },
      label: `deploy to ${env}`,
    },
    ...(f.verifyQueries > 0 ? [{ kind: 'verify-sql' as const, migrations, mode: 'require' as const }] : []),
    commitStep(`hotfix(${name}): deployed ${migration} to ${env}`),
  ];
  return {
    ...base,
    applied: f.db.pending,
    alreadyApplied: false,
    sql: f.pendingSql,
    lint: f.lint,
    plan: steps,
  };
}
