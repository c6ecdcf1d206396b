import type { EnvStatus } from './ledger.js';
import { MIGRATION_FOLDER_PATTERN } from './names.js';
import { isDownTemplate, isMigrationTemplate } from './templates.js';
import { checksumMatches, finding, sha256Hex, type VerifyFinding } from './verify-findings.js';

/**
 * The pure half of `hotfix verify`: facts in (file contents, `_prisma_migrations` rows, ledger
 * states), findings out. src/commands/verify.ts gathers the facts.
 */

// ---------------------------------------------------------------------------------------------
// The migrations folder

export interface MigrationFolder {
  name: string;
  /** migration.sql, or undefined when the folder has none. */
  sql: string | undefined;
}

function validTimestamp(prefix: string): boolean {
  const [y, mo, d, h, mi, s] = [0, 4, 6, 8, 10, 12].map((at, i) =>
    Number(prefix.slice(at, at + (i === 0 ? 4 : 2))),
  ) as [number, number, number, number, number, number];
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  return (
    date.getUTCFullYear() === y &&
    date.getUTCMonth() === mo - 1 &&
    date.getUTCDate() === d &&
    date.getUTCHours() === h &&
    date.getUTCMinutes() === mi &&
    date.getUTCSeconds() === s
  );
}

/**
 * Prisma applies folders in lexical order of their names, so the name IS the order: it must be
 * `<UTC yyyymmddHHMMSS>_<name>` with a real date, and no two folders may share a timestamp
 * (their order would then hang on the suffix, not on when they were written).
 */
export function checkMigrationFolders(
  folders: readonly MigrationFolder[],
  migrationsRel: string,
): VerifyFinding[] {
  const out: VerifyFinding[] = [];
  const byStamp = new Map<string, string[]>();
  for (const folder of folders) {
    if (folder.sql === undefined) {
      out.push(
        finding('MIGRATION_SQL_MISSING', {
          migration: folder.name,
          message: `${migrationsRel}/${folder.name}/ has no migration.sql: prisma migrate deploy stops on it (P3015).`,
          fix: `Restore it (git checkout -- ${migrationsRel}/${folder.name}/migration.sql) or remove the empty folder.`,
        }),
      );
    }
    if (!MIGRATION_FOLDER_PATTERN.test(folder.name) || !validTimestamp(folder.name.slice(0, 14))) {
      out.push(
        finding('MIGRATION_NAME_INVALID', {
          migration: folder.name,
          message: `Migration folder "${folder.name}" is not <UTC yyyymmddHHMMSS>_<name> with a valid date; Prisma orders migrations by folder name, so its place in the order is accidental.`,
          fix: 'If it has not been applied anywhere yet, rename it to the timestamp it was written at (git mv); an applied one must keep its name.',
        }),
      );
      continue;
    }
    const stamp = folder.name.slice(0, 14);
    byStamp.set(stamp, [...(byStamp.get(stamp) ?? []), folder.name]);
  }
  for (const [stamp, names] of byStamp) {
    if (names.length < 2) continue;
    out.push(
      finding('MIGRATION_ORDER_AMBIGUOUS', {
        migration: names[0],
        message: `${names.length} migration folders share the timestamp ${stamp} (${names.join(', ')}): their order is decided by the name suffix.`,
        fix: 'Rename the one that has not been applied anywhere to a later timestamp (git mv).',
      }),
    );
  }
  return out;
}

const PROVIDER_ALIASES: Record<string, string> = { postgres: 'postgresql' };
const normalProvider = (p: string) => PROVIDER_ALIASES[p.toLowerCase()] ?? p.toLowerCase();

/** `provider = "..."` of the first datasource block in the schema text(s). */
export function schemaProvider(schemaTexts: readonly string[]): string | undefined {
  for (const text of schemaTexts) {
    const block = /^\s*datasource\s+\w+\s*\{([^}]*)\}/m.exec(text)?.[1];
    const provider = block ? /^\s*provider\s*=\s*"([^"]+)"/m.exec(block)?.[1] : undefined;
    if (provider) return provider;
  }
  return undefined;
}

/** migration_lock.toml names the provider the migrations were written for (Prisma P3019). */
export function checkLockFile(
  lockText: string | undefined,
  provider: string | undefined,
  migrationsRel: string,
  schemaRel: string,
): VerifyFinding[] {
  if (lockText === undefined) {
    return [
      finding('LOCK_FILE_MISSING', {
        message: `${migrationsRel}/migration_lock.toml is missing: nothing records which database the migrations were written for.`,
        fix: `Restore it from git, or write it: provider = "${provider ?? '<your provider>'}"`,
      }),
    ];
  }
  const locked = /^\s*provider\s*=\s*"([^"]+)"/m.exec(lockText)?.[1];
  if (!locked || !provider || normalProvider(locked) === normalProvider(provider)) return [];
  return [
    finding('LOCK_PROVIDER_MISMATCH', {
      message: `${migrationsRel}/migration_lock.toml says provider "${locked}" but ${schemaRel} says "${provider}": prisma migrate refuses this (P3019).`,
      fix: `Point the schema back at ${locked}, or start a new migration history for ${provider} (see Prisma's "switching providers" guide).`,
    }),
  ];
}

// ---------------------------------------------------------------------------------------------
// Hotfix files

