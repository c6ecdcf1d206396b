// Nothing ran means nothing recorded (issue 17): every way a write stops before the database
// changed leaves the ledger, git and the rows as they were, and says why with the fix. What
// the real prisma, PostgreSQL and git do in the same cases is tested in test/faults.
import { describe, expect, it } from 'vitest';
import {
  AS_IS,
  events,
  fakeProject,
  leaveIntent,
  rowStates,
  snapshot,
  startWithSql,
  type FakeProject,
} from '../support/fakes/index.js';

const INDEX = 'CREATE INDEX "Post_authorId_idx" ON "Post"("authorId");\n';
const DOWN = 'DROP INDEX "Post_authorId_idx";\n';

async function started(fx: FakeProject, sql = INDEX): Promise<string> {
  return startWithSql(fx, 'x', sql, DOWN, AS_IS);
}

/** Runs a deploy that must change nothing; returns its result after checking that. */
async function refused(fx: FakeProject, argv: string[], env?: Record<string, string>) {
  const before = await snapshot(fx);
  const rows = JSON.stringify(fx.staging.rows);
  const head = await fx.git.head();
  const r = await fx.run([...argv, '--json'], env);
  expect(await snapshot(fx)).toEqual(before);
  expect(await fx.git.head()).toBe(head);
  expect(JSON.stringify(fx.staging.rows)).toBe(rows);
  return r;
}

const DEPLOY = ['deploy', 'x', '--env', 'staging'];

describe('what prisma loads first, checked before an intent', () => {
  it('package.json with merge conflict markers: PACKAGE_JSON_INVALID names the line', async () => {
    const fx = fakeProject();
    await started(fx);
    fx.write(
      'package.json',
      '{\n<<<<<<< HEAD\n  "name": "app"\n=======\n  "name": "app2"\n>>>>>>> main\n}\n',
    );
    fx.git.commitAll('a merge left markers');
    const r = await refused(fx, DEPLOY);
    expect(r.exitCode).toBe(2);
    expect(r.json.error.code).toBe('PACKAGE_JSON_INVALID');
    expect(r.json.error.message).toContain('merge conflict markers from line 2');
    expect(r.json.error.message).toContain('nothing was recorded');
    expect(fx.prisma.calls).not.toContain('deploy');
  });

  it("prisma.config's env() variable unset: PRISMA_CONFIG_ENV_UNSET names it; set (or in .env with dotenv) it goes on", async () => {
    const fx = fakeProject();
    const m = await started(fx);
    fx.write(
      'prisma.config.ts',
      "import { defineConfig, env } from 'prisma/config';\n// env('COMMENTED_OUT') is not read\nexport default defineConfig({ datasource: { url: env('DATABASE_URL'), shadowDatabaseUrl: env('SHADOW_DATABASE_URL') } });\n",
    );
    fx.git.commitAll('config reads a shadow URL');
    const r = await refused(fx, DEPLOY);
    expect(r.exitCode).toBe(2);
    expect(r.json.error.code).toBe('PRISMA_CONFIG_ENV_UNSET');
    expect(r.json.error.message).toContain('$SHADOW_DATABASE_URL');
    expect(r.json.error.message).not.toContain('COMMENTED_OUT');
    expect(r.json.error.hint).toContain('Export SHADOW_DATABASE_URL');

    const set = await fx.run(DEPLOY, { SHADOW_DATABASE_URL: 'postgresql://app@dev.internal:5432/shadow' });
    expect(set.exitCode, set.stderr).toBe(0);
    expect(rowStates(fx.staging, m)).toEqual(['applied']);
  });

  it('a config that loads dotenv gets its variables from .env', async () => {
    const fx = fakeProject();
    await started(fx);
    fx.write(
      'prisma.config.ts',
      "import 'dotenv/config';\nimport { defineConfig, env } from 'prisma/config';\nexport default defineConfig({ datasource: { url: env('DATABASE_URL'), shadowDatabaseUrl: env('SHADOW_DATABASE_URL') } });\n",
    );
    fx.write('.env', 'SHADOW_DATABASE_URL="postgresql://app@dev.internal:5432/shadow"\n');
    fx.git.commitAll('config with dotenv');
    const r = await fx.run(DEPLOY);
    expect(r.exitCode, r.stderr).toBe(0);
  });
});

