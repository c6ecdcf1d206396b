import { checksumMatches, sha256Hex } from '../checksum.js';
import type { EnvStatus } from '../ledger.js';
import { finding, type VerifyFinding } from './findings.js';

// One environment: its `_prisma_migrations` rows against the migrations folder and the ledger.

/** A `_prisma_migrations` row as verify needs it (see adapters/db-reader.ts). */
export interface RowFacts {
  migrationName: string;
  checksum: string;
  finishedAt: string | null;
  rolledBackAt: string | null;
  logs: string | null;
}

type DbState = 'applied' | 'failed' | 'rolled-back' | 'absent';

const stateOf = (row: RowFacts | undefined): DbState =>
  !row ? 'absent' : row.rolledBackAt ? 'rolled-back' : row.finishedAt ? 'applied' : 'failed';

export interface EnvFacts {
  env: string;
  /** The variable the environment's URL is read from, and the one the Prisma config reads. */
  urlEnv: string;
  prismaUrlEnv: string;
  prismaConfig: string | undefined;
  /** The migrations folder, relative to the project root (for commands in fixes). */
  migrationsRel: string;
  /** undefined: the database has no `_prisma_migrations` table. */
  rows: readonly RowFacts[] | undefined;
  /** Folders of the working tree that have a migration.sql, with its text. */
  folders: ReadonlyMap<string, string>;
  hotfixes: readonly {
    name: string;
    migration: string;
    branch: string;
    /** The ledger's state for this environment, if any. */
    state: EnvStatus | undefined;
    /** The `<ts>_revert_<slug>` migration hotfix rollback rolled forward with, if any. */
    revert?: string | undefined;
    /** A rollback decided for every environment (rollback --everywhere) is on record. */
    everywhere?: boolean | undefined;
  }[];
}

export interface EnvCheck {
  findings: VerifyFinding[];
  /** Applied here and present in the folder: what a drift check replays. */
  applied: string[];
  /** Applied here but missing from the folder. */
  missing: string[];
  pending: string[];
  failed: string[];
}

const LOG_LIMIT = 2000;

