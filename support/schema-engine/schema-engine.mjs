#!/usr/bin/env node
// A stand-in for Prisma's native `schema-engine` binary, for machines that cannot download it.
// The Prisma 7 CLI spawns it when PRISMA_SCHEMA_ENGINE_BINARY points here. It speaks the same
// protocol as the binary (see prisma-engines `schema-engine/cli`):
//   schema-engine --version
//   schema-engine --datasource <json> cli can-connect-to-database|create-database|drop-database
//   schema-engine [--datamodels <file>]... [--datasource <json>]      (JSON-RPC 2.0 over stdio)
// and does the work with @prisma/schema-engine-wasm plus a driver adapter
// (@prisma/adapter-pg for PostgreSQL, @prisma/adapter-libsql for SQLite).
import { readFileSync } from 'node:fs';
import readline from 'node:readline';

import { UnsupportedUrlError, pgTarget, providerOf, targetOf } from './datasource.mjs';
import { UserFacingError, applyMigrationError, describeScriptError, pgConnectionError } from './errors.mjs';
import { forwardEngineLog, info, log } from './log.mjs';
import { WasmPanic, enginesHash, loadSchemaEngineClass, toWasmPanic } from './wasm.mjs';

// Drivers and adapters are imported on demand: `--version` and the one-shot commands stay fast.
const direct = () => import('./direct.mjs');
const adapters = () => import('./adapters.mjs');

const GIT_HASH = enginesHash();

// ---------------------------------------------------------------------------------------------
// Arguments

function usage() {
  return `schema-engine-cli ${GIT_HASH} (Node.js stand-in backed by @prisma/schema-engine-wasm)
When no subcommand is specified, the schema engine will default to starting as a JSON-RPC server over stdio

USAGE:
    schema-engine [OPTIONS] [SUBCOMMAND]

OPTIONS:
    -d, --datamodels <FILE>...        List of paths to the Prisma schema files
        --datasource <JSON>           {"url": ..., "shadowDatabaseUrl": ...}
        --enabled-preview-features    (accepted, ignored)
        --extension-types <JSON>      (accepted, ignored)
    -h, --help                        Prints help information
    -V, --version                     Prints version information

SUBCOMMANDS:
    cli can-connect-to-database | create-database | drop-database
`;
}

/** @param {string[]} args */
function parseArgs(args) {
  /** @type {{ datamodels: string[], datasource?: string, version: boolean, help: boolean, positionals: string[] }} */
  const out = { datamodels: [], version: false, help: false, positionals: [] };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    const inline = arg.startsWith('--') && eq > 0 ? arg.slice(eq + 1) : undefined;
    const value = () => inline ?? args[++i];
    switch (name) {
      case '--version':
      case '-V':
        out.version = true;
        break;
      case '--help':
      case '-h':
        out.help = true;
        break;
      case '--datamodels':
      case '--datamodel':
      case '-d': {
        const v = value();
        if (v !== undefined) out.datamodels.push(v);
        break;
      }
      case '--datasource':
        out.datasource = value();
        break;
      case '--enabled-preview-features':
      case '--extension-types':
        value();
        break;
      default:
        out.positionals.push(arg);
    }
  }
  return out;
}

/**
 * Prisma 7 passes `--datasource '{"url":...,"shadowDatabaseUrl":...}'`; Prisma 6 passes the bare
 * URL to the one-shot commands (`cli --datasource <url> can-connect-to-database`).
 * @param {string | undefined} value
 * @returns {{ url?: string, shadowDatabaseUrl?: string }}
 */
function parseDatasource(value) {
  if (!value) return {};
  if (!value.trimStart().startsWith('{')) return { url: value };
  const parsed = JSON.parse(value);
  return parsed && typeof parsed === 'object' ? parsed : {};
}

// ---------------------------------------------------------------------------------------------
// One-shot `cli` commands

function missingUrl() {
  return new UserFacingError(
    'P1012',
    'The datasource.url property is required in your Prisma config file when using this command.',
  );
}