describe('prisma failed before it wrote a row: the table decides, and nothing is recorded', () => {
  const cases = [
    {
      code: 'PRISMA_CONFIG_ERROR',
      exit: 2,
      message:
        'Failed to load config file "prisma.config.ts" as a TypeScript/JavaScript module. Error: PrismaConfigEnvError: Cannot resolve environment variable: SHADOW_DATABASE_URL.',
    },
    {
      code: 'PACKAGE_JSON_INVALID',
      exit: 2,
      message: 'Error: Unexpected token < in JSON at position 2 while parsing package.json',
    },
    {
      code: 'DB_READ_ONLY',
      exit: 2,
      message:
        'Error: P3018\nDatabase error code: 25006\nERROR: cannot execute INSERT in a read-only transaction',
    },
    { code: 'PRISMA_FAILED', exit: 1, message: 'Error: P1012 schema validation error' },
    {
      code: 'DB_CONNECTION_LOST',
      exit: 4,
      message:
        'Loaded Prisma config from prisma.config.ts.\nError: FATAL: terminating connection due to administrator command\n   0: schema_engine_wasm::wasm::engine::ApplyMigrations',
    },
  ];
  it.each(cases)('$code (exit $exit), ledger and git as they were', async ({ code, exit, message }) => {
    const fx = fakeProject();
    const m = await started(fx);
    const ledger = events(fx, 'x');
    fx.prisma.failNext = { kind: 'error', code: message.match(/P\d{4}/)?.[0], message };
    const r = await refused(fx, DEPLOY);
    expect(r.json.error.code, r.stdout).toBe(code);
    expect(r.exitCode).toBe(exit);
    expect(r.json.error.message).toMatch(/before (it|prisma) wrote to _prisma_migrations \(checked\)/);
    expect(r.json.error.message).toContain('nothing was recorded');
    expect(r.json.error.message).not.toContain('hotfix rollback');
    expect(events(fx, 'x')).toEqual(ledger);
    expect(rowStates(fx.staging, m)).toEqual([]);
    // status says nothing happened on staging.
    const status = await fx.run(['status', 'x', '--json']);
    expect(status.json.hotfixes[0].envs).toEqual([]);
  });

  it('prisma wrote a failed row: that is a failure, recorded, with the way back', async () => {
    const fx = fakeProject();
    const m = await started(fx);
    fx.staging.failOn = { migration: m, databaseCode: '42P01', message: 'relation "Post" does not exist' };
    const r = await fx.run([...DEPLOY, '--json']);
    expect(r.exitCode).toBe(1);
    expect(events(fx, 'x').slice(-2)).toEqual(['intent:pending', 'deployed:failed']);
    expect(rowStates(fx.staging, m)).toEqual(['failed']);
  });
});

describe('the role cannot write: DB_READ_ONLY before an intent', () => {
  it('read-only role (default_transaction_read_only): exit 2, prisma never runs', async () => {
    const fx = fakeProject();
    await started(fx);
    fx.staging.readOnly = 'default_transaction_read_only is on for this role';
    const r = await refused(fx, DEPLOY);
    expect(r.exitCode).toBe(2);
    expect(r.json.error.code).toBe('DB_READ_ONLY');
    expect(r.json.error.message).toContain('STAGING_DATABASE_URL');
    expect(r.json.error.message).toContain('default_transaction_read_only');
    expect(fx.prisma.calls).not.toContain('deploy');
  });
});

