import { checksumMatches, sha256Hex } from '../checksum.js';
import type { LedgerFile } from '../ledger.js';
import { downKind, isDownTemplate, isMigrationTemplate } from '../templates.js';
import type { Provider } from '../target.js';
import { isVerifyTemplate, notReadOnly, verifyQueries } from '../verify-sql.js';
import { finding, type VerifyFinding } from './findings.js';

// A hotfix's files (migration.sql, down.sql, its roll-forward's revert) against its ledger.

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
  /** Deployed without a down.sql on record: what the ledger says the way back is. */
  downWaived?: string | undefined;
}

/** What the ledger records instead of a down.sql: a backup taken, or a deploy without one and why. */
export function downWaiverOf(file: LedgerFile): string | undefined {
  const backup = file.events.findLast((e) => e.type === 'backed-up' && e.outcome === 'ok');
  if (backup)
    return `the backup ${typeof backup.details?.dir === 'string' ? backup.details.dir : ''} (hotfix rollback --restore)`.replace(
      '  ',
      ' ',
    );
  const skipped = file.events.findLast(
    (e) => e.type === 'intent' && typeof e.details?.noRollbackPlan === 'string',
  );
  return skipped
    ? `none, deployed with --no-rollback-plan (${skipped.reason ?? 'no reason given'})`
    : undefined;
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
  if (h.downWaived && downKind(h.down) !== 'filled') {
    // Deployed without one on record: the way back is the backup, or none, said with a reason.
    out.push(
      finding('HOTFIX_DOWN_WAIVED', {
        ...at,
        message: `Hotfix ${h.name}: no down.sql to run, and the ledger records the way back: ${h.downWaived}.`,
      }),
    );
  } else if (h.down === undefined) {
    out.push(
      finding('HOTFIX_DOWN_MISSING', {
        ...at,
        message: `Hotfix ${h.name}: ${h.where}/down.sql does not exist, so it cannot be rolled back.`,
        fix: `Write the reverse SQL in ${h.dir}/down.sql and commit it.`,
      }),
    );
  } else if (downKind(h.down) === 'empty') {
    out.push(
      finding('HOTFIX_DOWN_EMPTY', {
        ...at,
        message: `Hotfix ${h.name}: ${h.where}/down.sql holds only comments: no SQL, so no way back.`,
        fix: `Write the reverse SQL in ${h.dir}/down.sql and commit it (for a data fix: where the rows are kept, and deploy with --backup).`,
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

export interface VerifySqlFacts {
  name: string;
  migration: string;
  dir: string;
  where: string;
  /** verify.sql as read (undefined: no such file). */
  verify: string | undefined;
  /** sha256 of verify.sql the ledger recorded (start, rehash). */
  recorded: string | undefined;
  /** migration.sql changes data (what only verify.sql can prove). */
  changesData: boolean;
  /** Started from the templates (and not rehashed since): the recorded checksum is the template's. */
  fromTemplate: boolean;
  provider: Provider;
}

/**
 * verify.sql is the proof of a data fix: a template there is an error, a missing one for a data
 * fix a warning (hotfixes started before verify.sql existed), one that would write an error,
 * and one edited since it was recorded a warning (re-record it with hotfix rehash).
 */
export function checkVerifySql(v: VerifySqlFacts): VerifyFinding[] {
  const at = { hotfix: v.name, migration: v.migration };
  if (v.verify === undefined) {
    return v.changesData
      ? [
          finding('VERIFY_SQL_MISSING', {
            ...at,
            message: `Hotfix ${v.name} changes data, and ${v.where}/verify.sql does not exist: nothing can prove the fix holds.`,
            fix: `Write in ${v.dir}/verify.sql a query that returns the rows still wrong (none when the fix holds), then: hotfix rehash ${v.name} --reason "verify.sql written"`,
          }),
        ]
      : [];
  }
  const unfilled =
    isVerifyTemplate(v.verify) || (v.changesData && verifyQueries(v.verify, v.provider).length === 0);
  if (unfilled && v.changesData) {
    return [
      finding('VERIFY_SQL_TEMPLATE', {
        ...at,
        message: `Hotfix ${v.name}: ${v.where}/verify.sql ${isVerifyTemplate(v.verify) ? 'is still the template' : 'has no query'}; the data fix it should prove is unproven.`,
        fix: `Write the missing queries in ${v.dir}/verify.sql (remove the "-- hotfix:verify-template" line), then: hotfix rehash ${v.name} --reason "verify.sql written"`,
      }),
    ];
  }
  const out: VerifyFinding[] = [];
  const writes = notReadOnly(v.verify, v.provider);
  if (writes.length > 0) {
    out.push(
      finding('VERIFY_SQL_NOT_READ_ONLY', {
        ...at,
        message: `Hotfix ${v.name}: ${v.where}/verify.sql must hold only queries; statement ${writes.map((w) => w.statement).join(', ')} would change something.`,
        fix: `Rewrite them as SELECTs that return the rows still wrong.`,
      }),
    );
  }
  if (v.recorded && !v.fromTemplate && !checksumMatches(v.verify, v.recorded)) {
    out.push(
      finding('VERIFY_SQL_EDITED', {
        ...at,
        message: `Hotfix ${v.name}: ${v.where}/verify.sql changed since it was recorded (sha256 ${v.recorded.slice(0, 12)}…, now ${sha256Hex(v.verify).slice(0, 12)}…).`,
        fix: `If the new proof is right, record it: hotfix rehash ${v.name} --reason "<why verify.sql changed>"`,
        details: { recorded: v.recorded, actual: sha256Hex(v.verify) },
      }),
    );
  }
  return out;
}

/** How the migration was made ('sql-file' | 'schema-diff' | 'template'), from the ledger. */
export function migrationSource(file: LedgerFile): string | undefined {
  const created = file.events.filter((e) => e.type === 'migration-created').at(-1);
  const source = created?.details?.source;
  return typeof source === 'string' ? source : undefined;
}

/** The revert migration `hotfix rollback` rolled forward with, and the checksum it recorded. */
/** The hotfix was rolled back for every environment (a roll forward that recorded the decision). */
export const rolledBackEverywhere = (file: LedgerFile): boolean =>
  file.events.some(
    (e) => (e.type === 'rolled-forward' || e.type === 'intent') && e.details?.scope === 'everywhere',
  );

export function revertOf(file: LedgerFile): { migration: string; checksum: string | undefined } | undefined {
  const event = file.events
    .filter((e) => e.type === 'rolled-forward' && typeof e.details?.revert === 'string')
    .at(-1);
  const migration = event?.details?.revert as string | undefined;
  // A folder name, never a path: the ledger is data, not a way to read files elsewhere.
  if (!migration || !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(migration) || migration.includes('..'))
    return undefined;
  const checksum = file.events
    .map((e) => e.details?.revertChecksum)
    .filter((c): c is string => typeof c === 'string')
    .at(-1);
  return { migration, checksum };
}