/** @param {string} command @param {{ url?: string }} datasource */
async function runCliCommand(command, datasource) {
  // The CLI skips the first stderr line and parses every other one as JSON.
  info('Starting schema engine CLI', { git_hash: GIT_HASH });
  try {
    if (!datasource.url) throw missingUrl();
    const target = targetOf(datasource.url);
    let message;
    switch (command) {
      case 'can-connect-to-database':
        await (await direct()).canConnectToDatabase(target);
        message = 'Connection successful';
        break;
      case 'create-database': {
        const name = await (await direct()).createDatabase(target);
        message = `Database '${name}' was successfully created.`;
        break;
      }
      case 'drop-database':
        await (await direct()).dropDatabase(target);
        message = 'The database was successfully dropped.';
        break;
      default:
        throw new Error(
          `Unknown cli subcommand \`${command}\`. Expected can-connect-to-database, create-database or drop-database.`,
        );
    }
    info(message);
    return 0;
  } catch (error) {
    const e = /** @type {any} */ (error);
    log(
      'ERROR',
      {
        is_panic: false,
        error_code: typeof e?.code === 'string' && /^P\d{4}$/.test(e.code) ? e.code : '',
        message: String(e?.message ?? e),
      },
      'schema_engine::logger',
    );
    return 1;
  }
}

// ---------------------------------------------------------------------------------------------
// JSON-RPC server

/** @param {unknown} message */
function send(message) {
  process.stdout.write(JSON.stringify(message) + '\n');
}

class Server {
  /** @param {{ datamodels: string[], datasource: { url?: string, shadowDatabaseUrl?: string } }} options */
  constructor({ datamodels, datasource }) {
    this.datasource = datasource;
    this.datamodelPaths = datamodels;
    /** @type {Map<number | string, (reply: any) => void>} requests we sent to the CLI */
    this.pendingClientRequests = new Map();
    this.nextClientRequestId = 0;
    /** serialises engine calls */
    this.queue = Promise.resolve();
    this.closing = false;
    /** @type {Promise<any> | undefined} */
    this.enginePromise = undefined;
    this.factory = undefined;
    this.target = undefined;
    /** @type {{ last: { script: string, error: unknown } | null } | undefined} */
    this.scriptFailures = undefined;
    /** requests being handled */
    this.inFlight = 0;
    /** @type {WasmPanic | undefined} the engine's first panic: every later call fails with it */
    this.panic = undefined;
    /** @type {(panic: WasmPanic) => void} */
    let failInFlight = () => undefined;
    /** Rejects when the engine panics: the request it was working on never settles by itself. */
    this.panicked = new Promise((_resolve, reject) => {
      failInFlight = reject;
    });
    this.panicked.catch(() => undefined);
    this.failInFlight = failInFlight;
  }

  /**
   * The Wasm engine panicked, or a JavaScript exception unwound through it, outside the call
   * that is awaited (the engine runs its futures from promise callbacks, so the RuntimeError
   * is an uncaught exception, and the pending call never settles). Answer the request in
   * flight with the panic, like the native engine's `is_panic` errors, and keep serving: the
   * CLI closes stdin and then waits for the exit (if the process exited by itself, the
   * CLI's `stop()` would wait for an `exit` event that has already been emitted, and
   * `prisma migrate diff` could end with exit code 0 and no output). With no request in flight
   * there is nobody to answer: log it and exit with 101, like a native panic.
   * @param {unknown} error
   */
  onPanic(error) {
    const panic = toWasmPanic(error);
    this.panic ??= panic;
    this.failInFlight(this.panic);
    if (this.inFlight > 0) {
      log('WARN', { message: `The Wasm schema engine panicked: ${panic.message}` });
      return;
    }
    log(
      'ERROR',
      { is_panic: true, message: panic.message, backtrace: panic.backtrace },
      'schema_engine::logger',
    );
    void this.shutdown(101);
  }