describe('statement_timeout is not a lock: STATEMENT_TIMEOUT names the setting and its source', () => {
  async function timedOut(sql: string, message: string) {
    const fx = fakeProject();
    const m = await started(fx, sql);
    fx.staging.timeouts = [
      { name: 'statement_timeout', value: '1s', source: 'role' },
      { name: 'lock_timeout', value: '0', source: 'default' },
    ];
    fx.staging.failOn = { migration: m, databaseCode: '57014', message };
    const r = await fx.run([...DEPLOY, '--json']);
    return { fx, m, r };
  }

  it('a role-level 1s statement_timeout: findings (exit 1), no retry advice, row settled', async () => {
    const { fx, m, r } = await timedOut(INDEX, 'canceling statement due to statement timeout');
    expect(r.exitCode, r.stdout).toBe(1);
    expect(r.json.error.code).toBe('STATEMENT_TIMEOUT');
    expect(r.json.error.message).toContain('1s, set by');
    expect(r.json.error.message).toContain('No other session was in the way');
    expect(r.json.error.message).not.toMatch(/held a lock|another session/i);
    expect(r.json.error.hint).toContain("SET statement_timeout = '<enough>'");
    expect(r.json.error.hint).toContain('hotfix rehash x');
    expect(r.json.error.hint).not.toContain('--retry');
    expect(r.json.error.details).toEqual({ setting: 'statement_timeout=1s (role)', databaseCode: '57014' });
    expect(rowStates(fx.staging, m)).toEqual(['rolled-back']);
    expect(fx.ledger('x').events.at(-1)).toMatchObject({
      type: 'deployed',
      outcome: 'skipped',
      details: { code: 'STATEMENT_TIMEOUT', setting: 'statement_timeout=1s (role)' },
    });
  });

  it("the migration's own SET: the hint says to raise it there", async () => {
    const { r } = await timedOut(
      `SET statement_timeout = '200ms';\n${INDEX}`,
      'canceling statement due to statement timeout',
    );
    expect(r.json.error.code).toBe('STATEMENT_TIMEOUT');
    expect(r.json.error.message).toContain('200ms, set by its migration.sql');
    expect(r.json.error.hint).toContain('Raise the SET statement_timeout in its migration.sql');
  });

  it('cancelled by another session (user request): STATEMENT_CANCELLED, exit 4', async () => {
    const { r } = await timedOut(INDEX, 'canceling statement due to user request');
    expect(r.exitCode).toBe(4);
    expect(r.json.error.code).toBe('STATEMENT_CANCELLED');
  });
});

