// Throw-away databases for tests: one PostgreSQL database per test file, SQLite files in temp dirs.
import { randomBytes } from 'node:crypto';
import path from 'node:path';

import pg from 'pg';
import type { QueryResultRow } from 'pg';
import { createClient } from '@libsql/client';
import type { InArgs } from '@libsql/client';

/** Server to create test databases on (any database of it; `postgres` by default). */
export const TEST_DATABASE_URL =
  process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

export interface PgDatabase {
  /** Connection URL of the new database. */
  url: string;
  /** Its name (lowercase, unique). */
  name: string;
  /** Terminates its connections and drops it. Safe to call twice. */
  drop(): Promise<void>;
}

/** `url` with its database name replaced. */
export function withDatabaseName(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(name)}`;
  return u.toString();
}

/** The database name of a PostgreSQL URL. */
export function databaseNameOf(url: string): string {
  return decodeURIComponent(new URL(url).pathname.replace(/^\//, '')) || 'postgres';
}

const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/** Runs one query (or a parameterless multi-statement script) and returns the rows. */
export async function pgQuery<R extends QueryResultRow = Record<string, unknown>>(
  url: string,
  sql: string,
  params?: unknown[],
): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const result = await client.query<R>(sql, params);
    // A multi-statement script yields one result per statement: return the last one's rows.
    const last = Array.isArray(result) ? (result as pg.QueryResult<R>[]).at(-1) : result;
    return last?.rows ?? [];
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Creates a fresh, uniquely named database on the test server (TEST_DATABASE_URL).
 * @param prefix readable part of the name, e.g. the test file's topic
 */
export async function createPgDatabase(prefix = 'test', template?: string): Promise<PgDatabase> {
  const clean =
    prefix
      .toLowerCase()
      .replace(/[^a-z0-9_]+/g, '_')
      .replace(/^_+|_+$/g, '')
      .slice(0, 30) || 'test';
  const name = `ph_${clean}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  await pgQuery(
    TEST_DATABASE_URL,
    `CREATE DATABASE ${quoteIdent(name)}${template ? ` TEMPLATE ${quoteIdent(template)}` : ''}`,
  );
  let dropped = false;
  return {
    name,
    url: withDatabaseName(TEST_DATABASE_URL, name),
    async drop() {
      if (dropped) return;
      dropped = true;
      await dropPgDatabase(name);
    },
  };
}

/**
 * A template database made once by `make` (a real prisma migrate deploy, say) and cloned by
 * PostgreSQL for every test that needs the same start: cloning takes milliseconds, a deploy
 * through the Prisma CLI about two CPU-seconds. `key` names what is in it; test processes that
 * ask at once wait for the first (an advisory lock), and a half-made one is made again.
 */
export async function pgTemplate(key: string, make: (url: string) => Promise<void>): Promise<string> {
  const name = `ph_tpl_${key}`;
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [name]);
    const ready = await client.query('SELECT 1 FROM pg_database WHERE datname = $1 AND datistemplate', [
      name,
    ]);
    if (ready.rowCount === 0) {
      await dropPgDatabase(name);
      await client.query(`CREATE DATABASE ${quoteIdent(name)}`);
      await make(withDatabaseName(TEST_DATABASE_URL, name));
      await client.query(`ALTER DATABASE ${quoteIdent(name)} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false`);
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock(hashtext($1))', [name]).catch(() => undefined);
    await client.end().catch(() => undefined);
  }
  return name;
}

/** Terminates the connections to a database and drops it (no error if it does not exist). */
export async function dropPgDatabase(name: string): Promise<void> {
  await pgQuery(
    TEST_DATABASE_URL,
    'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
    [name],
  );
  await pgQuery(TEST_DATABASE_URL, `DROP DATABASE IF EXISTS ${quoteIdent(name)}`);
}

/** Tables of a schema (default `public`), sorted. */
export async function pgTables(url: string, schema = 'public'): Promise<string[]> {
  const rows = await pgQuery<{ table_name: string }>(
    url,
    "SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE' ORDER BY table_name",
    [schema],
  );
  return rows.map((r) => r.table_name);
}

/** Columns of a table, in order. */
export async function pgColumns(url: string, table: string, schema = 'public'): Promise<string[]> {
  const rows = await pgQuery<{ column_name: string }>(
    url,
    'SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position',
    [schema, table],
  );
  return rows.map((r) => r.column_name);
}

