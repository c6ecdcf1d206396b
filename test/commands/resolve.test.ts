// hotfix resolve's decisions, in-process on fakes of the ports, on the scene of Prisma's
// "patching and hotfixing" guide: production patched by hand, the migration recorded there
// without running. The check against a real catalog and prisma migrate diff, and the marking
// itself, are tested end to end: test/e2e/guide-postgres.test.ts.
import { beforeAll, describe, expect, test } from 'vitest';
import { fakeProject, rowStates, snapshot, startWithSql, type FakeProject } from '../support/fakes/index.js';

const INDEX = 'Post_authorId_idx';

describe.sequential('resolve production, patched by hand (guide-postgres)', () => {
  let fx: FakeProject;
  let migration: string;

  beforeAll(async () => {
    fx = fakeProject();
    migration = await startWithSql(
      fx,
      'post-author-index',
      `CREATE INDEX "${INDEX}" ON "Post"("authorId");\n`,
      `DROP INDEX "public"."${INDEX}";\n`,
    );
    // Production patched by hand: the index is there, as the catalog prints it.
    fx.prod.setFact(
      { kind: 'index', schema: 'public', table: 'Post', name: INDEX },
      { exists: true, valid: true, def: `CREATE INDEX "${INDEX}" ON public."Post" USING btree ("authorId")` },
    );
  });

  test('protected production without a terminal needs --yes (exit 2, nothing changed)', async () => {
    const before = await snapshot(fx);
    const r = await fx.run(['resolve', 'post-author-index', '--env', 'production']);
    expect(r.exitCode, r.stderr).toBe(2);
    expect(r.stderr).toContain('--yes');
    expect(await snapshot(fx)).toEqual(before);
    expect(fx.prod.rows).toHaveLength(1);
    expect(fx.prisma.calls.filter((c) => c.startsWith('resolve'))).toEqual([]);
  });

  test('resolve again is idempotent: says so, exit 0', async () => {
    const first = await fx.run([
      'resolve',
      'post-author-index',
      '--env',
      'production',
      '--yes',
      '--reason',
      'index added by hand at 02:10',
    ]);
    expect(first.exitCode, first.stderr).toBe(0);
    expect(rowStates(fx.prod, migration)).toEqual(['applied']);
    const calls = fx.prisma.calls.length;
    const r = await fx.run(['resolve', 'post-author-index', '--env', 'production', '--yes']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain('already recorded as applied');
    expect(rowStates(fx.prod, migration)).toEqual(['applied']);
    expect(fx.prisma.calls.slice(calls)).not.toContain(`resolve --applied ${migration}`);
  });

  test('deploy --dry-run prints the SQL and touches nothing', async () => {
    const before = await snapshot(fx);
    const r = await fx.run(['deploy', 'post-author-index', '--env', 'staging', '--dry-run']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain(`CREATE INDEX CONCURRENTLY "${INDEX}"`);
    expect(rowStates(fx.staging, migration)).toEqual([]);
    expect(fx.prisma.calls).not.toContain('deploy');
    expect(await snapshot(fx)).toEqual(before);
  });
});

describe('resolve shows what it proved, statement by statement, then asks', () => {
  const setUp = async () => {
    const fx = fakeProject();
    const migration = await startWithSql(
      fx,
      'post-author-index',
      `CREATE INDEX "${INDEX}" ON "Post"("authorId");\nDELETE FROM "Post" WHERE "title" = 'spam';\n`,
    );
    fx.prod.setFact(
      { kind: 'index', schema: 'public', table: 'Post', name: INDEX },
      { exists: true, valid: true, def: `CREATE INDEX "${INDEX}" ON public."Post" USING btree ("authorId")` },
    );
    return { fx, migration };
  };

  test('the proof comes first, each statement with its verdict; the question last', async () => {
    const { fx, migration } = await setUp();
    fx.answers = [true];
    const r = await fx.run(['resolve', 'post-author-index', '--env', 'production']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(fx.asked).toHaveLength(1);
    const lines = fx.asked[0]!.split('\n');
    const at = (re: RegExp) => lines.findIndex((l) => re.test(l));
    expect(lines[0]).toBe('Proved on production just now (read-only):');
    // Statement 1 (the index, by the catalog), then the DELETE of part 2 (by verify.sql).
    const index = at(/^ {4}1\. CREATE INDEX CONCURRENTLY "Post_authorId_idx"/);
    const del = at(/^ {4}\d\. DELETE FROM "Post" WHERE "title" = 'spam'/);
    expect(lines[index + 1]).toMatch(/^ {7}proved by catalog: index "Post_authorId_idx" present/);
    expect(lines[del + 1]).toMatch(/^ {7}proved by prisma\/migrations\/.*\/verify\.sql: 1 query, no rows/);
    expect(at(/^Will run no SQL: prisma migrate resolve --applied records /)).toBe(lines.length - 2);
    expect(lines.at(-1)).toBe(
      `Mark ${migration} as applied on protected environment "production" (prod.internal:5432/app)?`,
    );
    expect(0 < index && index < del && del < lines.length - 2).toBe(true);
    expect(rowStates(fx.prod, migration)).toEqual(['applied']);
  });

  test('answered no after reading it: nothing marked (exit 2)', async () => {
    const { fx, migration } = await setUp();
    fx.answers = [false];
    const before = await snapshot(fx);
    const r = await fx.run(['resolve', 'post-author-index', '--env', 'production']);
    expect(r.exitCode, r.stderr).toBe(2);
    expect(r.stderr).toContain('Not confirmed: nothing was changed.');
    expect(fx.asked[0]).toMatch(/proved by catalog: [^\n]*\n[\s\S]*\nMark [^\n]*\?$/);
    expect(fx.prisma.calls.filter((c) => c.startsWith('resolve'))).toEqual([]);
    expect(rowStates(fx.prod, migration)).toEqual([]);
    expect(await snapshot(fx)).toEqual(before);
  });

  test('--skip-check: says nothing was proved and on whose word, then asks', async () => {
    const { fx } = await setUp();
    fx.answers = [true];
    const r = await fx.run([
      'resolve',
      'post-author-index',
      '--env',
      'production',
      '--skip-check',
      '--reason',
      'checked pg_indexes by hand',
    ]);
    expect(r.exitCode, r.stderr).toBe(0);
    const lines = fx.asked[0]!.split('\n');
    expect(lines[0]).toBe('Check SKIPPED (--skip-check): checked pg_indexes by hand');
    expect(lines[1]).toContain('Nothing was proved against the database');
    expect(lines.at(-1)).toMatch(/^Mark .* as applied on protected environment "production"/);
  });

  test('--dry-run shows the proof once, under the question it would ask', async () => {
    const { fx } = await setUp();
    const r = await fx.run(['resolve', 'post-author-index', '--env', 'production', '--dry-run']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/ask: Mark [^\n]*\(or --yes\)\n\s+Proved on production just now/);
    expect(r.stdout.match(/proved by catalog: index "Post_authorId_idx"/g)).toHaveLength(1);
  });
});

describe('resolve when prisma migrate diff cannot create its shadow database (P1010)', () => {
  // What Prisma 7 prints for a role without CREATEDB: its banners, then the error.
  const banners =
    'Loaded Prisma config from prisma.config.ts.\n\nPrisma schema loaded from prisma/schema.prisma.\n';
  const denied = 'User `app` was denied access on the database `postgres`';
  const why = `prisma migrate diff could not run: P1010: ${denied}: the role cannot create a shadow database`;

  test.each([
    ['the code on its own line', `${banners}Error: P1010\n\n${denied}\n`],
    ['the code before the message', `${banners}Error: P1010: ${denied}\n`],
  ])('%s: P1010 and its fixes, never the banner', async (_label, stderr) => {
    const fx = fakeProject();
    await startWithSql(fx, 'post-author-index', `CREATE INDEX "${INDEX}" ON "Post"("authorId");\n`);
    fx.prisma.diff = { exitCode: 1, stderr };

    // Not there yet: the catalog check decides alone, and the refusal says why the diff did not run.
    const missing = await fx.run(['resolve', 'post-author-index', '--env', 'production', '--yes']);
    expect(missing.exitCode, missing.stderr).toBe(1);
    expect(missing.stderr).toContain(`(catalog check; ${why})`);
    expect(missing.stderr).toMatch(
      /prisma migrate diff: this role cannot create the temporary shadow database/,
    );
    expect(missing.stderr).toContain('set shadowDatabaseUrl in the Prisma config');
    expect(missing.stderr).not.toContain('Loaded Prisma config');

    fx.prod.setFact(
      { kind: 'index', schema: 'public', table: 'Post', name: INDEX },
      { exists: true, valid: true, def: `CREATE INDEX "${INDEX}" ON public."Post" USING btree ("authorId")` },
    );
    const ok = await fx.run(['resolve', 'post-author-index', '--env', 'production', '--yes']);
    expect(ok.exitCode, ok.stderr).toBe(0);
    expect(ok.stdout).toContain(`check: catalog check (${why}): index "Post_authorId_idx" present`);
    expect(ok.stdout).toMatch(
      /note: this role cannot create the temporary shadow database [^\n]*the catalog check needs none[^\n]*set shadowDatabaseUrl in the Prisma config/,
    );
    expect(ok.stdout).not.toContain('Loaded Prisma config');
    expect(fx.ledger('post-author-index').events.at(-1)).toMatchObject({
      type: 'resolved',
      details: { check: expect.stringContaining('P1010') as unknown },
    });
  });

  test('verify --env says the same: P1010, the shadow database, the fix', async () => {
    const fx = fakeProject();
    fx.prisma.diff = { exitCode: 1, stderr: `${banners}Error: P1010\n\n${denied}\n` };
    const r = await fx.run(['verify', '--env', 'production', '--json']);
    const drift = (r.json.findings as { code: string; message: string; fix: string }[]).find(
      (f) => f.code === 'DRIFT_CHECK_FAILED',
    );
    expect(drift?.message).toContain(`prisma migrate diff exited 1: P1010: ${denied}`);
    expect(drift?.message).toContain('The role cannot create a shadow database');
    expect(drift?.message).not.toContain('Loaded Prisma config');
    expect(drift?.fix).toContain('Set shadowDatabaseUrl in the Prisma config for production');
  });

  test('--json carries the cause in check and the fix in checkNote', async () => {
    const fx = fakeProject();
    await startWithSql(fx, 'post-author-index', `CREATE INDEX "${INDEX}" ON "Post"("authorId");\n`);
    fx.prisma.diff = { exitCode: 1, stderr: `${banners}Error: P1010\n\n${denied}\n` };
    fx.prod.setFact(
      { kind: 'index', schema: 'public', table: 'Post', name: INDEX },
      { exists: true, valid: true, def: `CREATE INDEX "${INDEX}" ON public."Post" USING btree ("authorId")` },
    );
    const r = await fx.run(['resolve', 'post-author-index', '--env', 'production', '--yes', '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.json.check).toContain(why);
    expect(r.json.checkNote).toContain('shadowDatabaseUrl');
  });
});
