// The runbook the tool carries, in-process on fakes of the ports: the checklists ticked from the
// ledger at each step, a manual tick, finish refused while production is unresolved, the
// merge-back guard of a finish dry run, and the report and team messages read back. The same
// run on real PostgreSQL, git and Prisma (the resolve check, finish's merges, bump and tag) is
// test/e2e/runbook-postgres.test.ts.
import { describe, expect, test } from 'vitest';
import { fakeProject, snapshot, startWithSql } from '../support/fakes/index.js';

const NAME = 'post-author-index';
const SQL = 'CREATE INDEX "Post_authorId_idx" ON "Post"("authorId");\n';
const DOWN = 'DROP INDEX "Post_authorId_idx";\n';
const OLDER = '20250101000000_add_tag';
const SAME_TABLE = '20991231000000_post_subtitle';

describe.sequential('the runbook: checklist, finish, report, notify', () => {
  const fx = fakeProject();
  fx.write('package.json', `${JSON.stringify({ name: 'app', version: '1.2.0' }, null, 2)}\n`);
  fx.git.commitAll('version 1.2.0');
  fx.git.branches.set('develop', fx.git.branches.get('main')!);
  let migration: string;

  const ticked = async (phase: string) => {
    const r = await fx.run(['checklist', NAME, '--phase', phase, '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    return (r.json as { items: { id: string; done: boolean }[] }).items
      .filter((i) => i.done)
      .map((i) => i.id);
  };

  test('start: the pre-deployment checklist ticks the branch and the written down.sql only', async () => {
    migration = await startWithSql(fx, NAME, SQL, DOWN);
    expect(await ticked('pre')).toEqual(['branch', 'rollback-plan']);
    const r = await fx.run(['checklist', NAME, '--json']);
    expect(r.json).toMatchObject({
      phase: 'pre-deploy',
      next: { id: 'review', command: `hotfix checklist ${NAME} --done pre-deploy.review --note TEXT` },
    });
  });

  test('checklist --done records a manual tick in the ledger with actor and note, committed', async () => {
    const r = await fx.run(['checklist', NAME, '--done', 'pre-deploy.team', '--note', 'posted in #incident']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain('[x] Team told');
    expect(r.stdout).toContain('oncall@example.com');
    expect(fx.ledger(NAME).events.at(-1)).toMatchObject({
      type: 'checked',
      outcome: 'ok',
      details: { phase: 'pre-deploy', item: 'team', note: 'posted in #incident' },
    });
    expect(await fx.git.dirtyPaths()).toEqual([]);
    expect(await ticked('pre')).toEqual(['branch', 'rollback-plan', 'team']);
    const before = await snapshot(fx);
    const proven = await fx.run(['checklist', NAME, '--done', 'staging']);
    expect(proven.exitCode).toBe(2);
    expect(proven.stderr).toContain('CHECKLIST_ITEM_PROVEN');
    expect(await snapshot(fx)).toEqual(before);
  });

  test('deploy staging ticks the staging item and moves the hotfix to the deployment phase', async () => {
    const r = await fx.run(['deploy', NAME, '--env', 'staging']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(await ticked('pre')).toEqual(['branch', 'staging', 'rollback-plan', 'team']);
    expect(await ticked('deploy')).toEqual([]);
    const c = await fx.run(['checklist', NAME, '--json']);
    expect(c.json.phase).toBe('deploy');
  });

  test('finish is refused while production is unresolved (exit 2), nothing merged', async () => {
    const before = await snapshot(fx);
    const r = await fx.run(['finish', NAME]);
    expect(r.exitCode, r.stderr).toBe(2);
    expect(r.stderr).toContain('production is untouched');
    expect(r.stderr).toContain('--allow-partial --reason');
    expect(await snapshot(fx)).toEqual(before);
  });

  test('resolve production (patched by hand) ticks the deployment and post-deployment items', async () => {
    // The index made by hand, as the catalog prints it.
    fx.prod.setFact(
      { kind: 'index', schema: 'public', table: 'Post', name: 'Post_authorId_idx' },
      {
        exists: true,
        valid: true,
        def: 'CREATE INDEX "Post_authorId_idx" ON public."Post" USING btree ("authorId")',
      },
    );
    const r = await fx.run([
      'resolve',
      NAME,
      '--env',
      'production',
      '--yes',
      '--reason',
      'index added by hand',
    ]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(fx.prisma.calls.at(-1)).toBe(`resolve --applied ${migration}`);
    expect(await ticked('deploy')).toEqual(['apply']);
    expect(await ticked('post')).toEqual(['recorded']);
  });

  test('develop gets an older unapplied migration and one on the same table: finish --dry-run names both', async () => {
    await fx.git.checkout('develop');
    fx.write(`prisma/migrations/${OLDER}/migration.sql`, 'CREATE TABLE "Tag" ("id" SERIAL PRIMARY KEY);\n');
    fx.write(
      `prisma/migrations/${SAME_TABLE}/migration.sql`,
      'ALTER TABLE "Post" ADD COLUMN "subtitle" TEXT;\n',
    );
    fx.git.commitAll('develop work');
    await fx.git.checkout(`hotfix/${NAME}`);
    const before = await snapshot(fx);
    const r = await fx.run(['finish', NAME, '--dry-run', '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    const doc = r.json as {
      guard: {
        kind: string;
        migration: string;
        envs: string[];
        judgedFromLedger: string[];
        tables: string[];
      }[];
      version: unknown;
      tag: string;
    };
    expect(doc.guard.map((g) => [g.kind, g.migration])).toEqual([
      ['out-of-order', OLDER],
      ['same-tables', SAME_TABLE],
    ]);
    // Both URLs are set: judged from _prisma_migrations, not from the ledger.
    expect([...doc.guard[0]!.envs].sort()).toEqual(['production', 'staging']);
    expect(doc.guard[0]!.judgedFromLedger).toEqual([]);
    expect(doc.guard[1]!.tables).toEqual(['"Post"']);
    expect([doc.version, doc.tag]).toEqual([{ from: '1.2.0', to: '1.2.1' }, 'v1.2.1']);
    const text = await fx.run(['finish', NAME, '--dry-run']);
    expect(text.stdout).toContain(`${OLDER} on develop is older than ${migration}`);
    expect(text.stdout).toContain(`${SAME_TABLE} on develop changes "Post"`);
    expect(text.stdout).toContain('What to do:');
    expect(await snapshot(fx)).toEqual(before);
    expect(fx.git.tags.size).toBe(0);
  });

  test('finish: the hotfix is finished and the merge-back items are ticked', async () => {
    const r = await fx.run(['finish', NAME]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(fx.ledger(NAME).events.at(-1)).toMatchObject({
      type: 'finished',
      outcome: 'ok',
      details: { merged: ['main', 'develop'], version: '1.2.1', tag: 'v1.2.1' },
    });
    const status = await fx.run(['status', NAME, '--json']);
    expect(status.json.hotfixes[0].phase).toBe('finished');
    expect(await ticked('merge-back')).toEqual(['main', 'develop', 'version']);
  });

  test('report contains every event in order, the SQL, the final states and the reasons', async () => {
    const r = await fx.run(['report', NAME, '--out', '/incident/report.md', '--env', 'production']);
    expect(r.exitCode, r.stderr).toBe(0);
    const md = fx.files.files.get('/incident/report.md')!;
    const events = fx.ledger(NAME).events;
    const json = (await fx.run(['report', NAME, '--json'])).json as {
      timeline: { seq: number | null; at: string; what: string }[];
    };
    expect(json.timeline.map((t) => t.seq)).toEqual(events.map((_e, i) => i + 1));
    let from = 0;
    for (const entry of json.timeline) {
      const at = md.indexOf(`| ${entry.at} |`, from);
      expect(at, entry.what).toBeGreaterThanOrEqual(from);
      expect(md.slice(at, md.indexOf('\n', at))).toContain(entry.what);
      from = at + 1;
    }
    expect(md).toContain(`_prisma_migrations: ${migration} finished on production`);
    expect(md).toContain(SQL.trim().replace('CREATE INDEX', 'CREATE INDEX CONCURRENTLY')); // as start wrote it
    expect(md).toContain('| production | resolved |');
    expect(md).toContain('| staging | deployed |');
    expect(md).toContain('index added by hand');
    // A reason is said once per command, not once per event it wrote.
    const reasons = md.slice(md.indexOf('## Reasons given'), md.indexOf('## Checklists'));
    const lines = reasons.split('\n').filter((l) => l.startsWith('- '));
    expect(new Set(lines.map((l) => l.slice(l.indexOf(': ') + 2))).size).toBe(lines.length);
    expect(md).toContain('- [x] Team told');
    expect(md).toContain('## Root cause\n\n> **[to fill in]**');
  });

  test('notify: the messages carry the real times, environments and outcome', async () => {
    const events = fx.ledger(NAME).events;
    const minute = (iso: string) => `${iso.slice(0, 16).replace('T', ' ')} UTC`;
    const started = events[0]!.at;
    const resolvedAt = events.find((e) => e.type === 'resolved')!.at;
    const deployedAt = events.find((e) => e.type === 'deployed')!.at;
    const alert = await fx.run(['notify', NAME, '--phase', 'alert']);
    expect(alert.exitCode, alert.stderr).toBe(0);
    expect(alert.stdout).toContain(`Started: ${minute(started)} by oncall@example.com`);
    // Finished: the branch is gone and the status says so, not IN PROGRESS.
    expect(alert.stdout).toContain(`(merged into main; branch hotfix/${NAME} deleted)`);
    expect(alert.stdout).toContain('Status: FINISHED');
    const done = await fx.run(['notify', NAME]);
    expect(done.stdout).toContain('RESOLVED - v1.2.1');
    expect(done.stdout).toContain(`production: resolved at ${minute(resolvedAt)}`);
    expect(done.stdout).toContain(`staging: deployed at ${minute(deployedAt)}`);
    const update = await fx.run(['notify', NAME, '--phase', 'update']);
    expect(update.stdout).toContain('Status: FINISHED');
  });
});