/** PostgreSQL databases whose name starts with `prefix` (e.g. leftover shadow databases). */
export async function pgDatabasesLike(prefix: string): Promise<string[]> {
  const rows = await pgQuery<{ datname: string }>(
    TEST_DATABASE_URL,
    "SELECT datname FROM pg_database WHERE datname LIKE $1 || '%' ORDER BY datname",
    [prefix],
  );
  return rows.map((r) => r.datname);
}

// ---------------------------------------------------------------------------------------------
// SQLite

/** `file:` URL (absolute) of a SQLite database file in `dir`. */
export function sqliteUrl(dir: string, file = 'dev.db'): string {
  return `file:${path.resolve(dir, file)}`;
}

/** Absolute path of a `file:` URL (relative paths resolve against `baseDir`). */
export function sqlitePath(url: string, baseDir = process.cwd()): string {
  return path.resolve(baseDir, url.replace(/^file:/, '').replace(/\?.*$/, ''));
}

/** Runs one statement on a SQLite file and returns the rows as plain objects. */
export async function sqliteQuery<R extends Record<string, unknown> = Record<string, unknown>>(
  url: string,
  sql: string,
  args: InArgs = [],
): Promise<R[]> {
  const client = createClient({ url: `file:${sqlitePath(url)}` });
  try {
    const result = await client.execute({ sql, args });
    return result.rows.map((row) => {
      const out: Record<string, unknown> = {};
      result.columns.forEach((column, i) => {
        out[column] = row[i];
      });
      return out as R;
    });
  } finally {
    client.close();
  }
}

/** Tables of a SQLite database (without sqlite_* internals), sorted. */
export async function sqliteTables(url: string): Promise<string[]> {
  const rows = await sqliteQuery<{ name: string }>(
    url,
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
  );
  return rows.map((r) => r.name);
}

/** Columns of a SQLite table, in order. */
export async function sqliteColumns(url: string, table: string): Promise<string[]> {
  const rows = await sqliteQuery<{ name: string }>(url, `SELECT name FROM pragma_table_info(?)`, [table]);
  return rows.map((r) => r.name);
}

// ---------------------------------------------------------------------------------------------
// Prisma Migrate's history table, on either provider

export interface MigrationRow {
  migration_name: string;
  /** finished_at is set (applied, or resolved --applied) */
  finished: boolean;
  /** rolled_back_at is set */
  rolled_back: boolean;
  applied_steps_count: number;
  logs: string | null;
  checksum: string;
}

/** Rows of `_prisma_migrations`, oldest first (by started_at, then migration name). */
export async function prismaMigrations(url: string): Promise<MigrationRow[]> {
  const sql =
    'SELECT migration_name, finished_at IS NOT NULL AS finished, rolled_back_at IS NOT NULL AS rolled_back, ' +
    'applied_steps_count, logs, checksum FROM _prisma_migrations ORDER BY started_at, migration_name';
  const rows = url.startsWith('file:') ? await sqliteQuery(url, sql) : await pgQuery(url, sql);
  return rows.map((r) => ({
    migration_name: typeof r.migration_name === 'string' ? r.migration_name : '',
    finished: Boolean(Number(r.finished)),
    rolled_back: Boolean(Number(r.rolled_back)),
    applied_steps_count: Number(r.applied_steps_count),
    logs: typeof r.logs === 'string' ? r.logs : null,
    checksum: typeof r.checksum === 'string' ? r.checksum : '',
  }));
}

/** The pid of a session of `url`'s database that waits on a lock (e.g. prisma's ALTER TABLE). */
export async function waitingPid(url: string): Promise<number> {
  // Generous: before its prisma runs, a resolve's proof check can take tens of seconds on a busy machine.
  for (const deadline = Date.now() + 90_000; Date.now() < deadline;) {
    const rows = await pgQuery<{ pid: number }>(
      url,
      `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
    );
    if (rows[0]) return rows[0].pid;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('no session ever waited on the lock');
}

/**
 * The states of `migration`'s rows, oldest first: rolled-back, applied, or failed (no finished_at:
 * a failed migration, or one still running).
 */
export async function rowStates(url: string, migration: string): Promise<string[]> {
  return (await prismaMigrations(url))
    .filter((m) => m.migration_name === migration)
    .map((m) => (m.rolled_back ? 'rolled-back' : m.finished ? 'applied' : 'failed'));
}
