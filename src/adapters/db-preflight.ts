import { constants, promises as fs } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { connectError } from '../core/connect-cause.js';
import { settingSource } from '../core/db-codes.js';
import { queryShape } from '../core/sql/query-shape.js';
import type { Target } from '../core/target.js';

/** A session in the way of a migration: it holds a lock on a table it touches, or an old transaction. */
export interface Blocker {
  pid: number;
  application: string | null;
  /** Seconds its transaction has been open. */
  ageSeconds: number;
  state: string | null;
  /** Its query's shape: names kept, values as `?` (core/sql/query-shape.ts). */
  query: string | null;
  /** The tables it holds locks on among those asked about, with the strongest mode. */
  locks: { table: string; mode: string }[];
}

/** A timeout setting as a fresh session of this role on this database gets it, and from where. */
export interface TimeoutSetting {
  name: 'lock_timeout' | 'statement_timeout';
  /** As PostgreSQL shows it ("1s", "0"). */
  value: string;
  /** pg_settings.source: default, configuration file, database, user, database user, client. */
  source: string;
}

export interface WritePreflight {
  /** Why this connection cannot write (a read-only role, database or server, a standby); undefined when it can. */
  readOnly: string | undefined;
  /** PostgreSQL only; empty elsewhere. */
  timeouts: TimeoutSetting[];
  blockers: Blocker[];
}

export interface PreflightAsk {
  /** Tables the migration touches: sessions holding locks on them are named. */
  tables: readonly string[];
  /** Transactions open longer than this are named too (a migration waits behind them). */
  olderThanSeconds: number;
}

/**
 * What a writing step must know before its intent is recorded, read as the step's own sessions
 * will see it: a plain session with the environment's URL (not hotfix's read-only reader), so a
 * role's, database's or URL's read-only default and timeouts show as they will apply.
 */
export async function writePreflight(target: Target, ask: PreflightAsk): Promise<WritePreflight> {
  if (target.provider === 'sqlite') return sqlitePreflight(target);
  if (target.provider === 'mysql') return mysqlPreflight(target);
  const client = new pg.Client({
    connectionString: target.url,
    connectionTimeoutMillis: 10_000,
    application_name: 'prisma-hotfix (preflight)',
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (cause) {
    throw connectError(target, cause);
  }
  try {
    const { rows: state } = await client.query<{ ro: string; standby: boolean; source: string; who: string }>(
      `SELECT current_setting('transaction_read_only') AS ro, pg_is_in_recovery() AS standby, current_user AS who,
              (SELECT source FROM pg_settings WHERE name = 'default_transaction_read_only') AS source`,
    );
    const s = state[0]!;
    const readOnly = s.standby
      ? 'the server is a standby (in recovery): it takes no writes'
      : s.ro === 'on'
        ? `default_transaction_read_only is on for role ${s.who} (set by ${settingSource(s.source)})`
        : undefined;
    const { rows: settings } = await client.query<{
      name: TimeoutSetting['name'];
      value: string;
      source: string;
    }>(
      `SELECT name, current_setting(name) AS value, source FROM pg_settings
        WHERE name IN ('lock_timeout', 'statement_timeout') ORDER BY name`,
    );
    const { rows } = await client.query<{
      pid: number;
      app: string | null;
      age: number | null;
      state: string | null;
      query: string | null;
      locks: { table: string; mode: string }[] | null;
    }>(
      `SELECT a.pid, a.application_name AS app, a.state, a.query,
              extract(epoch FROM now() - a.xact_start)::int AS age,
              (SELECT json_agg(json_build_object('table', c.relname, 'mode', l.mode) ORDER BY c.relname)
                 FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
                WHERE l.pid = a.pid AND l.granted AND c.relname = ANY($1::text[])) AS locks
         FROM pg_stat_activity a
        WHERE a.pid <> pg_backend_pid() AND a.backend_type = 'client backend'
          AND a.datname = current_database() AND a.xact_start IS NOT NULL
          AND (now() - a.xact_start > make_interval(secs => $2)
               OR EXISTS (SELECT 1 FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
                           WHERE l.pid = a.pid AND l.granted AND c.relname = ANY($1::text[])))
        ORDER BY a.xact_start`,
      [[...ask.tables], ask.olderThanSeconds],
    );
    return {
      readOnly,
      timeouts: settings.map((r) => ({ name: r.name, value: r.value, source: r.source })),
      blockers: rows.map((r) => ({
        pid: r.pid,
        application: r.app || null,
        ageSeconds: r.age ?? 0,
        state: r.state,
        query: r.query ? queryShape(r.query) : null,
        locks: r.locks ?? [],
      })),
    };
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function sqlitePreflight(target: Target): Promise<WritePreflight> {
  const file = target.sqliteFile!;
  // SQLite writes the file and a journal beside it: both must be writable.
  for (const p of [file, path.dirname(file)]) {
    try {
      await fs.access(p, constants.W_OK);
    } catch {
      return { readOnly: `${p} is not writable by this user`, timeouts: [], blockers: [] };
    }
  }
  return { readOnly: undefined, timeouts: [], blockers: [] };
}

async function mysqlPreflight(target: Target): Promise<WritePreflight> {
  const mysql = await import('mysql2/promise');
  let connection: Awaited<ReturnType<typeof mysql.createConnection>>;
  try {
    connection = await mysql.createConnection({ uri: target.url, connectTimeout: 10_000 });
  } catch (cause) {
    throw connectError(target, cause);
  }
  try {
    const [rows] = await connection.query(
      'SELECT @@global.read_only AS ro, @@session.transaction_read_only AS tro',
    );
    const r = (rows as { ro: number; tro: number }[])[0]!;
    const readOnly = Number(r.ro)
      ? 'the server is read_only'
      : Number(r.tro)
        ? 'transaction_read_only is on for this session'
        : undefined;
    return { readOnly, timeouts: [], blockers: [] };
  } finally {
    await connection.end().catch(() => undefined);
  }
}
