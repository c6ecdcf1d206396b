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
import { deriveState } from '../ledger.js';
import { migrationSource } from '../verify/hotfix-files.js';
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
  /** sha256 of each pending hotfix migration's migration.sql as it is now. */
  checksums: Record<string, string>;
  /**
   * What other environments' `_prisma_migrations` say, where their URL is set: per environment,
   * the hotfix migrations applied there and whether the file now matches the checksum they ran.
   * Preferred over the ledger's record; environments not read fall back to it.
   */
  appliedElsewhere?: { env: string; migration: string; matches: boolean }[] | undefined;
}

export interface DeployPlan extends PlanBase {
  command: 'deploy';
  /** What will be (or would be) applied, in order. */
  applied: string[];
  alreadyApplied: boolean;
  sql: { migration: string; sql: string }[];
  lint: LintSummary | null;
  /** Said before anything runs (a hotfix rolled back here only, applied again). */
  notes: string[];
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
    return { ...base, applied: [], alreadyApplied: true, sql: [], lint: null, notes: [], plan: steps };
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
  refuseEdited(f);
  // A backup of what the SQL takes away is a way back too (rollback --restore puts it back).
  const backupWayBack =
    f.backup &&
    backupStep(
      true,
      f.provider,
      f.pendingSql.map((m) => m.sql),
    ).length > 0;
  if (f.env.protected && f.down !== 'filled' && !f.noRollbackPlan && !backupWayBack) {
    throw usageError(
      'NO_ROLLBACK_PLAN',
      `${f.file.replace(/migration\.sql$/, 'down.sql')} ${f.down === 'template' ? 'is still the unfilled template' : f.down === 'empty' ? 'holds only comments, no SQL' : 'is missing'}: on protected "${env}" there would be no way back.`,
      {
        hint: `Write the SQL that undoes the migration in down.sql and commit it; for a data fix, --backup saves what it removes first (a way back: rollback --restore); or deploy without one on record: --no-rollback-plan --reason TEXT.`,
      },
    );
  }
  const gate = lintGateStep(f.lint, {
    protected: f.env.protected,
    acceptRisk: f.acceptRisk,
    what: 'what would run',
    file: f.file,
  });
  // A hotfix rolled back here only (rollback --here) is applied again: said before it runs.
  const last = deriveState(f.ledger).envs.find((e) => e.name === env);
  const notes =
    last?.state === 'rolled-back' && last.lastEvent.details?.scope === 'here'
      ? [
          `${migration} was rolled back on ${env} only (${last.lastEvent.at} by ${last.lastEvent.actor}): this deploy applies it again.`,
        ]
      : [];
  const steps: Step[] = [
    ...gate,
    ...confirmStep(f, `Apply ${f.db.pending.join(', ')}`, [
      ...notes,
      ...deploySummary({
        provider: f.provider,
        sql: f.pendingSql,
        rowCounts: f.rowCounts,
        down: f.down,
        backup: f.backup,
        lint: f.lint,
      }),
    ]),
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
        // Carried into the outcome an interrupted run's settle records (session reconcile).
        checksums: f.checksums,
        ...acceptedRisk(gate),
        ...(f.env.protected && f.down !== 'filled'
          ? backupWayBack
            ? { wayBack: 'backup' }
            : { noRollbackPlan: f.down }
          : {}),
      },
      actions: [{ kind: 'prisma-deploy', migrations: f.db.pending }],
      confirm: { migration, also: migrations.slice(1), expect: 'applied' },
      outcome: 'deployed',
      // What ran here, pinned: a later deploy elsewhere must run the same SQL.
      details: { migrations: f.db.pending, checksums: f.checksums },
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
    notes,
    plan: steps,
  };
}

/**
 * migration.sql must be what the ledger recorded (start, rehash) and what every other
 * environment applied: otherwise two environments would run different SQL under one name,
 * both recorded "deployed ok". Refused before anything is written.
 */
function refuseEdited(f: DeployFacts): void {
  const { name, migration: first } = f.hotfix;
  const state = deriveState(f.ledger);
  const fromTemplate = migrationSource(f.ledger) === 'template';
  for (const [migration, actual] of Object.entries(f.checksums)) {
    const pinned = state.migrations.find((m) => m.name === migration);
    const rehashed = f.ledger.events.some((e) => e.type === 'rehashed' && e.migration === migration);
    const recorded = fromTemplate && !rehashed ? undefined : pinned?.checksum;
    // Another environment's applied checksum, as its deploy recorded it.
    const read = new Set((f.appliedElsewhere ?? []).map((a) => a.env));
    const ranElsewhere = [
      // The databases' word first: prisma's checksum of what ran there.
      ...(f.appliedElsewhere ?? []).filter((a) => a.migration === migration && !a.matches).map((a) => a.env),
      ...state.envs.flatMap((e) => {
        if (read.has(e.name) || e.name === f.env.name || (e.state !== 'deployed' && e.state !== 'resolved'))
          return [];
        // Without a checksum of its own (an older ledger), it ran what the ledger pinned: rehash
        // is refused once a migration is applied somewhere.
        const ran = ranChecksum(f.ledger, e.name, migration) ?? recorded;
        return ran && ran !== actual ? [e.name] : [];
      }),
    ];
    if ((recorded === undefined || recorded === actual) && ranElsewhere.length === 0) continue;
    const rel = f.file.replace(first, migration);
    const elsewhere = ranElsewhere.length > 0 ? ` ${ranElsewhere.join(', ')} ran the earlier version.` : '';
    throw usageError(
      'MIGRATION_EDITED',
      `${rel} changed after ${recorded !== undefined && recorded !== actual ? `the ledger recorded it (sha256 ${recorded.slice(0, 12)}…, now ${actual.slice(0, 12)}…)` : 'it was applied elsewhere'}.${elsewhere} Deploying it to ${f.env.name} would run different SQL under the same name. Nothing ran, nothing was recorded.`,
      {
        hint:
          ranElsewhere.length > 0
            ? `Put back the version ${ranElsewhere.join(', ')} ran (git log -p -- ${rel}), or roll it back there first (hotfix rollback ${name} --env ${ranElsewhere[0]} --here), then: hotfix rehash ${name} --reason TEXT.`
            : `If the change is meant: hotfix rehash ${name} --reason TEXT (records the new version), then deploy again. Otherwise restore it: git checkout -- ${rel}`,
        details: { migration, recorded: recorded ?? null, actual, ranElsewhere },
      },
    );
  }
}

/** The checksum of `migration` that the last ok deploy or resolve on `env` recorded. */
function ranChecksum(ledger: DeployFacts['ledger'], env: string, migration: string): string | undefined {
  for (const e of [...ledger.events].reverse()) {
    if (e.env?.name !== env || e.outcome !== 'ok') continue;
    if (e.type !== 'deployed' && e.type !== 'resolved') continue;
    const sums = e.details?.checksums;
    const sum = sums && typeof sums === 'object' ? (sums as Record<string, unknown>)[migration] : undefined;
    if (typeof sum === 'string') return sum;
  }
  return undefined;
}