describe('--wait-for-locks: sessions in the way are named, and waited for when asked', () => {
  const blocker = {
    pid: 4242,
    application: 'psql',
    ageSeconds: 310,
    state: 'idle in transaction',
    query: 'UPDATE "Post" SET "title" = ? WHERE "id" = ?',
    locks: [{ table: 'Post', mode: 'RowExclusiveLock' }],
  };

  it('without it: the blocker is named on progress, and the deploy goes on', async () => {
    const fx = fakeProject();
    const m = await started(fx);
    fx.staging.blockers = [blocker];
    const r = await fx.run(DEPLOY);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toContain('pid 4242 (psql), transaction open 310 s, idle in transaction');
    expect(r.stderr).toContain('UPDATE "Post" SET "title" = ? WHERE "id" = ?');
    expect(r.stderr).toContain('--wait-for-locks');
    expect(rowStates(fx.staging, m)).toEqual(['applied']);
  });

  it('with it: waits until they are gone, then deploys', async () => {
    const fx = fakeProject();
    const m = await started(fx);
    fx.staging.blockers = [blocker];
    fx.onSleep = () => {
      if (fx.slept.length === 3) fx.staging.blockers = [];
    };
    const r = await fx.run([...DEPLOY, '--wait-for-locks', '30']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(fx.slept).toEqual([1000, 1000, 1000]);
    expect(r.stderr).toContain('are gone: going on');
    expect(rowStates(fx.staging, m)).toEqual(['applied']);
  });

  it('still there after the wait: LOCKS_HELD (exit 4), nothing ran, nothing recorded', async () => {
    const fx = fakeProject();
    await started(fx);
    fx.staging.blockers = [blocker];
    const r = await refused(fx, [...DEPLOY, '--wait-for-locks', '5']);
    expect(r.exitCode).toBe(4);
    expect(r.json.error.code).toBe('LOCKS_HELD');
    expect(r.json.error.message).toContain('pid 4242');
    expect(fx.slept).toHaveLength(5);
    expect(fx.prisma.calls).not.toContain('deploy');
  });

  it('a bad value is a usage error', async () => {
    const fx = fakeProject();
    await started(fx);
    const r = await fx.run([...DEPLOY, '--wait-for-locks', 'soon']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/wait-for-locks/);
  });
});

describe('leftovers of a command killed mid-write are cleared by the next one', () => {
  it("a ledger's temp file: removed and said so; start is not refused on it", async () => {
    const fx = fakeProject();
    await started(fx);
    fx.write('.hotfix/.x.json.999999.1765100000000.tmp', '{"half": ');
    const r = await fx.run(DEPLOY);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toContain('Removed .hotfix/.x.json.999999.1765100000000.tmp');
    expect(fx.read('.hotfix/.x.json.999999.1765100000000.tmp')).toBeUndefined();
    expect(await fx.git.dirtyPaths()).toEqual([]);

    await fx.git.checkout('main');
    fx.write('.hotfix/.y.json.999998.1765100000000.tmp', '{');
    fx.files.put(
      '/incident/y.sql',
      INDEX.replace('Post_authorId_idx', 'Post_title_idx').replace('authorId', 'title'),
    );
    const start = await fx.run(['start', 'y', '--sql', '/incident/y.sql', '--no-schema-check']);
    expect(start.exitCode, start.stderr).toBe(0);
    expect(start.stderr).toContain('Removed .hotfix/.y.json.999998.1765100000000.tmp');
  });

  it('a dry run takes no lock and removes nothing', async () => {
    const fx = fakeProject();
    await started(fx);
    fx.write('.hotfix/.x.json.999999.1765100000000.tmp', '{');
    const r = await fx.run([...DEPLOY, '--dry-run']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(fx.read('.hotfix/.x.json.999999.1765100000000.tmp')).toBe('{');
  });
});

describe('migration.sql edited between environments: MIGRATION_EDITED before anything runs', () => {
  const OTHER = 'CREATE INDEX "Post_title_idx" ON "Post"("title");\n';

  it('edited after start, applied nowhere: refused with rehash as the way on; after rehash it deploys', async () => {
    const fx = fakeProject();
    const m = await started(fx);
    fx.write(`prisma/migrations/${m}/migration.sql`, OTHER);
    fx.git.commitAll('edited');
    const r = await refused(fx, DEPLOY);
    expect(r.exitCode).toBe(2);
    expect(r.json.error.code).toBe('MIGRATION_EDITED');
    expect(r.json.error.message).toContain('changed after the ledger recorded it');
    expect(r.json.error.hint).toContain('hotfix rehash x --reason');
    expect((await fx.run(['rehash', 'x', '--reason', 'the title index instead'])).exitCode).toBe(0);
    const again = await fx.run(DEPLOY);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(rowStates(fx.staging, m)).toEqual(['applied']);
  });

  it('edited after staging ran it: production refused, naming staging', async () => {
    const fx = fakeProject();
    const m = await started(fx);
    expect((await fx.run(DEPLOY)).exitCode).toBe(0);
    fx.write(`prisma/migrations/${m}/migration.sql`, OTHER);
    fx.git.commitAll('edited after staging');
    const before = JSON.stringify(fx.prod.rows);
    const r = await fx.run(['deploy', 'x', '--env', 'production', '--yes', '--json']);
    expect(r.exitCode).toBe(2);
    expect(r.json.error.code).toBe('MIGRATION_EDITED');
    expect(r.json.error.message).toContain('staging ran the earlier version');
    expect(r.json.error.hint).toContain('hotfix rollback x --env staging --here');
    expect(JSON.stringify(fx.prod.rows)).toBe(before);
    expect(events(fx, 'x').at(-1)).toBe('deployed:ok');
  });

  it('started from the template (no pinned checksum): what staging ran is the pin', async () => {
    const fx = fakeProject();
    await fx.git.checkout('main');
    const s = await fx.run(['start', 'x', '--json', '--no-schema-check']);
    expect(s.exitCode, s.stderr).toBe(0);
    const m = s.json.migration.name as string;
    fx.write(`prisma/migrations/${m}/migration.sql`, INDEX);
    fx.write(`prisma/migrations/${m}/down.sql`, DOWN);
    fx.git.commitAll('filled in');
    const staged = await fx.run(DEPLOY);
    expect(staged.exitCode, staged.stderr).toBe(0);
    expect(fx.ledger('x').events.at(-1)?.details?.checksums).toEqual({
      [m]: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    fx.write(`prisma/migrations/${m}/migration.sql`, OTHER);
    fx.git.commitAll('edited after staging');
    const r = await fx.run(['deploy', 'x', '--env', 'production', '--yes', '--json']);
    expect(r.json.error.code).toBe('MIGRATION_EDITED');
    expect(r.json.error.message).toContain('changed after it was applied elsewhere');
  });
});

describe('a deploy interrupted (SIGINT/SIGTERM) mid-migration settles like a lost connection', () => {
  async function interrupted() {
    const fx = fakeProject();
    const m = await started(fx);
    // What the interrupt left: the intent, and prisma's unfinished row (its session was ended).
    fx.staging.row(m, INDEX, 'failed');
    leaveIntent(fx, 'x', {
      command: 'deploy',
      migration: m,
      env: 'staging',
      details: { action: 'deploy', migrations: [m] },
    });
    return { fx, m };
  }

  it('the next deploy marks the row rolled back (nothing of it in the catalog) and deploys', async () => {
    const { fx, m } = await interrupted();
    const r = await fx.run(DEPLOY);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(
      'unfinished and nothing of it applied (checked in the catalog): its row is marked rolled back',
    );
    expect(events(fx, 'x').slice(-5)).toEqual([
      'deployed:skipped',
      'intent:pending',
      'rolled-back:ok',
      'intent:pending',
      'deployed:ok',
    ]);
    expect(rowStates(fx.staging, m)).toEqual(['rolled-back', 'applied']);
    expect(await fx.git.dirtyPaths()).toEqual([]);
  });

  it('part of it is in the catalog: not settled by itself, recorded as failed as before', async () => {
    const { fx, m } = await interrupted();
    // Its index is there after all, as the catalog prints it.
    fx.staging.setFact(
      { kind: 'index', schema: 'public', table: 'Post', name: 'Post_authorId_idx' },
      {
        exists: true,
        valid: true,
        def: 'CREATE INDEX "Post_authorId_idx" ON public."Post" USING btree ("authorId")',
      },
    );
    const r = await fx.run(DEPLOY);
    expect(r.exitCode).not.toBe(0);
    expect(events(fx, 'x')).toContain('deployed:failed');
    expect(rowStates(fx.staging, m)).toEqual(['failed']);
  });
});

describe('the checksums a deploy ran survive an interrupted run', () => {
  it('a deploy settled from its intent keeps the pinned checksums: a later edit is still caught', async () => {
    const fx = fakeProject();
    await fx.git.checkout('main');
    const s = await fx.run(['start', 'x', '--json', '--no-schema-check']);
    const m = s.json.migration.name as string;
    fx.write(`prisma/migrations/${m}/migration.sql`, INDEX);
    fx.write(`prisma/migrations/${m}/down.sql`, DOWN);
    fx.git.commitAll('filled in');
    // The deploy ran, and was killed before its outcome: the intent (with its checksums) is left.
    const sha = (await import('../../src/core/checksum.js')).sha256Hex(INDEX);
    fx.staging.row(m, INDEX);
    leaveIntent(fx, 'x', {
      command: 'deploy',
      migration: m,
      env: 'staging',
      details: { action: 'deploy', migrations: [m], checksums: { [m]: sha } },
    });
    const settled = await fx.run(DEPLOY);
    expect(settled.exitCode, settled.stderr).toBe(0);
    expect(fx.ledger('x').events.findLast((e) => e.type === 'deployed')?.details?.checksums).toEqual({
      [m]: sha,
    });
    fx.write(`prisma/migrations/${m}/migration.sql`, INDEX.replaceAll('authorId', 'title'));
    fx.git.commitAll('edited after staging');
    const r = await fx.run(['deploy', 'x', '--env', 'production', '--yes', '--json']);
    expect(r.json.error.code).toBe('MIGRATION_EDITED');
    expect(r.json.error.message).toContain('staging ran the earlier version');
  });
});

describe('a data change whose row stayed unfinished is decided by verify.sql', () => {
  const SQL = 'DELETE FROM "Post" WHERE "authorId" = 7;\nCOMMIT;\nUPDATE "Post" SET "nope" = 1;\n';
  async function failedAfterCommit(rowsLeft: number) {
    const fx = fakeProject();
    const m = await startWithSql(fx, 'x', SQL, 'SELECT 1;\n', AS_IS);
    fx.write(`prisma/migrations/${m}/verify.sql`, 'SELECT * FROM "Post" WHERE "authorId" = 7;\n');
    fx.git.commitAll('verify.sql');
    expect((await fx.run(['rehash', 'x', '--reason', 'verify.sql written'])).exitCode).toBe(0);
    if (rowsLeft > 0)
      fx.staging.verify.set('SELECT * FROM "Post" WHERE "authorId" = 7', {
        total: rowsLeft,
        keyColumns: ['id'],
        keys: ['3'],
      });
    fx.staging.failOn = { migration: m, databaseCode: '42703', message: 'column "nope" does not exist' };
    const r = await fx.run([...DEPLOY, '--json']);
    return { fx, r };
  }

  it('verify.sql holds: the change is in, said so, with how to settle the row', async () => {
    const { fx, r } = await failedAfterCommit(0);
    expect(r.exitCode).toBe(1);
    expect(r.json.error.message).toContain('verify.sql holds now (read just after the failure)');
    expect(r.json.error.message).toContain('do not run it again');
    expect(fx.ledger('x').events.at(-1)).toMatchObject({
      type: 'deployed',
      outcome: 'failed',
      details: { verifySql: 'holds' },
    });
  });

  it('verify.sql finds rows: the change is not (wholly) in', async () => {
    const { fx, r } = await failedAfterCommit(3);
    expect(r.json.error.message).toContain('verify.sql finds 3 row(s) still to change');
    expect(fx.ledger('x').events.at(-1)?.details?.verifySql).toBe('fails');
  });
});

describe("another environment's database decides what ran there", () => {
  it('production ran other SQL under the name (its checksum says so): staging is refused', async () => {
    const fx = fakeProject();
    const m = await started(fx);
    // Applied on production with different SQL, and never recorded in the ledger.
    fx.prod.row(m, 'CREATE INDEX "Post_title_idx" ON "Post"("title");\n');
    const r = await refused(fx, DEPLOY);
    expect(r.exitCode).toBe(2);
    expect(r.json.error.code).toBe('MIGRATION_EDITED');
    expect(r.json.error.details.ranElsewhere).toEqual(['production']);
  });

  it('production ran this very file: staging goes on', async () => {
    const fx = fakeProject();
    const m = await started(fx);
    fx.prod.row(m, fx.read(`prisma/migrations/${m}/migration.sql`)!);
    const r = await fx.run(DEPLOY);
    expect(r.exitCode, r.stderr).toBe(0);
  });

  it("production's URL not set: the ledger's record is used", async () => {
    const fx = fakeProject();
    const m = await started(fx);
    fx.prod.row(m, 'CREATE INDEX "Post_title_idx" ON "Post"("title");\n');
    const r = await fx.run(DEPLOY, { PRODUCTION_DATABASE_URL: undefined });
    expect(r.exitCode, r.stderr).toBe(0);
  });
});
