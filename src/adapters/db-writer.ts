import { existsSync } from 'node:fs';
import pg from 'pg';
import { ownSessionName } from './interrupt.js';
import { objectKey, type DbObject } from '../core/sql/objects.js';
import { connectError } from '../core/connect-cause.js';
import { errorParts, lostConnection } from '../core/db-codes.js';
import { infraError, isHotfixError } from '../core/errors.js';
import type { Target } from '../core/target.js';
import { openDbReader } from './db-reader.js';
import { durationMs } from '../core/lint/preamble.js';

/**
 * The one place that writes to a database without prisma: the parts of down.sql that undo
 * a FAILED migration. Prisma's `db execute` would run them too, but only as one script: it
 * cannot run some statements in a transaction and CONCURRENTLY ones outside it, say which
 * statement failed with which SQLSTATE, or hold Prisma's migration lock meanwhile.
 */

export interface WriteStep {
  /** Position in down.sql, for messages. */
  index: number;
  sql: string;
  /** Must run outside a transaction (CONCURRENTLY). */
  concurrent: boolean;
}

export interface WriteOptions {
  /** PostgreSQL durations (`5s`, `500ms`); SQLite uses the lock timeout as busy_timeout. */
  lockTimeout: string;
  statementTimeout: string;
  /** PostgreSQL schema for unqualified names (the URL's `?schema=`). */
  schema?: string | undefined;
}

export interface WriteOutcome {
  ok: boolean;
  /** Steps committed (also when a later one failed). */
  committed: number[];
  failed?: WriteFailure | undefined;
}

export interface WriteFailure {
  index: number;
  code: string | undefined;
  message: string;
  /** Ran outside a transaction (CONCURRENTLY): what it did in part may stay (an INVALID index). */
  concurrent?: boolean;
  /** Failed at the COMMIT of its transaction: whether it committed is not known here. */
  atCommit?: boolean;
}

/** Prisma's advisory lock for migrations: holding it keeps a migrate deploy from running meanwhile. */
const PRISMA_MIGRATE_LOCK = 72707369;

/** Consecutive transactional steps share one transaction; a CONCURRENTLY step runs alone. */
function segments(steps: WriteStep[]): WriteStep[][] {
  const out: WriteStep[][] = [];
  for (const step of steps) {
    const last = out.at(-1);
    if (!step.concurrent && last && !last[0]!.concurrent) last.push(step);
    else out.push([step]);
  }
  return out;
}

const compact = (duration: string) => duration.replace(/\s+/g, '');

function failure(step: WriteStep, error: unknown, atCommit = false): WriteFailure {
  return {
    ...(step.concurrent ? { concurrent: true } : {}),
    ...(atCommit ? { atCommit: true } : {}),
    index: step.index,
    ...errorParts(error),
  };
}

export async function runStatements(
  target: Target,
  steps: WriteStep[],
  opts: WriteOptions,
): Promise<WriteOutcome> {
  const committed: number[] = [];
  if (target.provider === 'postgresql') {
    const client = new pg.Client({
      connectionString: target.url,
      connectionTimeoutMillis: 10_000,
      application_name: ownSessionName('rollback'),
      // Session defaults, so that a RESET in down.sql comes back to them rather than to none.
      options: `-c lock_timeout=${compact(opts.lockTimeout)} -c statement_timeout=${compact(opts.statementTimeout)}`,
    });
    client.on('error', () => undefined); // reported through the failing query instead
    try {
      await client.connect();
    } catch (cause) {
      throw connectError(target, cause);
    }
    try {
      const lock = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [
        PRISMA_MIGRATE_LOCK,
      ]);
      if (!lock.rows[0]?.ok) {
        throw infraError(
          'MIGRATE_LOCK_HELD',
          `Another migration holds Prisma's migration lock on ${target.env.name} (advisory lock ${PRISMA_MIGRATE_LOCK}); nothing was run.`,
          { hint: 'Wait for the other migrate deploy to finish, then retry.' },
        );
      }
      if (opts.schema && opts.schema !== 'public')
        await client.query(`SET search_path TO "${opts.schema.replace(/"/g, '""')}"`);
      for (const segment of segments(steps)) {
        const alone = segment[0]!.concurrent;
        if (!alone) {
          try {
            await client.query('BEGIN');
          } catch (error) {
            return { ok: false, committed, failed: failure(segment[0]!, error) };
          }
        }
        for (const step of segment) {
          try {
            await client.query(step.sql);
          } catch (error) {
            if (!alone) await client.query('ROLLBACK').catch(() => undefined);
            return { ok: false, committed, failed: failure(step, error) };
          }
        }
        if (!alone) {
          try {
            await client.query('COMMIT');
          } catch (error) {
            return { ok: false, committed, failed: failure(segment.at(-1)!, error, true) };
          }
        }
        committed.push(...segment.map((s) => s.index));
      }
      return { ok: true, committed };
    } catch (cause) {
      // Before any statement ran (Prisma's lock, search_path): the session ended, or refused.
      if (isHotfixError(cause)) throw cause;
      const { code, message } = errorParts(cause);
      const lost = lostConnection(code, message);
      throw infraError(
        lost ? 'DB_CONNECTION_LOST' : 'DB_QUERY_FAILED',
        `${lost ? `The connection to ${target.env.name} was lost` : `A setup query failed on ${target.env.name}`} before any statement ran${code ? ` (${code})` : ''}: ${message}. Nothing was run.`,
        { hint: 'Once the database is back, run the same command again.', cause },
      );
    } finally {
      await client.end().catch(() => undefined); // also releases the advisory lock
    }
  }
  if (target.provider === 'sqlite') {
    const file = target.sqliteFile!;
    if (!existsSync(file)) throw connectError(target, new Error(`SQLite file ${file} does not exist`));
    const { createClient } = await import('@libsql/client');
    const client = createClient({ url: `file:${file}` });
    try {
      // SQLite has no statement timeout; busy_timeout bounds the wait for another writer.
      await client.execute(
        `PRAGMA busy_timeout = ${Math.ceil(durationMs(opts.lockTimeout, '--lock-timeout'))}`,
      );
      for (const segment of segments(steps)) {
        const tx = await client.transaction('write');
        for (const step of segment) {
          try {
            await tx.execute(step.sql);
          } catch (error) {
            await tx.rollback().catch(() => undefined);
            return { ok: false, committed, failed: failure(step, error) };
          }
        }
        await tx.commit();
        committed.push(...segment.map((s) => s.index));
      }
      return { ok: true, committed };
    } finally {
      client.close();
    }
  }
  throw infraError('DB_DRIVER_MISSING', `Running SQL on ${target.provider} databases is not supported yet.`, {
    hint: 'Revert by hand, then run hotfix rollback --manual to check and mark it.',
  });
}