  /** The migration-aware adapter factory for the configured URL, bound like Prisma does. */
  async buildFactory() {
    const { createPgFactory, createSqliteFactory, scriptFailures } = await adapters();
    this.scriptFailures = scriptFailures;
    const { bindMigrationAwareSqlAdapterFactory } = await import('@prisma/driver-adapter-utils');
    const { url, shadowDatabaseUrl } = this.datasource;
    let raw;
    if (!url) {
      raw = {
        provider: 'postgres',
        adapterName: 'schema-engine-stand-in',
        connect: () => Promise.reject(missingUrl()),
        connectToShadowDb: () => Promise.reject(missingUrl()),
      };
    } else {
      this.target = targetOf(url);
      if (this.target.provider === 'postgres') {
        const shadow = shadowDatabaseUrl ? pgTarget(shadowDatabaseUrl) : undefined;
        raw = await createPgFactory(this.target, shadow);
      } else {
        if (shadowDatabaseUrl) providerOf(shadowDatabaseUrl);
        raw = await createSqliteFactory(this.target, shadowDatabaseUrl);
      }
    }
    return bindMigrationAwareSqlAdapterFactory(raw);
  }

  engine() {
    this.enginePromise ??= (async () => {
      const [SchemaEngine, factory] = await Promise.all([loadSchemaEngineClass(), this.buildFactory()]);
      this.factory = factory;
      const datamodels = this.datamodelPaths.length
        ? this.datamodelPaths.map((p) => /** @type {[string, string]} */ ([p, readFileSync(p, 'utf8')]))
        : undefined;
      try {
        // The engine connects while it is constructed.
        return await SchemaEngine.new({ datamodels }, forwardEngineLog, this.factory);
      } catch (error) {
        // Its connection errors carry no code: find out what is wrong the native engine's way.
        if (this.target) await (await direct()).canConnectToDatabase(this.target);
        throw error;
      }
    })();
    return this.enginePromise;
  }

  start() {
    info('Starting schema engine RPC server', { git_hash: GIT_HASH });
    const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
    rl.on('line', (line) => this.onLine(line));
    rl.on('close', () => void this.shutdown(0));
    process.stdin.on('error', () => void this.shutdown(0));
  }

  /** @param {string} line */
  onLine(line) {
    if (!line.trim()) return;
    let message;
    try {
      message = JSON.parse(line);
    } catch {
      send({ jsonrpc: '2.0', error: { code: -32700, message: 'Parse error' }, id: null });
      return;
    }
    if (message && typeof message.method === 'string') {
      const run = () => this.handleRequest(message);
      // One engine call at a time, like the native engine's per-connector actor.
      this.queue = this.queue.then(run, run);
      return;
    }
    // A reply to a request we sent (`print`).
    const resolve = message ? this.pendingClientRequests.get(message.id) : undefined;
    if (resolve) {
      this.pendingClientRequests.delete(message.id);
      resolve(message);
    }
  }

  /** Send a request to the CLI and wait for its reply. */
  callClient(method, params) {
    const id = this.nextClientRequestId++;
    return new Promise((resolve) => {
      this.pendingClientRequests.set(id, resolve);
      send({ jsonrpc: '2.0', method, params, id });
    });
  }

  async handleRequest(request) {
    const { id, method } = request;
    const params = request.params ?? {};
    if (id === undefined) return; // notification: nothing to answer
    this.inFlight++;
    try {
      // After a panic the Wasm instance is unusable (the native engine would have exited).
      if (this.panic) throw this.panic;
      const result = await Promise.race([this.dispatch(method, params), this.panicked]);
      send({ jsonrpc: '2.0', result: result === undefined ? null : result, id });
    } catch (error) {
      send({ jsonrpc: '2.0', error: await this.toRpcError(error, method, params), id });
    } finally {
      this.inFlight--;
      if (this.scriptFailures) this.scriptFailures.last = null;
    }
  }

