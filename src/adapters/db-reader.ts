import { existsSync } from 'node:fs';
import pg from 'pg';
import { connectError } from '../core/connect-cause.js';
import type { MigrationRow } from '../core/migration-state.js';
import { withoutRowValues } from '../core/redact.js';
import { queryShape } from '../core/sql/query-shape.js';
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
  /**
   * A verify.sql query, counted by the database: how many rows it returns, the primary-key
   * values of the first `limit` (see core/verify-rows.ts), and those rows themselves, which the
   * caller hands only to --show-rows at a terminal.
   */
  countedQuery(sql: string, limit: number): Promise<CountedRows>;
  close(): Promise<void>;
}

export interface CountedRows {
  total: number;
  keyColumns: string[] | null;
  keys: string[];
  columns: string[];
  /** The first `limit` rows, as arrays in `columns` order. */
  sample: unknown[][];
}

/** `SELECT` wrapped so the database counts it and only `limit` rows travel (newlines: a trailing `--` comment). */
const counted = (sql: string, limit: number) =>
  `SELECT hotfix_verify.*, count(*) OVER () AS "hotfix:total" FROM (\n${sql.trim().replace(/;\s*$/, '')}\n) AS hotfix_verify LIMIT ${limit}`;

/** A key value as text (dates as ISO, composite keys as a tuple). */
function keyText(values: unknown[]): string {
  const one = (v: unknown) =>
    v instanceof Date ? v.toISOString() : typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v);
  return values.length === 1 ? one(values[0]) : `(${values.map(one).join(', ')})`;
}

/** The rows of a counted query, the total dropped from each; keys from `keyIndexes` when there are. */
function countedRows(
  columns: string[],
  rows: unknown[][],
  total: number,
  key: { columns: string[]; indexes: number[] } | null,
): CountedRows {
  return {
    total,
    keyColumns: key?.columns ?? null,
    keys: rows.map((r, i) => (key ? keyText(key.indexes.map((k) => r[k])) : String(i + 1))),
    columns,
    sample: rows,
  };
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
    // Prisma keeps the database's error text here, DETAIL lines with row values included.
    logs: typeof r.logs === 'string' ? withoutRowValues(r.logs) : null,
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
                  a.query AS q
             FROM pg_locks l JOIN pg_class c ON c.oid = l.relation JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE l.granted AND c.relname = ANY($1::text[]) AND a.pid <> pg_backend_pid()`,
          [tables],
        );
        return rows.map(
          (r) =>
            `pid ${r.pid}${r.app ? ` (${r.app})` : ''} holds ${r.mode} on "${r.relname}"${r.state ? `, ${r.state}` : ''}${r.since ? ` since ${r.since}` : ''}${r.q ? `: ${queryShape(r.q)}` : ''}`,
        );
      },
      query,
      countedQuery: async (sql, limit) => {
        type Res = { fields: { name: string; tableID: number; columnID: number }[]; rows: unknown[][] };
        let res: Res;
        let wrapped = true;
        await client.query('SAVEPOINT hotfix_verify');
        try {
          res = await client.query({ text: counted(sql, limit), rowMode: 'array' });
          await client.query('RELEASE SAVEPOINT hotfix_verify');
        } catch (error) {
          // SQL that cannot be a subquery (a syntax error only there): run it as written.
          if ((error as { code?: string }).code !== '42601') throw error;
          await client.query('ROLLBACK TO SAVEPOINT hotfix_verify');
          res = await client.query({ text: sql, rowMode: 'array' });
          wrapped = false;
        }
        const fields = wrapped ? res.fields.slice(0, -1) : res.fields;
        const total = wrapped ? Number(res.rows[0]?.at(-1) ?? 0) : res.rows.length;
        const rows = res.rows.slice(0, limit).map((r) => (wrapped ? r.slice(0, -1) : r));
        // PostgreSQL names each result column's table and column, through subqueries and CTEs:
        // the first table whose whole primary key is in the result gives the keys.
        const tables = [...new Set(fields.map((f) => f.tableID).filter((t) => t > 0))];
        const pks =
          tables.length === 0
            ? []
            : await query<{ t: number; cols: number[] }>(
                'SELECT indrelid::int AS t, indkey::int2[] AS cols FROM pg_index WHERE indisprimary AND indrelid = ANY($1::oid[])',
                [tables],
              );
        let key: { columns: string[]; indexes: number[] } | null = null;
        for (const t of tables) {
          const cols = pks.find((p) => p.t === t)?.cols;
          const indexes = cols?.map((c) => fields.findIndex((f) => f.tableID === t && f.columnID === c));
          if (cols && indexes && indexes.every((i) => i >= 0)) {
            key = { columns: indexes.map((i) => fields[i]!.name), indexes };
            break;
          }
        }
        return countedRows(
          fields.map((f) => f.name),
          rows,
          total,
          key,
        );
      },
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
      countedQuery: async (sql, limit) => {
        const res = await client.execute(counted(sql, limit));
        const columns = res.columns.slice(0, -1);
        const rows = res.rows.map((r) => columns.map((_, i) => r[i]));
        const total = Number(res.rows[0]?.[columns.length] ?? 0);
        // SQLite does not say which table a column came from: the query's first table, when the
        // result has every column of its primary key.
        const table = /\bFROM\s+(?:"((?:[^"]|"")+)"|`([^`]+)`|([A-Za-z_][\w$]*))/i.exec(sql);
        const name = table ? (table[1]?.replaceAll('""', '"') ?? table[2] ?? table[3]!) : undefined;
        const info = name
          ? await query<{ name: string; pk: number }>(`SELECT name, pk FROM pragma_table_info(?)`, [name])
          : [];
        const pk = info.filter((c) => Number(c.pk) > 0).sort((a, b) => Number(a.pk) - Number(b.pk));
        const indexes = pk.map((c) => columns.indexOf(c.name));
        const key =
          pk.length > 0 && indexes.every((i) => i >= 0) ? { columns: pk.map((c) => c.name), indexes } : null;
        return countedRows(columns, rows, total, key);
      },
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
    countedQuery: async (sql, limit) => {
      // Counted as it runs (MySQL names no key through a query): row numbers only.
      const [rows, fields] = await connection.query({ sql, rowsAsArray: true });
      const all = rows as unknown[][];
      return countedRows(
        (fields ?? []).map((f) => f.name),
        all.slice(0, limit),
        all.length,
        null,
      );
    },
    close: () => connection.end(),
  };
}