export function checkEnvironment(facts: EnvFacts): EnvCheck {
  const { env } = facts;
  const out: VerifyFinding[] = [];
  const prisma = (args: string) =>
    `${facts.prismaUrlEnv}="$${facts.urlEnv}" npx prisma ${args}${facts.prismaConfig ? ` --config ${facts.prismaConfig}` : ''}`;
  const hotfixOf = new Map(facts.hotfixes.map((h) => [h.migration, h]));
  // A roll-forward's revert migration belongs to its hotfix: `hotfix rollback` applies it.
  const revertOf = new Map(facts.hotfixes.filter((h) => h.revert).map((h) => [h.revert!, h]));
  if (facts.rows === undefined) {
    out.push(
      finding('MIGRATION_TABLE_MISSING', {
        env,
        message: `The ${env} database has no _prisma_migrations table: Prisma Migrate never ran there, or $${facts.urlEnv} points at the wrong database.`,
        fix: `Check $${facts.urlEnv}; for a new database: ${prisma('migrate deploy')}`,
      }),
    );
  }
  const rows = facts.rows ?? [];
  // Rows come oldest first: the last one of a name is its current state (a rolled-back attempt
  // can be followed by a new one).
  const latest = new Map<string, RowFacts>();
  for (const row of rows) latest.set(row.migrationName, row);

  const failedRows = rows.filter((r) => stateOf(r) === 'failed');
  const failed = [...new Set(failedRows.map((r) => r.migrationName))];
  for (const name of failed) {
    const row = failedRows.filter((r) => r.migrationName === name).at(-1)!;
    const hotfix = hotfixOf.get(name);
    const logs = row.logs?.trim() ?? '';
    out.push(
      finding('MIGRATION_FAILED', {
        env,
        migration: name,
        hotfix: hotfix?.name,
        message: `${name} FAILED on ${env}; prisma migrate deploy refuses to run until it is resolved (P3009).${logs ? `\n${logs.slice(0, 600)}` : ''}`,
        fix: hotfix
          ? `hotfix rollback ${hotfix.name} --env ${env} (or, once its changes are reverted by hand: hotfix resolve ${hotfix.name} --env ${env} --rolled-back)`
          : `Revert what it did by hand, then: ${prisma(`migrate resolve --rolled-back ${name}`)}`,
        details: { logs: logs ? logs.slice(0, LOG_LIMIT) : null },
      }),
    );
  }

  const applied: string[] = [];
  const missing: string[] = [];
  for (const [name, row] of latest) {
    if (stateOf(row) !== 'applied') continue;
    const sql = facts.folders.get(name);
    if (sql === undefined) {
      missing.push(name);
      const hotfix = hotfixOf.get(name) ?? revertOf.get(name);
      out.push(
        finding('APPLIED_MIGRATION_MISSING', {
          env,
          migration: name,
          hotfix: hotfix?.name,
          message: `${name} is applied on ${env} but is not in the migrations folder: it was deleted, or this checkout lacks a branch that was deployed.`,
          fix: hotfix
            ? `Merge it back: git merge ${hotfix.branch}`
            : `Restore the folder from git (git log --all -- ${facts.migrationsRel}/${name}), or merge the branch that added it.`,
        }),
      );
      continue;
    }
    applied.push(name);
    if (!checksumMatches(sql, row.checksum)) {
      out.push(
        finding('CHECKSUM_MISMATCH', {
          env,
          migration: name,
          hotfix: hotfixOf.get(name)?.name,
          message: `${name}/migration.sql was edited after it was applied on ${env}: its sha256 (${sha256Hex(sql).slice(0, 12)}…) is not the checksum in _prisma_migrations (${row.checksum.slice(0, 12)}…). The file no longer says what ran.`,
          fix: `Restore the file as it was applied (git log -p -- ${facts.migrationsRel}/${name}/migration.sql); put new changes in a new migration.`,
          details: { recorded: row.checksum, actual: sha256Hex(sql) },
        }),
      );
    }
  }

  const lastApplied = [...applied, ...missing].sort().at(-1);
  const pending = [...facts.folders.keys()]
    .filter((name) => stateOf(latest.get(name)) !== 'applied' && stateOf(latest.get(name)) !== 'failed')
    .sort();
  for (const name of pending) {
    const reverts = revertOf.get(name);
    if (reverts) {
      out.push(
        reverts.everywhere
          ? finding('ROLLBACK_IN_PROGRESS', {
              env,
              migration: name,
              hotfix: reverts.name,
              message: `Hotfix ${reverts.name} was rolled back for every environment, and ${env} has not run its revert ${name} yet: its next deploy does.`,
              fix: `Deploy the revert here now: hotfix rollback ${reverts.name} --env ${env} --everywhere`,
            })
          : finding('REVERT_UNDECIDED', {
              env,
              migration: name,
              hotfix: reverts.name,
              message: `${name}, a revert of hotfix ${reverts.name}, is pending on ${env}, and no rollback for every environment is on record: the next deploy here would roll ${reverts.name} back unannounced.`,
              fix: `If every environment should lose it: hotfix rollback ${reverts.name} --env ${env} --everywhere. If not, take ${name} out of this branch (git rm -r ${facts.migrationsRel}/${name}) and roll back where needed with --here.`,
            }),
      );
      continue;
    }
    const hotfix = hotfixOf.get(name);
    if (hotfix?.state?.state === 'rolled-back' && hotfix.state.lastEvent.details?.scope === 'here') {
      out.push(
        finding('ROLLED_BACK_HERE', {
          env,
          migration: name,
          hotfix: hotfix.name,
          message: `Hotfix ${hotfix.name} is rolled back on ${env} only: the next deploy there applies it again (every other environment keeps it).`,
          fix: `Deploy it again when ready: hotfix deploy ${hotfix.name} --env ${env}; or undo it everywhere: hotfix rollback ${hotfix.name} --env <env> --everywhere`,
        }),
      );
      continue;
    }
    if (hotfix?.state?.state === 'rolled-back') {
      out.push(
        finding('MIGRATION_PENDING', {
          env,
          migration: name,
          hotfix: hotfix.name,
          message: `Hotfix ${hotfix.name} was rolled back on ${env}, but its folder is still here: the next prisma migrate deploy there runs it again.`,
          fix: `Remove the folder (git rm -r ${facts.migrationsRel}/${name}), or correct its SQL and run: hotfix deploy ${hotfix.name} --env ${env}`,
        }),
      );
      continue;
    }
    const fix = hotfix ? `hotfix deploy ${hotfix.name} --env ${env}` : prisma('migrate deploy');
    const early = lastApplied !== undefined && name < lastApplied;
    out.push(
      early
        ? finding('MIGRATION_OUT_OF_ORDER', {
            env,
            migration: name,
            hotfix: hotfix?.name,
            message: `${name} is not applied on ${env}, yet sorts before ${lastApplied}, which is: it will run after migrations written later than it (check they do not depend on each other).`,
            fix,
          })
        : finding('MIGRATION_PENDING', {
            env,
            migration: name,
            hotfix: hotfix?.name,
            message: `${name} is not applied on ${env} yet.`,
            fix,
          }),
    );
  }

  for (const hotfix of facts.hotfixes) {
    const revert = hotfix.revert ? stateOf(latest.get(hotfix.revert)) : 'absent';
    out.push(...ledgerAgreement(facts, hotfix, stateOf(latest.get(hotfix.migration)), revert));
  }
  return { findings: out, applied, missing, pending, failed };
}

