// Operations the Wasm engine does not implement (create/drop database, connection checks for
// the one-shot `cli` commands), done with the database drivers directly.
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';

import { pgIdent } from './datasource.mjs';
import { UserFacingError, pgConnectionError } from './errors.mjs';

/**
 * Run `fn` with a connected pg client; connection errors become user-facing errors.
 * @template T
 * @param {import('./datasource.mjs').PgTarget} target
 * @param {(client: import('pg').Client) => Promise<T>} fn
 * @returns {Promise<T>}
 */
async function withPgClient(target, fn) {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ ...target.config });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    throw pgConnectionError(error, target) ?? error;
  }
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * A connection to a maintenance database of the same server (the native engine tries
 * `postgres`, `template1`, then `defaultdb`).
 * @param {import('./datasource.mjs').PgTarget} target
 */
async function withPgAdminClient(target, fn) {
  let lastError;
  for (const database of ['postgres', 'template1', 'defaultdb']) {
    const admin = { ...target, config: { ...target.config, database, options: undefined } };
    try {
      return await withPgClient(admin, fn);
    } catch (error) {
      const code = /** @type {any} */ (error)?.code;
      if (code === 'P1003' || code === 'P1010') {
        lastError = error;
        continue;
      }
      throw error;
    }
  }
  throw new UserFacingError(
    'P3014',
    `Prisma could not connect to a default database (\`postgres\` or \`template1\`), it cannot create the specified database.${lastError ? `\n${String(/** @type {any} */ (lastError).message)}` : ''}`,
  );
}

function sqliteMissing(file) {
  return new UserFacingError('P1003', `Database \`${path.basename(file)}\` does not exist at \`${file}\``, {
    database_file_name: path.basename(file),
    database_file_path: file,
  });
}

/** @param {import('./datasource.mjs').Target} target */
export async function canConnectToDatabase(target) {
  if (target.provider === 'sqlite') {
    try {
      await stat(target.file);
    } catch (error) {
      if (/** @type {any} */ (error)?.code === 'ENOENT') throw sqliteMissing(target.file);
      throw new Error(`Failed to open SQLite database. ${String(/** @type {any} */ (error)?.message)}`);
    }
    return;
  }
  await withPgClient(target, (client) => client.query('SELECT 1'));
}

/** @param {import('./datasource.mjs').Target} target @returns {Promise<string>} the database name */
export async function createDatabase(target) {
  if (target.provider === 'sqlite') {
    try {
      await stat(target.file);
      return target.file;
    } catch {
      // create it below
    }
    await mkdir(path.dirname(target.file), { recursive: true });
    await writeFile(target.file, '', { flag: 'a' }); // an empty file is an empty SQLite database
    return target.file;
  }
  const { database } = target.config;
  let alreadyExists;
  await withPgAdminClient(target, async (client) => {
    try {
      await client.query(`CREATE DATABASE ${pgIdent(database)}`);
    } catch (error) {
      const e = /** @type {any} */ (error);
      if (e?.code === '42P04' || e?.code === '23505') {
        alreadyExists = pgConnectionError({ code: '42P04' }, target);
      } else {
        throw pgConnectionError(e, target) ?? e;
      }
    }
  });
  await withPgClient(target, (client) =>
    client.query(`CREATE SCHEMA IF NOT EXISTS ${pgIdent(target.schema)}`),
  );
  if (alreadyExists) throw alreadyExists;
  return database;
}

/** @param {import('./datasource.mjs').Target} target */
export async function dropDatabase(target) {
  if (target.provider === 'sqlite') {
    try {
      await rm(target.file);
    } catch (error) {
      throw new Error(
        `Failed to delete SQLite database at \`${target.file}\`.\n${String(/** @type {any} */ (error)?.message)}`,
      );
    }
    return;
  }
  await withPgAdminClient(target, (client) =>
    client.query(`DROP DATABASE ${pgIdent(target.config.database)}`),
  );
}

/**
 * The Wasm engine stores "external connector error / External error id#N" (or the bare driver
 * error) in the failed migration's `logs`; store the P3018 text there, as the native engine does.
 * @param {import('./datasource.mjs').Target} target
 * @param {string} migrationName
 * @param {string} logs
 */
export async function replaceFailedMigrationLogs(target, migrationName, logs) {
  const sql =
    'UPDATE _prisma_migrations SET logs = ? WHERE id = (SELECT id FROM _prisma_migrations ' +
    'WHERE migration_name = ? AND finished_at IS NULL AND rolled_back_at IS NULL ORDER BY started_at DESC LIMIT 1)';
  if (target.provider === 'sqlite') {
    const { createClient } = await import('@libsql/client');
    const client = createClient({ url: `file:${target.file}` });
    try {
      await client.execute({ sql, args: [logs, migrationName] });
    } finally {
      client.close();
    }
    return;
  }
  let i = 0;
  await withPgClient(target, (client) =>
    client.query(
      sql.replace(/\?/g, () => `$${++i}`),
      [logs, migrationName],
    ),
  );
}