/**
 * Marks finished migrations rolled back in `_prisma_migrations` (`rolled_back_at`), under
 * Prisma's migration lock: what `prisma migrate resolve --rolled-back` refuses for a finished
 * row (P3012). Prisma's deploy then treats them as not applied, so this environment's next
 * deploy runs them again. Only rows that are finished and not yet rolled back change.
 */
export async function markRolledBack(
  target: Target,
  migrations: readonly string[],
  schema: string | undefined,
): Promise<WriteOutcome> {
  const names = migrations.map((m) => `'${m.replace(/'/g, "''")}'`).join(', ');
  const now = target.provider === 'sqlite' ? "CAST(strftime('%s', 'now') AS INTEGER) * 1000" : 'now()';
  return runStatements(
    target,
    [
      {
        index: 0,
        sql: `UPDATE _prisma_migrations SET rolled_back_at = ${now} WHERE migration_name IN (${names}) AND finished_at IS NOT NULL AND rolled_back_at IS NULL`,
        concurrent: false,
      },
    ],
    { lockTimeout: '5s', statementTimeout: '30s', schema },
  );
}

const REL_KINDS: Partial<Record<DbObject['kind'], string[]>> = {
  table: ['r', 'p'],
  view: ['v', 'm'],
  sequence: ['S'],
  index: ['i', 'I'],
};

/**
 * Whether each object exists, from the catalog, over the read-only connection. Keys are
 * `objectKey`s. PostgreSQL names are exact; SQLite names compare without case.
 */
export async function probeObjects(
  target: Target,
  objects: readonly DbObject[],
  defaultSchema: string,
): Promise<Map<string, boolean>> {
  const found = new Map<string, boolean>();
  if (objects.length === 0) return found;
  const reader = await openDbReader(target);
  try {
    for (const o of objects) {
      let rows: unknown[];
      if (target.provider === 'sqlite') {
        if (o.kind === 'column') {
          rows = await reader.query('SELECT 1 AS x FROM pragma_table_info(?) WHERE lower(name) = lower(?)', [
            o.table ?? '',
            o.name,
          ]);
        } else {
          rows = await reader.query(
            'SELECT 1 AS x FROM sqlite_master WHERE type = ? AND lower(name) = lower(?)',
            [o.kind, o.name],
          );
        }
      } else {
        const schema = o.schema ?? defaultSchema;
        const relkinds = REL_KINDS[o.kind];
        if (relkinds) {
          rows = await reader.query(
            `SELECT 1 AS x FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind::text = ANY($3::text[])`,
            [schema, o.name, relkinds],
          );
        } else if (o.kind === 'column' || o.kind === 'not-null' || o.kind === 'default') {
          const flag = { column: 'true', 'not-null': 'a.attnotnull', default: 'a.atthasdef' }[o.kind];
          rows = await reader.query(
            `SELECT 1 AS x FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
               JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE n.nspname = $1 AND c.relname = $2 AND a.attname = $3 AND a.attnum > 0
                AND NOT a.attisdropped AND ${flag}`,
            [schema, o.table ?? '', o.name],
          );
        } else if (o.kind === 'constraint') {
          rows = await reader.query(
            `SELECT 1 AS x FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid
               JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE n.nspname = $1 AND c.relname = $2 AND con.conname = $3`,
            [schema, o.table ?? '', o.name],
          );
        } else if (o.kind === 'type') {
          rows = await reader.query(
            `SELECT 1 AS x FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
              WHERE n.nspname = $1 AND t.typname = $2`,
            [schema, o.name],
          );
        } else if (o.kind === 'schema') {
          rows = await reader.query('SELECT 1 AS x FROM pg_namespace WHERE nspname = $1', [o.name]);
        } else {
          rows = await reader.query(
            `SELECT 1 AS x FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
               JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND t.tgname = $2`,
            [schema, o.name],
          );
        }
      }
      found.set(objectKey(o), rows.length > 0);
    }
  } finally {
    await reader.close();
  }
  return found;
}

/**
 * Ends this process's sessions on `target` (PostgreSQL): after an interrupt, a session waiting
 * on a lock would otherwise go on and run the migration with nobody to record it.
 */
export async function terminateOwnSessions(target: Target): Promise<void> {
  if (target.provider !== 'postgresql') return;
  const client = new pg.Client({
    connectionString: target.url,
    connectionTimeoutMillis: 2_000,
    application_name: 'prisma-hotfix (cancel)',
  });
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query(
      'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = ANY($1::text[]) AND pid <> pg_backend_pid()',
      [[ownSessionName('prisma'), ownSessionName('rollback')]],
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}
