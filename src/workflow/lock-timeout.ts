import path from 'node:path';
import { prismaTarget } from '../core/target.js';
import { isLostCode } from '../core/db-codes.js';
import { infraError, type HotfixError } from '../core/errors.js';
import { expectPostgres } from '../core/proof/expect-postgres.js';
import { judge } from '../core/proof/judge.js';
import { loadParser } from '../core/sql/parser.js';
import { tablesOf } from '../core/sql/tables.js';
import type { Session } from './session.js';

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
  again?: string,
): Promise<TimeoutSettled | undefined> {
  if (s.target.provider !== 'postgresql') return undefined;
  const sql = (await s.ports.files.read(path.join(s.migrationsDir, migration, 'migration.sql'))) ?? '';
  // A file with its own transaction control may have committed part of itself.
  if (/^\s*(BEGIN|COMMIT|START\s+TRANSACTION|END)\b/im.test(sql)) return undefined;
  await loadParser();
  const proofs = expectPostgres(sql);
  const facts = await s.ports.db.readCatalog(
    s.target,
    proofs.flatMap((p) => p.checks.map((c) => c.query)),
  );
  if (judge(proofs, facts).some((v) => v.status === 'proved')) return undefined;

  // Who held the lock, read now while they may still hold it; a lost session has no holder.
  const holders = isLostCode(databaseCode) ? [] : await lockHoldersOn(s, tablesOf(sql));
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
  const who =
    holders.length > 0
      ? ` Another session held the lock: ${holders.join('; ')}.`
      : ' Another session held a lock on the table (its holder was gone, or not readable, when checked).';
  return {
    details: { code: 'LOCK_TIMEOUT', databaseCode, holders, settled: 'rolled-back' },
    error: infraError(
      'LOCK_TIMEOUT',
      `${migration} gave up on ${env} at its ${what} (${databaseCode}); ${settledNote}${who}`,
      {
        hint: `Retry when the table is free: ${retry} --retry 3 (waits 5, 10, 20 s between tries). To see who holds it: SELECT pid, query FROM pg_stat_activity WHERE pid IN (SELECT pid FROM pg_locks WHERE NOT granted OR relation IS NOT NULL);`,
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
