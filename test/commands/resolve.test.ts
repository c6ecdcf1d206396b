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