/** What the ledger says about a hotfix here must be what `_prisma_migrations` shows. */
function ledgerAgreement(
  facts: EnvFacts,
  hotfix: EnvFacts['hotfixes'][number],
  db: DbState,
  revertDb: DbState,
): VerifyFinding[] {
  const { env } = facts;
  const at = { env, hotfix: hotfix.name, migration: hotfix.migration };
  const shows = db === 'absent' ? 'has no row for it' : `shows it ${db}`;
  const ledger = hotfix.state;
  if (!ledger) {
    if (db !== 'applied' && db !== 'failed') return [];
    return [
      finding('LEDGER_BEHIND', {
        ...at,
        message: `_prisma_migrations on ${env} ${shows}, but the ledger of ${hotfix.name} records nothing for ${env} (it was changed outside hotfix).`,
        fix:
          db === 'applied'
            ? `Record it: hotfix resolve ${hotfix.name} --env ${env}`
            : `hotfix rollback ${hotfix.name} --env ${env}`,
      }),
    ];
  }
  const said = ledger.state;
  const record = `the ledger says ${said} (${ledger.lastEvent.at}, ${ledger.lastEvent.actor})`;
  if (said === 'in-progress') {
    return [
      finding('LEDGER_IN_PROGRESS', {
        ...at,
        message: `An interrupted hotfix ${ledger.lastEvent.command} of ${hotfix.name} on ${env}: ${record} and never recorded the outcome; _prisma_migrations ${shows}.`,
        fix: `Run it again, it records what really happened: hotfix ${ledger.lastEvent.command} ${hotfix.name} --env ${env}`,
      }),
    ];
  }
  const mismatch = (fix: string) =>
    finding('LEDGER_DB_MISMATCH', {
      ...at,
      message: `${hotfix.name} on ${env}: ${record}, but _prisma_migrations ${shows}.`,
      fix,
    });
  if ((said === 'deployed' || said === 'resolved') && db !== 'applied') {
    return [
      mismatch(
        `Find out what changed the database (restored backup? a manual resolve?): hotfix status ${hotfix.name}; then record the truth with hotfix deploy|resolve ${hotfix.name} --env ${env}`,
      ),
    ];
  }
  if ((said === 'deployed' || said === 'resolved') && hotfix.revert && revertDb === 'applied') {
    // Rolled back everywhere: a routine deploy here applied the revert. The database is right.
    return [
      finding('LEDGER_BEHIND', {
        ...at,
        message: `${hotfix.name} on ${env}: ${record}, and _prisma_migrations shows its revert ${hotfix.revert} applied since (a deploy after the rollback everywhere).`,
        fix: `Record it: hotfix rollback ${hotfix.name} --env ${env} --everywhere`,
      }),
    ];
  }
  if (said === 'rolled-forward' && hotfix.revert && revertDb !== 'applied') {
    return [
      finding('LEDGER_DB_MISMATCH', {
        ...at,
        message: `${hotfix.name} on ${env}: ${record}, but _prisma_migrations ${revertDb === 'absent' ? 'has no row for' : `shows ${revertDb}`} its revert migration ${hotfix.revert}.`,
        fix: `Check the database, then: hotfix rollback ${hotfix.name} --env ${env}`,
      }),
    ];
  }
  if (said === 'rolled-back' && (db === 'applied' || db === 'failed')) {
    return [
      mismatch(
        `The migration is back in _prisma_migrations: check the database, then hotfix rollback ${hotfix.name} --env ${env}`,
      ),
    ];
  }
  if (said === 'failed' && db !== 'failed') {
    return [
      finding('LEDGER_BEHIND', {
        ...at,
        message: `${hotfix.name} on ${env}: ${record}, but _prisma_migrations ${shows}: it was settled outside hotfix.`,
        fix:
          db === 'applied'
            ? `Record it: hotfix resolve ${hotfix.name} --env ${env}`
            : `See where it stands: hotfix status ${hotfix.name}`,
      }),
    ];
  }
  return [];
}