export interface HotfixFacts {
  name: string;
  migration: string;
  branch: string;
  /** 'sql-file' | 'schema-diff' | 'template', from the ledger's migration-created event. */
  source: string | undefined;
  /** sha256 of migration.sql recorded at start. */
  checksum: string | undefined;
  /** The migration folder, relative to the project root: `prisma/migrations/X`. */
  dir: string;
  /** Where the files were read, for messages: `dir`, or `hotfix/a:dir` when read from a branch. */
  where: string;
  sql: string | undefined;
  down: string | undefined;
  /** Every environment the ledger knows has it rolled back: removing its folder was legitimate. */
  rolledBackEverywhere?: boolean;
  /** The roll-forward's revert migration, with the checksum hotfix rollback recorded for it. */
  revert?: { migration: string; checksum: string | undefined; sql: string | undefined } | undefined;
}

/**
 * The ledger pins migration.sql by the checksum recorded at start. A hotfix started from a
 * template is the exception: the recorded checksum is the template's, so its filled-in SQL is
 * compared with nothing offline (an info says so) and is pinned by `_prisma_migrations` once
 * applied (CHECKSUM_MISMATCH with --env). Calling every filled template "edited" would teach
 * people to ignore the one finding that catches tampering.
 */
export function checkHotfixFiles(h: HotfixFacts): VerifyFinding[] {
  const at = { hotfix: h.name, migration: h.migration };
  const out: VerifyFinding[] = [];
  // A failed hotfix, rolled back everywhere, whose folder was then removed so that the next
  // migrate deploy does not run it again: nothing is missing.
  if (h.sql === undefined && h.down === undefined && h.rolledBackEverywhere) return [];
  if (h.sql === undefined) {
    out.push(
      finding('HOTFIX_MIGRATION_MISSING', {
        ...at,
        message: `Hotfix ${h.name}: its migration ${h.where}/migration.sql does not exist.`,
        fix: `Restore it from git (git log --all -- ${h.dir}), or merge ${h.branch}.`,
      }),
    );
  } else if (isMigrationTemplate(h.sql)) {
    out.push(
      finding('HOTFIX_MIGRATION_TEMPLATE', {
        ...at,
        message: `Hotfix ${h.name}: ${h.where}/migration.sql is still the unfilled template.`,
        fix: `Write the SQL in ${h.dir}/migration.sql (remove the "-- hotfix:migration-template" line) and commit it.`,
      }),
    );
  } else if (h.source === 'template' || h.checksum === undefined) {
    out.push(
      finding('HOTFIX_MIGRATION_UNPINNED', {
        ...at,
        message:
          h.source === 'template'
            ? `Hotfix ${h.name} started from a template: the ledger's checksum is the template's, so edits to the SQL written since cannot be detected offline. Once applied, verify --env compares it with _prisma_migrations.`
            : `Hotfix ${h.name}: the ledger records no checksum for migration.sql; edits cannot be detected offline.`,
      }),
    );
  } else if (!checksumMatches(h.sql, h.checksum)) {
    out.push(
      finding('HOTFIX_MIGRATION_EDITED', {
        ...at,
        message: `Hotfix ${h.name}: ${h.where}/migration.sql changed after hotfix start (recorded sha256 ${h.checksum.slice(0, 12)}…, now ${sha256Hex(h.sql).slice(0, 12)}…). What runs is no longer what was recorded.`,
        fix: `Restore the recorded SQL (git log -p -- ${h.dir}/migration.sql shows the change); to ship different SQL, start a new hotfix with it: hotfix start ${h.name}-2 --sql <file>`,
        details: { recorded: h.checksum, actual: sha256Hex(h.sql) },
      }),
    );
  }
  const revert = h.revert;
  if (revert?.sql !== undefined && revert.checksum && !checksumMatches(revert.sql, revert.checksum)) {
    const revertDir = `${h.dir.slice(0, h.dir.length - h.migration.length)}${revert.migration}`;
    out.push(
      finding('HOTFIX_MIGRATION_EDITED', {
        hotfix: h.name,
        migration: revert.migration,
        message: `Hotfix ${h.name}: its roll-forward ${revertDir}/migration.sql changed after hotfix rollback wrote it (recorded sha256 ${revert.checksum.slice(0, 12)}…, now ${sha256Hex(revert.sql).slice(0, 12)}…).`,
        fix: `Restore it (git log -p -- ${revertDir}/migration.sql shows the change); put further changes in a new migration.`,
        details: { recorded: revert.checksum, actual: sha256Hex(revert.sql) },
      }),
    );
  }
  if (h.down === undefined) {
    out.push(
      finding('HOTFIX_DOWN_MISSING', {
        ...at,
        message: `Hotfix ${h.name}: ${h.where}/down.sql does not exist, so it cannot be rolled back.`,
        fix: `Write the reverse SQL in ${h.dir}/down.sql and commit it.`,
      }),
    );
  } else if (isDownTemplate(h.down)) {
    out.push(
      finding('HOTFIX_DOWN_TEMPLATE', {
        ...at,
        message: `Hotfix ${h.name}: ${h.where}/down.sql is still the unfilled template; hotfix rollback refuses to run it.`,
        fix: `Write the reverse SQL in ${h.dir}/down.sql (remove the "-- hotfix:down-template" line) and commit it.`,
      }),
    );
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// One environment

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
        finding('MIGRATION_PENDING', {
          env,
          migration: name,
          hotfix: reverts.name,
          message: `${name}, the roll-forward of hotfix ${reverts.name}, is not applied on ${env}.`,
          fix: `If ${env} should be rolled back too: hotfix rollback ${reverts.name} --env ${env}`,
        }),
      );
      continue;
    }
    const hotfix = hotfixOf.get(name);
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
