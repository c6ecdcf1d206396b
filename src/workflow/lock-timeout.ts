import path from 'node:path';
import { prismaTarget } from '../core/target.js';
import { isLostCode, settingSource } from '../core/db-codes.js';
import { findingsError, infraError, type HotfixError } from '../core/errors.js';
import type { TimeoutSetting } from '../adapters/db-preflight.js';
import { expectPostgres } from '../core/proof/expect-postgres.js';
import { judge } from '../core/proof/judge.js';
import { loadParser } from '../core/sql/parser.js';
import { tablesOf } from '../core/sql/tables.js';
import type { Session } from './session.js';

/** A file with its own transaction control: it may have committed part of itself before a failure. */
export const ownTransactions = (sql: string) => /^\s*(BEGIN|COMMIT|START\s+TRANSACTION|END)\b/im.test(sql);

/**
 * Whether the catalog shows none of `migration`'s parts, and the file ran as one transaction
 * (PostgreSQL; no transaction control of its own): a stopped run of it then left nothing.
 */
export async function nothingOfItLeft(s: Session, migration: string): Promise<boolean> {
  if (s.target.provider !== 'postgresql') return false;
  const sql = (await s.ports.files.read(path.join(s.migrationsDir, migration, 'migration.sql'))) ?? '';
  if (ownTransactions(sql)) return false;
  await loadParser();
  const proofs = expectPostgres(sql);
  const facts = await s.ports.db.readCatalog(
    s.target,
    proofs.flatMap((p) => p.checks.map((c) => c.query)),
  );
  return !judge(proofs, facts).some((v) => v.status === 'proved');
}

export interface TimeoutSettled {
  details: Record<string, unknown>;
  error: HotfixError;
}

/**
 * A hotfix migration stopped by its own lock_timeout or statement_timeout on PostgreSQL. Prisma
 * sends the file as one simple query, one implicit transaction, so nothing of it stayed: check
 * that in the catalog, mark prisma's FAILED row rolled back (a plain retry is then possible), and
 * name who held the lock. Undefined when that cannot be shown: the FAILED row then stands.
 */
export async function settleTimeout(
  s: Session,
  migration: string,
  databaseCode: string,
  /** The command that tries again (a roll forward's revert: the same rollback). */
  again: string | undefined,
  /** The timeouts a session of this role gets here, and where from (read before the step). */
  settings: readonly TimeoutSetting[],
  /** The database's words: a statement cancelled by another session says "user request". */
  databaseError: string | undefined,
): Promise<TimeoutSettled | undefined> {
  if (!(await nothingOfItLeft(s, migration))) return undefined;
  const sql = (await s.ports.files.read(path.join(s.migrationsDir, migration, 'migration.sql'))) ?? '';

  // Who held the lock, read now while they may still hold it; a lost session has no holder.
  const holders = isLostCode(databaseCode) ? [] : await lockHoldersOn(s, tablesOf(sql, 'postgresql'));
  const prisma = await s.prisma();
  const resolved = await prisma.run(
    { kind: 'resolve', action: 'rolled-back', migration },
    prismaTarget(s.target),
  );
  if (resolved.outcome.kind !== 'ok') return undefined;

  const env = s.target.env.name;
  const retry = again ?? `hotfix deploy ${s.input.name} --env ${env}`;
  const settledNote =
    'nothing of it was applied (checked in the catalog), and its row is marked rolled back.';
  if (isLostCode(databaseCode)) {
    return {
      details: { code: 'DB_CONNECTION_LOST', databaseCode, settled: 'rolled-back' },
      error: infraError(
        'DB_CONNECTION_LOST',
        `The connection to ${env} was lost while ${migration} ran (${databaseCode}: the session was terminated or the server went down); ${settledNote}`,
        { hint: `Once the database is back, run the same command again: ${retry}` },
      ),
    };
  }
  const what = databaseCode === '55P03' ? 'lock_timeout' : 'statement_timeout';
  if (what === 'statement_timeout') {
    const cancelled = /user request/i.test(databaseError ?? '');
    const fired = cancelled ? undefined : timeoutSource(sql, what, settings);
    return {
      details: {
        code: cancelled ? 'STATEMENT_CANCELLED' : 'STATEMENT_TIMEOUT',
        databaseCode,
        ...(fired ? { setting: fired.setting } : {}),
        settled: 'rolled-back',
      },
      error: cancelled
        ? infraError(
            'STATEMENT_CANCELLED',
            `${migration} was cancelled on ${env} by another session (pg_cancel_backend, ${databaseCode}); ${settledNote}`,
            { hint: `Find out who cancelled it, then run the same command again: ${retry}` },
          )
        : findingsError(
            'STATEMENT_TIMEOUT',
            `${migration} ran longer than statement_timeout on ${env} (${fired!.text}) and was stopped (${databaseCode}); ${settledNote} No other session was in the way: the migration itself needs longer, so the same run stops at the same point again.`,
            {
              details: { setting: fired!.setting, databaseCode },
              hint: fired!.fromMigration
                ? `Raise the SET statement_timeout in its migration.sql, then: hotfix rehash ${s.input.name}; ${retry}`
                : `Give the migration its own limit: add SET statement_timeout = '<enough>'; at the top of its migration.sql (it overrides ${fired!.where} for the migration's transaction only), then: hotfix rehash ${s.input.name}; ${retry}`,
            },
          ),
    };
  }
  const fired = timeoutSource(sql, what, settings);
  const who =
    holders.length > 0
      ? ` Another session held the lock: ${holders.join('; ')}.`
      : ' Another session held a lock on the table (its holder was gone, or not readable, when checked).';
  return {
    details: { code: 'LOCK_TIMEOUT', databaseCode, setting: fired.setting, holders, settled: 'rolled-back' },
    error: infraError(
      'LOCK_TIMEOUT',
      `${migration} gave up waiting for a lock on ${env} at lock_timeout (${fired.text}, ${databaseCode}); ${settledNote}${who}`,
      {
        hint: `Retry when the table is free: ${retry} --wait-for-locks 120 (waits for the sessions in the way first), or --retry 3 (waits 5, 10, 20 s between tries).`,
        details: { holders },
      },
    ),
  };
}

async function lockHoldersOn(s: Session, tables: string[]): Promise<string[]> {
  const reader = await s.ports.db.reader(s.target);
  try {
    return await reader.lockHolders(tables).catch(() => []);
  } finally {
    await reader.close();
  }
}

/**
 * Which setting stopped the migration, and where it came from: the migration's own SET, else
 * what a session of this role gets on this database (the role, the database, the server...).
 */
export function timeoutSource(
  sql: string,
  name: 'lock_timeout' | 'statement_timeout',
  settings: readonly TimeoutSetting[],
): { setting: string; text: string; where: string; fromMigration: boolean } {
  const own = new RegExp(`\\bSET\\s+(?:LOCAL\\s+)?${name}\\s*(?:=|TO)\\s*'?([^';\\s]+)`, 'i').exec(sql)?.[1];
  if (own) {
    return {
      setting: `${name}=${own} (migration.sql)`,
      text: `${own}, set by its migration.sql`,
      where: 'migration.sql',
      fromMigration: true,
    };
  }
  const s = settings.find((t) => t.name === name);
  if (!s)
    return { setting: name, text: 'its source was not read', where: 'the default', fromMigration: false };
  const where = settingSource(s.source);
  return {
    setting: `${name}=${s.value} (${s.source})`,
    text: `${s.value}, set by ${where}`,
    where,
    fromMigration: false,
  };
}
