// Panics of the Wasm schema engine behind the stand-in, and their cause in issue 23. The Wasm
// engine reports a panic through `global.PRISMA_WASM_PANIC_REGISTRY.set_message(...)`; without
// that registry the user saw "TypeError: Cannot read properties of undefined (reading
// 'set_message')", and as the panic happened inside a promise callback the stand-in exited
// mid-request, after which `prisma migrate diff --exit-code` ended with exit code 0 and no
// output in about half the runs. The panic itself: adapter-pg has no column type for
// PostgreSQL's `"char"`, the stand-in reported it as text, and the engine reads
// `pg_constraint.contype` as a char, so any CHECK or EXCLUDE constraint broke `migrate diff`.
// Real Prisma 7.10 CLI, real PostgreSQL; SCHEMA_ENGINE_STANDIN_PG_CHAR_AS_TEXT=1 brings the old
// column type back to get a real panic on demand.
import { spawn } from 'node:child_process';
import readline from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';

import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { createPgDatabase, pgDatabasesLike, pgQuery, type PgDatabase } from '../support/db.js';
import {
  INIT_MIGRATION,
  SCHEMA_ENGINE_STAND_IN,
  createPrismaProject,
  defaultInitMigration,
  runPrisma,
  type PrismaProject,
} from '../support/prisma-project.js';

const CONSTRAINTS_MIGRATION = '20240102000000_constraints';
const CONSTRAINTS_SQL = `ALTER TABLE "Post" ADD CONSTRAINT "Post_title_check" CHECK (length("title") > 0);

CREATE TABLE "Zone" (
    "id" SERIAL NOT NULL,
    "area" box,

    CONSTRAINT "Zone_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "Zone_area_excl" EXCLUDE USING gist ("area" WITH &&)
);
`;
const DIFF = ['migrate', 'diff', '--from-migrations', 'prisma/migrations', '--to-config-datasource'];
const CHAR_AS_TEXT = { SCHEMA_ENGINE_STANDIN_PG_CHAR_AS_TEXT: '1' };
const DESCRIBER_PANIC =
  /RuntimeError: panicked at schema-engine\/sql-schema-describer\/src\/postgres\.rs:\d+:\d+:\ncalled `Result::unwrap\(\)` on an `Err` value: "Getting constraint_type from Resultrow .* as char failed"/;
const SHADOW_PREFIX = 'prisma_migrate_shadow_db_';

/** Shadow databases that appeared since `before` and are still there after up to `waitMs`. */
async function leftoverShadowDatabases(before: string[], waitMs = 20_000): Promise<string[]> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    // Other test files may be running a command with its own shadow database right now.
    const left = (await pgDatabasesLike(SHADOW_PREFIX)).filter((name) => !before.includes(name));
    if (left.length === 0 || Date.now() > deadline) return left;
    await sleep(1_000);
  }
}

interface RpcReply {
  id: number;
  result?: unknown;
  error?: {
    code: number;
    message: string;
    data?: { message: string; is_panic: boolean; backtrace?: string };
  };
}

