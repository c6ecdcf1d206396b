// Migration-aware driver adapter factories for the Wasm schema engine, with the fixes the
// stock adapters need to behave like the native engine (each one explained where it is made).
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { ColumnTypeEnum } from '@prisma/driver-adapter-utils';

import { pgIdent, sqliteFilePath } from './datasource.mjs';
import { debug } from './log.mjs';

const PG_CHAR_OID = 18; // PostgreSQL's internal single-byte "char" type
const PG_TEXT_OID = 25;
/** Marks a pg field description that was a `"char"` column before it was reported as text. */
const PG_CHAR_FIELD = Symbol('pg "char" column');

let pgResultPatched = false;
/**
 * adapter-pg has no column type for `"char"` (OID 18), which the engine's schema describer
 * reads from the catalog (`pg_constraint.contype`, `confdeltype`, ...): its `queryRaw` throws
 * "Column type 'char' could not be deserialized". Let pg parse such columns as text (the
 * value already is a one-character string) and remember which fields they were.
 * @param {any} pg the `pg` module
 */
function patchPgCharColumns(pg) {
  if (pgResultPatched) return;
  pgResultPatched = true;
  const proto = pg.Result.prototype;
  const addFields = proto.addFields;
  proto.addFields = function patchedAddFields(fieldDescriptions) {
    for (const field of fieldDescriptions) {
      if (field.dataTypeID === PG_CHAR_OID) {
        field.dataTypeID = PG_TEXT_OID;
        field[PG_CHAR_FIELD] = true;
      }
    }
    return addFields.call(this, fieldDescriptions);
  };
}

/** Set to `1`: report `"char"` columns as text, as the stand-in did before (panics, see below). */
export const CHAR_AS_TEXT_ENV = 'SCHEMA_ENGINE_STANDIN_PG_CHAR_AS_TEXT';

/** The fields of the result `queryRaw` is converting, handed over by `performIO`. */
const queryRawFields = new AsyncLocalStorage();
let pgQueryablePatched = false;
/**
 * ... and report those columns to the engine as `Character`, as the native engine's driver
 * does (`"char"` is a Rust `char` there). As text, the describer panics on every CHECK or
 * EXCLUDE constraint: `get_constraints` reads `contype` with `get_expect_char`
 * (sql-schema-describer/src/postgres.rs:1193, "Getting constraint_type from Resultrow ... as
 * char failed"), so `migrate diff` and drift checks failed on any schema with a CHECK.
 * Patched once on adapter-pg's PgQueryable (the base of its adapter and transaction classes).
 * @param {any} queryable a PrismaPgAdapter
 */
function patchPgCharColumnTypes(queryable) {
  // The old behaviour on demand, to reproduce a real panic in the Wasm engine (the test of
  // panic reporting uses it; see README.md).
  if (pgQueryablePatched || process.env[CHAR_AS_TEXT_ENV] === '1') return;
  let proto = Object.getPrototypeOf(queryable);
  while (proto && !(Object.hasOwn(proto, 'performIO') && Object.hasOwn(proto, 'queryRaw'))) {
    proto = Object.getPrototypeOf(proto);
  }
  if (!proto) throw new Error('adapter-pg changed: no PgQueryable.performIO/queryRaw to patch');
  pgQueryablePatched = true;
  const { performIO, queryRaw } = proto;
  proto.performIO = async function patchedPerformIO(query) {
    const result = await performIO.call(this, query);
    const pending = queryRawFields.getStore();
    if (pending) pending.fields = result?.fields;
    return result;
  };
  proto.queryRaw = async function patchedQueryRaw(query) {
    /** @type {{ fields?: any[] }} */
    const pending = {};
    const result = await queryRawFields.run(pending, () => queryRaw.call(this, query));
    pending.fields?.forEach((field, i) => {
      if (field?.[PG_CHAR_FIELD] && result.columnTypes[i] === ColumnTypeEnum.Text) {
        result.columnTypes[i] = ColumnTypeEnum.Character;
      }
    });
    return result;
  };
}

/**
 * Records the last script that failed, with the driver's own error, so that the server can
 * report P3018 with the database message (the Wasm engine only says "external connector error").
 */
export const scriptFailures = {
  /** @type {{ script: string, error: unknown } | null} */
  last: null,
};

/** Every adapter handed to the engine, so that the server can close leftovers on exit. */
const openAdapters = new Set();

/** Make `dispose` idempotent, run `after` once after it, and track the adapter. */
function trackDispose(adapter, after) {
  const original = adapter.dispose.bind(adapter);
  let disposed;
  adapter.dispose = () => {
    disposed ??= (async () => {
      openAdapters.delete(adapter);
      try {
        await original();
      } finally {
        if (after) await after();
      }
    })();
    return disposed;
  };
  openAdapters.add(adapter);
  return adapter;
}