  async dispatch(method, params) {
    switch (method) {
      case 'createDatabase':
      case 'dropDatabase': {
        const url =
          params?.datasource?.url ?? (typeof params === 'string' ? params : undefined) ?? this.datasource.url;
        if (!url) throw missingUrl();
        const target = targetOf(url);
        const { createDatabase, dropDatabase } = await direct();
        if (method === 'dropDatabase') {
          await dropDatabase(target);
          return null;
        }
        return { databaseName: await createDatabase(target) };
      }
      case 'getDatabaseVersion':
      case 'version': {
        const engine = await this.engine();
        return engine.version(params && Object.keys(params).length ? params : undefined);
      }
      case 'diff': {
        const engine = await this.engine();
        const { exitCode, stdout } = await engine.diff(params);
        // The native engine sends the text to the CLI (`print`), which writes it to stdout.
        if (typeof stdout === 'string' && stdout.length > 0) {
          await this.callClient('print', { content: stdout.endsWith('\n') ? stdout.slice(0, -1) : stdout });
        }
        return { exitCode };
      }
      case 'debugPanic': {
        const engine = await this.engine();
        return engine.debugPanic();
      }
      case 'applyMigrations':
      case 'createMigration':
      case 'dbExecute':
      case 'devDiagnostic':
      case 'diagnoseMigrationHistory':
      case 'ensureConnectionValidity':
      case 'evaluateDataLoss':
      case 'introspect':
      case 'introspectSql':
      case 'markMigrationApplied':
      case 'markMigrationRolledBack':
      case 'reset':
      case 'schemaPush': {
        const engine = await this.engine();
        return engine[method](params);
      }
      default: {
        const error = new Error(`Method not found: ${method}`);
        /** @type {any} */ (error).rpcCode = -32601;
        throw error;
      }
    }
  }

  /** The error the registry holds for "External error id#N", if any. */
  registeredError(text) {
    const match = /External error id#(\d+)/.exec(text);
    if (!match || !this.factory?.errorRegistry) return undefined;
    return this.factory.errorRegistry.consumeError(Number(match[1]))?.error;
  }

  /**
   * P3018 from the failed script, like the native engine; also fixes the failed row's logs.
   * @returns {Promise<UserFacingError | undefined>}
   */
  async migrationFailure(message, params, realError) {
    const failure = this.scriptFailures?.last;
    if (!failure || !this.target) return undefined;
    const dirs = params?.migrationsList?.migrationDirectories ?? [];
    let name = /migration_name="([^"]+)"/.exec(message)?.[1];
    name ??= dirs.find((d) => d?.migrationFile?.content?.value === failure.script)?.path;
    if (!name) return undefined;
    const { code, text } = describeScriptError(
      this.target.provider,
      realError ?? failure.error,
      failure.script,
    );
    const error = applyMigrationError(name, code, text);
    const trace = message.indexOf('\n   0: ');
    const logs = error.message + (trace >= 0 ? message.slice(trace) : '');
    const { replaceFailedMigrationLogs } = await direct();
    await replaceFailedMigrationLogs(this.target, name, logs).catch(() => undefined);
    return error;
  }

  async toRpcError(error, method, params) {
    const e = /** @type {any} */ (error);
    if (e?.rpcCode) return { code: e.rpcCode, message: String(e.message) };
    const rpc = (data) => ({
      code: 4466,
      message: 'An error happened. Check the data field for details.',
      data,
    });

    // A panic in the Wasm engine surfaces as WebAssembly.RuntimeError ("unreachable"); its
    // text is in the panic registry. The CLI shows a panic's top-level `message` (RustPanic),
    // so it carries the panic text too, not the generic sentence of other errors.
    if (e instanceof WasmPanic || e instanceof WebAssembly.RuntimeError) {
      const panic = toWasmPanic(e);
      if (!(e instanceof WasmPanic)) {
        this.panic ??= panic;
        this.failInFlight(panic);
      }
      return {
        code: 4466,
        message: panic.message,
        data: { is_panic: true, message: panic.message, backtrace: panic.backtrace },
      };
    }
    const message = String(e?.message ?? e);
    const real = this.registeredError(message);
    // A migration script failed: report P3018 with the database's own error, like the native
    // engine (the Wasm engine says "external connector error" or maps the driver error).
    if (method === 'applyMigrations' && this.scriptFailures?.last) {
      const p3018 = await this.migrationFailure(message, params, real);
      if (p3018)
        return rpc({ is_panic: false, message: p3018.message, meta: p3018.meta, error_code: p3018.code });
    }
    if (typeof e?.code === 'string' && /^P\d{4}$/.test(e.code)) {
      return rpc({ is_panic: false, message, meta: e.meta ?? {}, error_code: e.code });
    }
    if (real !== undefined) {
      const r = /** @type {any} */ (real);
      if (typeof r?.code === 'string' && /^P\d{4}$/.test(r.code)) {
        return rpc({ is_panic: false, message: String(r.message), meta: r.meta ?? {}, error_code: r.code });
      }
      if (this.target?.provider === 'postgres') {
        const known = pgConnectionError(r, this.target);
        if (known)
          return rpc({ is_panic: false, message: known.message, meta: known.meta, error_code: known.code });
      }
      if (this.target && (typeof r?.code === 'string' || r?.rawCode !== undefined)) {
        const { text } = describeScriptError(
          this.target.provider,
          r,
          this.scriptFailures?.last?.script ?? '',
        );
        return rpc({ is_panic: false, message: text.split('\n\nDbError {')[0] ?? text });
      }
      return rpc({ is_panic: false, message: String(r?.message ?? r), backtrace: String(r?.stack ?? '') });
    }
    if (e instanceof UnsupportedUrlError)
      return rpc({ is_panic: false, message, error_code: 'P1013', meta: {} });
    return rpc({ is_panic: false, message });
  }

  /** @param {number} code */
  async shutdown(code) {
    if (this.closing) return;
    this.closing = true;
    // Nobody will answer our `print` requests any more.
    for (const resolve of this.pendingClientRequests.values()) resolve({});
    this.pendingClientRequests.clear();
    const deadline = new Promise((resolve) => setTimeout(resolve, 10_000).unref());
    await Promise.race([
      (async () => {
        await this.queue.catch(() => undefined);
        if (this.enginePromise) await (await adapters()).disposeAllAdapters();
      })(),
      deadline,
    ]);
    process.exit(code);
  }
}