describe('stand-in: Wasm engine panics (PostgreSQL)', () => {
  let db: PgDatabase;
  let project: PrismaProject;

  beforeAll(async () => {
    db = await createPgDatabase('standin_panic');
    project = await createPrismaProject({
      provider: 'postgresql',
      databaseUrl: db.url,
      migrations: {
        [INIT_MIGRATION]: defaultInitMigration('postgresql'),
        [CONSTRAINTS_MIGRATION]: CONSTRAINTS_SQL,
      },
    });
    const deploy = await runPrisma(project, ['migrate', 'deploy']);
    if (deploy.exitCode !== 0) throw new Error(`migrate deploy failed:\n${deploy.all}`);
  });
  afterAll(async () => {
    await project?.cleanup();
    await db?.drop();
  });

  test('CHECK and EXCLUDE constraints: migrate diff finds no difference, then the drift', async () => {
    const constraints = await pgQuery<{ conname: string; contype: string }>(
      db.url,
      "SELECT conname, contype::text FROM pg_constraint WHERE contype IN ('c', 'x') " +
        "AND connamespace = 'public'::regnamespace ORDER BY conname",
    );
    expect(constraints).toEqual([
      { conname: 'Post_title_check', contype: 'c' },
      { conname: 'Zone_area_excl', contype: 'x' },
    ]);

    const clean = await runPrisma(project, [...DIFF, '--exit-code']);
    expect(clean.exitCode, clean.all).toBe(0);
    expect(clean.stdout).toContain('No difference detected.');

    await pgQuery(db.url, 'ALTER TABLE "Zone" ADD COLUMN "drift" INTEGER');
    try {
      const [drift, script] = await Promise.all([
        runPrisma(project, [...DIFF, '--exit-code']),
        runPrisma(project, [...DIFF, '--script']),
      ]);
      expect(drift.exitCode, drift.all).toBe(2);
      expect(drift.stdout).toContain('Added column `drift`');
      expect(script.exitCode, script.all).toBe(0);
      expect(script.stdout).toMatch(/ALTER TABLE "public"\."Zone" ADD COLUMN\s+"drift" INTEGER;/);
    } finally {
      await pgQuery(db.url, 'ALTER TABLE "Zone" DROP COLUMN "drift"');
    }
  });

  test('FORCE_PANIC_SCHEMA_ENGINE: the CLI prints the panic message of the engine', async () => {
    // The CLI then sends `debugPanic` instead of its command; the engine panics at once.
    const r = await runPrisma(project, ['migrate', 'status'], { env: { FORCE_PANIC_SCHEMA_ENGINE: '1' } });
    expect(r.exitCode, r.all).toBe(1);
    expect(r.all).toMatch(
      /Error: RuntimeError: panicked at schema-engine\/schema-engine-wasm\/src\/wasm\/engine\.rs:\d+:\d+:\nThis is the debugPanic artificial panic/,
    );
    expect(r.all).not.toContain('set_message');
  });

  test('a panic inside an engine call fails migrate diff with its message, never exit 0', async () => {
    const shadowsBefore = await pgDatabasesLike(SHADOW_PREFIX);
    // Before the fix, the outcome was a race between the stand-in's exit and the CLI: run it
    // more than once, one command at a time.
    for (const args of [
      [...DIFF, '--exit-code'],
      [...DIFF, '--exit-code'],
      [...DIFF, '--script'],
    ]) {
      const r = await runPrisma(project, args, { env: CHAR_AS_TEXT });
      expect(r.exitCode, r.all).toBe(1);
      expect(r.all).toMatch(DESCRIBER_PANIC);
      expect(r.all).not.toContain('set_message');
      expect(r.stdout).not.toContain('No difference detected.');
    }
    // The stand-in kept running after the panic, closed its pools and dropped the shadow database.
    expect(await leftoverShadowDatabases(shadowsBefore)).toEqual([]);
  });

  test('JSON-RPC: debugPanic is answered with is_panic and the panic text; later calls get the same', async () => {
    const child = spawn(
      process.execPath,
      [SCHEMA_ENGINE_STAND_IN, '--datasource', JSON.stringify({ url: db.url })],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    const stderr: string[] = [];
    readline.createInterface({ input: child.stderr }).on('line', (l) => stderr.push(l));
    const replies = new Map<number, (reply: RpcReply) => void>();
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      const reply = JSON.parse(line) as RpcReply;
      replies.get(reply.id)?.(reply);
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    let nextId = 1;
    const request = (method: string) =>
      new Promise<RpcReply>((resolve) => {
        const id = nextId++;
        replies.set(id, resolve);
        child.stdin.write(JSON.stringify({ jsonrpc: '2.0', id, method }) + '\n');
      });

    const panic = await request('debugPanic');
    expect(panic.result).toBeUndefined();
    expect(panic.error?.message).toMatch(
      /^RuntimeError: panicked at schema-engine\/schema-engine-wasm\/src\/wasm\/engine\.rs:\d+:\d+:\nThis is the debugPanic artificial panic$/,
    );
    expect(panic.error?.data).toMatchObject({ is_panic: true, message: panic.error?.message });
    expect(panic.error?.data?.backtrace).toContain('wasm://wasm/');

    // The Wasm instance is not used after a panic (the native engine would have exited).
    const after = await request('getDatabaseVersion');
    expect(after.error?.data).toMatchObject({ is_panic: true, message: panic.error?.message });

    child.stdin.end();
    expect(await exited).toBe(0);
    expect(stderr.join('\n')).not.toContain('set_message');
  });
});