export async function disposeAllAdapters() {
  const pending = [...openAdapters].map((a) => a.dispose().catch(() => undefined));
  await Promise.all(pending);
}

/**
 * @param {any} adapter a PrismaPgAdapter
 */
function patchPgAdapter(adapter) {
  patchPgCharColumnTypes(adapter);
  // adapter-pg splits scripts on `;` (breaking `DO $$ ... $$`) and runs the pieces one by one
  // (not atomic). The native engine sends a whole script as one simple query, which
  // PostgreSQL runs in one implicit transaction.
  adapter.executeScript = async (script) => {
    debug('executeScript', { script });
    try {
      await adapter.client.query(script);
    } catch (error) {
      scriptFailures.last = { script, error };
      // A raw (non DriverAdapterError) error goes to the bound factory's errorRegistry and
      // reaches the engine as "External error id#N"; the server maps it back.
      throw error;
    }
  };
  return adapter;
}

/**
 * @param {import('./datasource.mjs').PgTarget} target
 * @param {import('./datasource.mjs').PgTarget | undefined} shadowTarget
 */
export async function createPgFactory(target, shadowTarget) {
  // Loaded on demand: a SQLite run should not pay for pg, and the reverse.
  const [{ default: pg }, { PrismaPg }] = await Promise.all([import('pg'), import('@prisma/adapter-pg')]);
  patchPgCharColumns(pg);
  const options = { schema: target.schema };
  const base = new PrismaPg(target.config, options);

  return {
    provider: 'postgres',
    adapterName: base.adapterName,
    async connect() {
      return trackDispose(patchPgAdapter(await base.connect()));
    },
    async connectToShadowDb() {
      if (shadowTarget) {
        // A configured shadow database: reset it, like the native engine does.
        const shadow = patchPgAdapter(
          await new PrismaPg(shadowTarget.config, { schema: shadowTarget.schema }).connect(),
        );
        const s = pgIdent(shadowTarget.schema);
        await shadow.client.query(`DROP SCHEMA IF EXISTS ${s} CASCADE; CREATE SCHEMA ${s};`);
        return trackDispose(shadow);
      }
      // A temporary database, created from (and dropped through) a connection to the main
      // database, with its own pool (host/port/user/password from the main config).
      const admin = new pg.Client({ ...target.config });
      admin.on('error', () => undefined); // e.g. the server ends the session: dispose reports it
      await admin.connect();
      const name = `prisma_migrate_shadow_db_${randomUUID()}`;
      try {
        await admin.query(`CREATE DATABASE ${pgIdent(name)}`);
      } catch (error) {
        await admin.end().catch(() => undefined);
        throw error;
      }
      const shadowConfig = { ...target.config, database: name };
      let shadow;
      try {
        shadow = patchPgAdapter(await new PrismaPg(shadowConfig, options).connect());
        if (target.schema !== 'public') {
          await shadow.client.query(`CREATE SCHEMA IF NOT EXISTS ${pgIdent(target.schema)}`);
        }
      } catch (error) {
        await shadow?.dispose().catch(() => undefined);
        await admin.query(`DROP DATABASE IF EXISTS ${pgIdent(name)}`).catch(() => undefined);
        await admin.end().catch(() => undefined);
        throw error;
      }
      // The pool must be closed BEFORE the database is dropped.
      return trackDispose(shadow, async () => {
        try {
          await admin.query(`DROP DATABASE IF EXISTS ${pgIdent(name)}`).catch(async (error) => {
            // 55006: still in use (a leaked connection): force it where supported (PG 13+).
            if (/** @type {any} */ (error)?.code !== '55006') throw error;
            await admin.query(`DROP DATABASE IF EXISTS ${pgIdent(name)} WITH (FORCE)`);
          });
        } finally {
          await admin.end().catch(() => undefined);
        }
      });
    },
  };
}

/**
 * Does this SQL hold more than one statement? (A `;` followed by anything but whitespace or
 * comments, outside quotes and comments.)
 * @param {string} sql
 */
export function isMultiStatement(sql) {
  let i = 0;
  let sawTerminator = false;
  const n = sql.length;
  while (i < n) {
    const c = sql[i];
    const next = sql[i + 1];
    if (c === '-' && next === '-') {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? n : end + 1;
      continue;
    }
    if (c === '/' && next === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 2;
      continue;
    }
    if (/\s/.test(c ?? '')) {
      i++;
      continue;
    }
    if (sawTerminator) return true;
    if (c === "'" || c === '"' || c === '`' || c === '[') {
      const close = c === '[' ? ']' : c;
      i++;
      while (i < n) {
        if (sql[i] === close) {
          if (close !== ']' && sql[i + 1] === close) {
            i += 2;
            continue;
          }
          break;
        }
        i++;
      }
      i++;
      continue;
    }
    if (c === ';') sawTerminator = true;
    i++;
  }
  return false;
}