// ---------------------------------------------------------------------------------------------

/** @type {Server | undefined} the JSON-RPC server, once started */
let server;

/** Keep stderr pure JSON lines (the CLI parses each one) and never die silently. */
function installProcessHandlers() {
  process.emitWarning = (warning) => {
    log('WARN', { message: String(/** @type {any} */ (warning)?.message ?? warning) });
  };
  process.on('unhandledRejection', (reason) => {
    if (server && reason instanceof WebAssembly.RuntimeError) {
      server.onPanic(reason);
      return;
    }
    log('WARN', { message: `Unhandled rejection: ${String(/** @type {any} */ (reason)?.stack ?? reason)}` });
  });
  process.on('uncaughtException', (error) => {
    // In server mode, answer the request in flight (see Server.onPanic).
    if (server) {
      server.onPanic(error);
      return;
    }
    // Like a native panic: exit code 101 and an ERROR line with is_panic.
    const panic = toWasmPanic(error);
    log(
      'ERROR',
      { is_panic: true, message: panic.message, backtrace: panic.backtrace },
      'schema_engine::logger',
    );
    process.exit(101);
  });
  // The CLI went away: nothing left to answer.
  process.stdout.on('error', () => process.exit(0));
}

async function main() {
  installProcessHandlers();
  const args = parseArgs(process.argv.slice(2));
  if (args.version) {
    process.stdout.write(`schema-engine-cli ${GIT_HASH}\n`);
    return 0;
  }
  if (args.help) {
    process.stdout.write(usage());
    return 0;
  }
  let datasource;
  try {
    datasource = parseDatasource(args.datasource);
  } catch (error) {
    log(
      'ERROR',
      { is_panic: false, error_code: '', message: `Invalid --datasource JSON: ${String(error)}` },
      'schema_engine::logger',
    );
    return 1;
  }
  const [first, command] = args.positionals;
  if (first === 'cli') return runCliCommand(command ?? '', datasource);
  if (first !== undefined) {
    process.stderr.write(`error: Found argument '${first}' which wasn't expected\n\n${usage()}`);
    return 1;
  }
  const rpc = new Server({ datamodels: args.datamodels, datasource });
  server = rpc;
  process.on('SIGTERM', () => void rpc.shutdown(0));
  process.on('SIGINT', () => void rpc.shutdown(0));
  rpc.start();
  return undefined; // keep running until stdin closes
}

main().then(
  (code) => {
    if (code !== undefined) {
      // Let stdout/stderr drain, then exit even if a driver keeps a handle open.
      process.exitCode = code;
      setTimeout(() => process.exit(code), 50).unref();
    }
  },
  (error) => {
    log(
      'ERROR',
      { is_panic: true, message: String(/** @type {any} */ (error)?.stack ?? error) },
      'schema_engine::logger',
    );
    process.exit(101);
  },
);
