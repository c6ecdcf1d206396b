import { existsSync } from 'node:fs';
import pg from 'pg';
import { connectError } from '../core/connect-cause.js';
import type { MigrationRow } from '../core/migration-state.js';
import type { Target } from '../core/target.js';

/** Prisma's advisory lock key for migrations (PostgreSQL). */
export const PRISMA_MIGRATE_LOCK = 72707369;

export type { MigrationRow } from '../core/migration-state.js';

export interface DbReader {
  /** undefined when `_prisma_migrations` does not exist (a database Migrate never touched). */
  migrations(): Promise<MigrationRow[] | undefined>;
  /**
   * Who holds Prisma's migration lock right now (another session running migrate deploy or
   * resolve), described for people; undefined when nobody does or the provider has none.
   */
  migrateLockHolder(): Promise<string | undefined>;
  /**
   * Sessions holding a lock on any of these tables (PostgreSQL), described for people: who made
   * a migration give up on its lock_timeout.
   */
  lockHolders(tables: readonly string[]): Promise<string[]>;
  /** A read-only query for checks (catalog lookups). */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

const SELECT_MIGRATIONS = `SELECT id, migration_name, checksum, started_at, finished_at, rolled_back_at, applied_steps_count, logs
  FROM _prisma_migrations ORDER BY started_at, migration_name`;

function iso(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint') return value.toString();
  return JSON.stringify(value);
}

function toRow(r: Record<string, unknown>): MigrationRow {
  return {
    id: String(r.id),
    migrationName: String(r.migration_name),
    checksum: String(r.checksum),
    startedAt: iso(r.started_at),
    finishedAt: iso(r.finished_at),
    rolledBackAt: iso(r.rolled_back_at),
    appliedStepsCount: Number(r.applied_steps_count ?? 0),
    logs: typeof r.logs === 'string' ? r.logs : null,
  };
}

/**
 * Opens a read-only connection with the provider's own driver. Reading the table directly,
 * rather than parsing `prisma migrate status`, gives exact states, checksums and logs.
 */
export async function openDbReader(target: Target): Promise<DbReader> {
  if (target.provider === 'postgresql') {
    const client = new pg.Client({
      connectionString: target.url,
      connectionTimeoutMillis: 10_000,
      // Every transaction of this session is read-only: a bug here cannot write to production.
      options: '-c default_transaction_read_only=on -c statement_timeout=30000',
      application_name: 'prisma-hotfix (read-only)',
    });
    client.on('error', () => undefined); // reported through the failing query instead
    try {
      await client.connect();
    } catch (cause) {
      throw connectError(target, cause);
    }
    const query = async <T>(sql: string, params: unknown[] = []) =>
      (await client.query(sql, params)).rows as T[];
    return {
      migrations: async () => {
        const exists = await query<{ t: string | null }>(
          `SELECT to_regclass('_prisma_migrations')::text AS t`,
        );
        if (!exists[0]?.t) return undefined;
        return (await query<Record<string, unknown>>(SELECT_MIGRATIONS)).map(toRow);
      },
      migrateLockHolder: async () => {
        // pg_advisory_lock(72707369): classid 0, objid the key, objsubid 1 (a single bigint key).
        const rows = await query<{ pid: number; app: string | null; since: string | null }>(
          `SELECT l.pid, a.application_name AS app, a.query_start::text AS since
             FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE l.locktype = 'advisory' AND l.classid = 0 AND l.objid = $1 AND l.objsubid = 1
              AND l.granted AND l.pid <> pg_backend_pid()
              -- Advisory locks are per database: another database's migration is not this one's.
              AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
          [PRISMA_MIGRATE_LOCK],
        );
        const r = rows[0];
        return r
          ? `backend pid ${r.pid}${r.app ? ` (${r.app})` : ''}${r.since ? `, running since ${r.since}` : ''}`
          : undefined;
      },
      lockHolders: async (tables) => {
        if (tables.length === 0) return [];
        const rows = await query<{
          pid: number;
          app: string | null;
          state: string | null;
          since: string | null;
          relname: string;
          mode: string;
          q: string | null;
        }>(
          `SELECT DISTINCT a.pid, a.application_name AS app, a.state, a.xact_start::text AS since, c.relname, l.mode,
                  left(regexp_replace(a.query, '\\s+', ' ', 'g'), 100) AS q
             FROM pg_locks l JOIN pg_class c ON c.oid = l.relation JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE l.granted AND c.relname = ANY($1::text[]) AND a.pid <> pg_backend_pid()`,
          [tables],
        );
        return rows.map(
          (r) =>
            `pid ${r.pid}${r.app ? ` (${r.app})` : ''} holds ${r.mode} on "${r.relname}"${r.state ? `, ${r.state}` : ''}${r.since ? ` since ${r.since}` : ''}${r.q ? `: ${r.q}` : ''}`,
        );
      },
      query,
      close: () => client.end(),
    };
  }
  if (target.provider === 'sqlite') {
    const file = target.sqliteFile!;
    // Opening a missing file would create an empty database: refuse instead.
    if (!existsSync(file)) throw connectError(target, new Error(`SQLite file ${file} does not exist`));
    const { createClient } = await import('@libsql/client');
    const client = createClient({ url: `file:${file}` });
    const query = async <T>(sql: string, params: unknown[] = []) =>
      (await client.execute({ sql, args: params as never })).rows as unknown as T[];
    try {
      await query('PRAGMA query_only = ON');
    } catch (cause) {
      client.close();
      throw connectError(target, cause);
    }
    return {
      migrations: async () => {
        const exists = await query<{ name: string }>(
          `SELECT name FROM sqlite_master WHERE type = 'table' AND name = '_prisma_migrations'`,
        );
        if (exists.length === 0) return undefined;
        return (await query<Record<string, unknown>>(SELECT_MIGRATIONS)).map((r) => {
          const row = toRow(r);
          // Prisma stores SQLite timestamps as epoch milliseconds.
          const ms = (v: string | null) =>
            v !== null && /^\d+$/.test(v) ? new Date(Number(v)).toISOString() : v;
          return {
            ...row,
            startedAt: ms(row.startedAt),
            finishedAt: ms(row.finishedAt),
            rolledBackAt: ms(row.rolledBackAt),
          };
        });
      },
      // SQLite has no migration lock: Prisma relies on the file lock of each write.
      migrateLockHolder: () => Promise.resolve(undefined),
      lockHolders: () => Promise.resolve([]),
      query,
      close: () => Promise.resolve(client.close()),
    };
  }
  // MySQL / MariaDB through mysql2 (the driver Prisma 7's CLI itself depends on).
  const mysql = await import('mysql2/promise');
  let connection: Awaited<ReturnType<typeof mysql.createConnection>>;
  try {
    // Prisma stores DATETIME(3) in UTC: read it as UTC whatever this machine's time zone.
    connection = await mysql.createConnection({ uri: target.url, connectTimeout: 10_000, timezone: 'Z' });
    // Every transaction of this session is read-only, as on PostgreSQL.
    await connection.query('SET SESSION TRANSACTION READ ONLY');
  } catch (cause) {
    throw connectError(target, cause);
  }
  const query = async <T>(sql: string, params: unknown[] = []) => {
    const [rows] = await connection.query(sql, params);
    return rows as T[];
  };
  return {
    migrations: async () => {
      const exists = await query<{ n: number }>(
        `SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = '_prisma_migrations'`,
      );
      if (Number(exists[0]?.n ?? 0) === 0) return undefined;
      return (await query<Record<string, unknown>>(SELECT_MIGRATIONS)).map(toRow);
    },
    migrateLockHolder: async () => {
      // Prisma takes GET_LOCK('prisma_migrate') on MySQL.
      const rows = await query<{ holder: number | null }>(`SELECT IS_USED_LOCK('prisma_migrate') AS holder`);
      const holder = rows[0]?.holder;
      return holder === null || holder === undefined ? undefined : `connection id ${holder}`;
    },
    lockHolders: () => Promise.resolve([]),
    query,
    close: () => connection.end(),
  };
}
