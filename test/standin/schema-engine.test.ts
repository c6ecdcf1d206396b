// The stand-in executable on its own: the argv and wire protocol the Prisma 7 CLI uses
// (read from prisma/build/cli.js): `--version`, one-shot `cli` commands, JSON-RPC over stdio.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { pathToFileURL } from 'node:url';

import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { createPgDatabase, pgDatabasesLike, withDatabaseName, type PgDatabase } from '../support/db.js';
import { SCHEMA_ENGINE_STAND_IN } from '../support/prisma-project.js';

interface LogLine {
  level: string;
  fields: { message: string; error_code?: string; is_panic?: boolean };
  target: string;
}

/** Runs the stand-in once, as the CLI does for `--version` and the `cli` subcommands. */
async function runStandIn(args: string[], cwd = os.tmpdir()) {
  const result = await execa(process.execPath, [SCHEMA_ENGINE_STAND_IN, ...args], { cwd, reject: false });
  // Like the CLI: skip the first stderr line, parse every other one as JSON.
  const logs = result.stderr
    .split(/\r?\n/)
    .slice(1)
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as LogLine);
  return { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr, logs };
}

const errorOf = (logs: LogLine[]) =>
  logs.find((l) => l.level === 'ERROR' && l.target === 'schema_engine::logger');

interface RpcMessage {
  jsonrpc: '2.0';
  id: number;
  method?: string;
  params?: Record<string, unknown>;
  result?: unknown;
  error?: {
    code: number;
    message: string;
    data?: { message: string; error_code?: string; is_panic: boolean };
  };
}