/**
 * adapter-libsql recognises "no such table" / "no such column" only at the start of the
 * message, but @libsql/client prefixes it with the code ("SQLITE_ERROR: no such table: x"),
 * so the engine never sees TableDoesNotExist (e.g. `migrate status` on a database without
 * `_prisma_migrations` fails). Re-map those errors.
 * @param {unknown} error
 */
function normalizeLibsqlError(error) {
  const e = /** @type {any} */ (error);
  if (e?.name !== 'DriverAdapterError' || e.cause?.kind !== 'sqlite') return error;
  const message = String(e.cause.message ?? '').replace(/^SQLITE_[A-Z_]+: /, '');
  let cause;
  let m;
  if ((m = /^no such table: (.+)$/.exec(message))) cause = { kind: 'TableDoesNotExist', table: m[1] };
  else if ((m = /^no such column: (.+)$/.exec(message))) cause = { kind: 'ColumnNotFound', column: m[1] };
  else if ((m = /has no column named (.+)$/.exec(message))) cause = { kind: 'ColumnNotFound', column: m[1] };
  if (!cause) return error;
  const mapped = new Error(message);
  mapped.name = 'DriverAdapterError';
  /** @type {any} */ (mapped).cause = {
    originalCode: e.cause.originalCode,
    originalMessage: e.cause.originalMessage,
    ...cause,
  };
  return mapped;
}

/** @param {any} queryable @param {string} method */
function remapLibsqlErrors(queryable, method) {
  const fn = queryable[method].bind(queryable);
  queryable[method] = async (...args) => {
    try {
      return await fn(...args);
    } catch (error) {
      throw normalizeLibsqlError(error);
    }
  };
}

/**
 * libsql's `execute` runs only the first statement of a multi-statement string (rusqlite, in
 * the native engine, runs them all): the engine applies migrations to the shadow database
 * through `executeRaw`, so route parameterless multi-statement SQL through `executeMultiple`.
 * @param {any} queryable a libsql adapter or transaction
 * @param {(sql: string) => Promise<void>} runScript
 */
function patchLibsqlExecuteRaw(queryable, runScript) {
  remapLibsqlErrors(queryable, 'queryRaw');
  remapLibsqlErrors(queryable, 'executeRaw');
  const executeRaw = queryable.executeRaw;
  queryable.executeRaw = async (query) => {
    if ((query.args?.length ?? 0) === 0 && isMultiStatement(query.sql)) {
      debug('executeRaw (multi-statement) -> executeMultiple', { sql: query.sql });
      await runScript(query.sql);
      return 0;
    }
    return executeRaw(query);
  };
}

function patchLibsqlAdapter(adapter) {
  const executeScript = adapter.executeScript.bind(adapter);
  adapter.executeScript = async (script) => {
    try {
      await executeScript(script);
    } catch (error) {
      // adapter-libsql wrapped the driver error in a DriverAdapterError: keep its payload
      // ({ kind: 'sqlite', extendedCode, message, originalCode, originalMessage }).
      scriptFailures.last = { script, error: /** @type {any} */ (error)?.cause ?? error };
      throw error;
    }
  };
  patchLibsqlExecuteRaw(adapter, (sql) => adapter.executeScript(sql));
  const startTransaction = adapter.startTransaction.bind(adapter);
  adapter.startTransaction = async (...args) => {
    const tx = await startTransaction(...args);
    patchLibsqlExecuteRaw(tx, async (sql) => {
      try {
        await tx.client.executeMultiple(sql);
      } catch (error) {
        scriptFailures.last = { script: sql, error };
        tx.onError(error);
      }
    });
    return tx;
  };
  return adapter;
}

async function removeSqliteFiles(file) {
  await Promise.all(['', '-journal', '-wal', '-shm'].map((s) => rm(file + s, { force: true })));
}

/**
 * @param {import('./datasource.mjs').SqliteTarget} target
 * @param {string | undefined} shadowUrl
 */
export async function createSqliteFactory(target, shadowUrl) {
  const { PrismaLibSql } = await import('@prisma/adapter-libsql');
  const base = new PrismaLibSql({ url: `file:${target.file}` });
  return {
    provider: 'sqlite',
    adapterName: base.adapterName,
    async connect() {
      return trackDispose(patchLibsqlAdapter(await base.connect()));
    },
    async connectToShadowDb() {
      // `:memory:` would be a new empty database on every connection: use a file.
      if (shadowUrl) {
        const file = sqliteFilePath(shadowUrl);
        await removeSqliteFiles(file);
        await writeFile(file, '');
        return trackDispose(patchLibsqlAdapter(await new PrismaLibSql({ url: `file:${file}` }).connect()));
      }
      const file = path.join(os.tmpdir(), `prisma-shadow-${randomUUID()}.db`);
      const adapter = patchLibsqlAdapter(await new PrismaLibSql({ url: `file:${file}` }).connect());
      return trackDispose(adapter, () => removeSqliteFiles(file));
    },
  };
}