/** A JSON-RPC session with the stand-in in server mode. */
function rpcSession(args: string[], cwd: string) {
  const child = spawn(process.execPath, [SCHEMA_ENGINE_STAND_IN, ...args], {
    cwd,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const stderr: string[] = [];
  readline.createInterface({ input: child.stderr }).on('line', (l) => stderr.push(l));
  const waiting = new Map<number, (m: RpcMessage) => void>();
  const printed: string[] = [];
  let nextId = 1;
  const write = (m: unknown) => child.stdin.write(JSON.stringify(m) + '\n');
  readline.createInterface({ input: child.stdout }).on('line', (line) => {
    const message = JSON.parse(line) as RpcMessage;
    if (message.method === 'print') {
      // What the CLI does: print the content, reply with an empty result.
      printed.push(String(message.params?.content));
      write({ jsonrpc: '2.0', id: message.id, result: {} });
      return;
    }
    waiting.get(message.id)?.(message);
    waiting.delete(message.id);
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    printed,
    stderr,
    request(method: string, params?: Record<string, unknown>): Promise<RpcMessage> {
      const id = nextId++;
      return new Promise((resolve) => {
        waiting.set(id, resolve);
        write({ jsonrpc: '2.0', id, method, params });
      });
    },
    /** Closes stdin (what the CLI's `stop()` does) and resolves with the exit code. */
    close(): Promise<number | null> {
      child.stdin.end();
      return exited;
    },
  };
}

const FILTERS = { externalTables: [], externalEnums: [] };

describe('schema-engine stand-in', () => {
  let db: PgDatabase;
  let tmp: string;

  beforeAll(async () => {
    db = await createPgDatabase('standin_engine');
    tmp = await mkdtemp(path.join(os.tmpdir(), 'prisma-hotfix-standin-'));
  });
  afterAll(async () => {
    await db?.drop();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  test('--version prints `schema-engine-cli <engines hash>`', async () => {
    const r = await runStandIn(['--version']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^schema-engine-cli [0-9a-f]{40}$/);
  });

  test('cli can-connect-to-database: success, P1003 (missing database), P1001 (unreachable)', async () => {
    const missing = withDatabaseName(db.url, `${db.name}_missing`);
    const [ok, noDb, down] = await Promise.all([
      runStandIn(['--datasource', JSON.stringify({ url: db.url }), 'cli', 'can-connect-to-database']),
      runStandIn(['--datasource', JSON.stringify({ url: missing }), 'cli', 'can-connect-to-database']),
      runStandIn([
        '--datasource',
        JSON.stringify({ url: 'postgresql://postgres@127.0.0.1:1/x' }),
        'cli',
        'can-connect-to-database',
      ]),
    ]);
    expect(ok.exitCode).toBe(0);
    expect(errorOf(ok.logs)).toBeUndefined();

    expect(noDb.exitCode).toBe(1);
    expect(errorOf(noDb.logs)?.fields).toMatchObject({
      error_code: 'P1003',
      message: expect.stringContaining(`Database \`${db.name}_missing\` does not exist`) as unknown,
    });

    expect(down.exitCode).toBe(1);
    expect(errorOf(down.logs)?.fields.error_code).toBe('P1001');
    expect(errorOf(down.logs)?.fields.message).toContain("Can't reach database server at `127.0.0.1`:`1`");
  });

  test('cli create-database / drop-database on PostgreSQL', async () => {
    const name = `${db.name}_created`;
    const ds = JSON.stringify({ url: withDatabaseName(db.url, name) });
    const created = await runStandIn(['--datasource', ds, 'cli', 'create-database']);
    expect(created.exitCode).toBe(0);
    expect(await pgDatabasesLike(name)).toEqual([name]);
    const again = await runStandIn(['--datasource', ds, 'cli', 'create-database']);
    expect(errorOf(again.logs)?.fields.error_code).toBe('P1009');
    const dropped = await runStandIn(['--datasource', ds, 'cli', 'drop-database']);
    expect(dropped.exitCode).toBe(0);
    expect(await pgDatabasesLike(name)).toEqual([]);
  });

  test('cli commands on SQLite: relative `file:` URLs resolve against the working directory', async () => {
    // The CLI runs the engine in the config file's directory; Prisma 6 passes the bare URL.
    const file = path.join(tmp, 'sub', 'dev.db');
    const missing = await runStandIn(
      ['cli', '--datasource', 'file:./sub/dev.db', 'can-connect-to-database'],
      tmp,
    );
    expect(missing.exitCode).toBe(1);
    expect(errorOf(missing.logs)?.fields.error_code).toBe('P1003');

    const created = await runStandIn(
      ['--datasource', '{"url":"file:./sub/dev.db"}', 'cli', 'create-database'],
      tmp,
    );
    expect(created.exitCode).toBe(0);
    expect(existsSync(file)).toBe(true);
    const ok = await runStandIn(
      ['--datasource', '{"url":"file:./sub/dev.db"}', 'cli', 'can-connect-to-database'],
      tmp,
    );
    expect(ok.exitCode).toBe(0);
    await runStandIn(['--datasource', `{"url":"file:${file}"}`, 'cli', 'drop-database']);
    expect(existsSync(file)).toBe(false);
  });

  test('JSON-RPC: version, diff through `print`, unknown methods, exit when stdin closes', async () => {
    const schemaPath = path.join(tmp, 'schema.prisma');
    const schema = 'datasource db {\n  provider = "postgresql"\n}\n\nmodel A {\n  id Int @id\n}\n';
    await writeFile(schemaPath, schema);
    const session = rpcSession(
      ['--datamodels', schemaPath, '--datasource', JSON.stringify({ url: db.url })],
      tmp,
    );

    // The CLI sends `getDatabaseVersion`; the Wasm engine calls it `version`.
    const version = await session.request('getDatabaseVersion');
    expect(version.result).toMatch(/^PostgreSQL 1\d/);

    const diff = await session.request('diff', {
      from: { tag: 'empty' },
      to: { tag: 'schemaDatamodel', files: [{ path: schemaPath, content: schema }] },
      script: true,
      exitCode: true,
      filters: FILTERS,
    });
    // The SQL goes to the CLI as a `print` request; the reply only carries the exit code.
    expect(diff.result).toEqual({ exitCode: 2 });
    expect(session.printed.join('\n')).toContain('CREATE TABLE "A"');

    const unknown = await session.request('noSuchMethod');
    expect(unknown.error?.code).toBe(-32601);

    expect(await session.close()).toBe(0);
    const logs = session.stderr.map((l) => JSON.parse(l) as LogLine);
    expect(logs[0]?.fields.message).toBe('Starting schema engine RPC server');
  });

  test('JSON-RPC errors carry the user-facing code (P1001 on an unreachable server)', async () => {
    const schemaPath = path.join(tmp, 'schema.prisma');
    const session = rpcSession(
      [
        '--datamodels',
        schemaPath,
        '--datasource',
        JSON.stringify({ url: 'postgresql://postgres@127.0.0.1:1/x' }),
      ],
      tmp,
    );
    const reply = await session.request('diagnoseMigrationHistory', {
      migrationsList: {
        baseDir: tmp,
        lockfile: { path: 'migration_lock.toml', content: null },
        migrationDirectories: [],
        shadowDbInitScript: '',
      },
      optInToShadowDatabase: false,
      filters: FILTERS,
    });
    expect(reply.error?.data?.error_code).toBe('P1001');
    expect(reply.error?.data?.is_panic).toBe(false);
    expect(await session.close()).toBe(0);
  });
});

describe('stand-in helpers', () => {
  const load = async <T>(file: string): Promise<T> =>
    (await import(pathToFileURL(path.join(path.dirname(SCHEMA_ENGINE_STAND_IN), file)).href)) as T;

  test('isMultiStatement ignores `;` in strings, identifiers and comments', async () => {
    const { isMultiStatement } = await load<{ isMultiStatement: (sql: string) => boolean }>('adapters.mjs');
    expect(isMultiStatement('SELECT 1')).toBe(false);
    expect(isMultiStatement('SELECT 1;')).toBe(false);
    expect(isMultiStatement('SELECT 1; -- done\n')).toBe(false);
    expect(isMultiStatement("SELECT ';'; ")).toBe(false);
    expect(isMultiStatement('SELECT "a;b" FROM t /* ; */')).toBe(false);
    expect(isMultiStatement('CREATE TABLE a (id int);\nCREATE TABLE b (id int);')).toBe(true);
    expect(isMultiStatement("INSERT INTO t VALUES ('it''s;'); SELECT 2")).toBe(true);
  });

  test('URL handling: SQLite paths and PostgreSQL config objects', async () => {
    const { sqliteFilePath, pgTarget } = await load<{
      sqliteFilePath: (url: string, baseDir?: string) => string;
      pgTarget: (url: string) => { config: Record<string, unknown>; schema: string };
    }>('datasource.mjs');
    expect(sqliteFilePath('file:./dev.db', '/base')).toBe('/base/dev.db');
    expect(sqliteFilePath('file:dev.db?connection_limit=1', '/base')).toBe('/base/dev.db');
    expect(sqliteFilePath('file:/abs/dev.db', '/base')).toBe('/abs/dev.db');
    const t = pgTarget('postgresql://me:p%40ss@db.example:6543/app?schema=tenant&sslmode=require');
    expect(t.config).toMatchObject({
      host: 'db.example',
      port: 6543,
      user: 'me',
      password: 'p@ss',
      database: 'app',
      allowExitOnIdle: true,
      ssl: { rejectUnauthorized: false },
    });
    expect(t.config).not.toHaveProperty('connectionString');
    expect(t.schema).toBe('tenant');
  });
});
