// The runbook carried by the tool, on real PostgreSQL and real git: checklists ticked from the
// ledger at each step, finish refused while production is unresolved, the merge-back guard,
// finish merging into main and develop with the version bump and tag, the report and the team
// messages read back, and a rollback after finish on a branch of its own.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { pgQuery } from '../support/db.js';
import { git } from '../support/git.js';
import { ledgerEvents, runHotfix, startWithSql } from '../support/hotfix.js';
import { useTwoEnvProject } from '../support/scenario.js';

const NAME = 'post-author-index';
const SQL = 'CREATE INDEX "Post_authorId_idx" ON "Post"("authorId");\n';
const DOWN = 'DROP INDEX "Post_authorId_idx";\n';
const OLDER = '20250101000000_add_tag';
const SAME_TABLE = '20991231000000_post_subtitle';

describe.sequential('the runbook on PostgreSQL: checklist, finish, report, notify', () => {
  let migration: string;
  let dir: string;
  const hotfix = (...args: string[]) => runHotfix(dir, args, s.env);
  const ticked = async (phase: string) => {
    const r = await hotfix('checklist', NAME, '--phase', phase, '--json');
    expect(r.exitCode, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { items: { id: string; done: boolean }[] };
    return doc.items.filter((i) => i.done).map((i) => i.id);
  };

  const s = useTwoEnvProject({ provider: 'postgresql', prefix: 'runbook' }, (s) => {
    dir = s.project.dir;
    const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(
      path.join(dir, 'package.json'),
      `${JSON.stringify({ ...pkg, version: '1.2.0' }, null, 2)}\n`,
    );
    git(dir, 'commit', '-qam', 'version 1.2.0');
    git(dir, 'branch', 'develop');
  });

  test('start: the pre-deployment checklist ticks the branch and the written down.sql only', async () => {
    migration = await startWithSql(s, NAME, SQL, DOWN);
    expect(await ticked('pre')).toEqual(['branch', 'rollback-plan']);
    const r = await hotfix('checklist', NAME, '--json');
    expect(JSON.parse(r.stdout)).toMatchObject({
      phase: 'pre-deploy',
      next: { id: 'review', command: `hotfix checklist ${NAME} --done pre-deploy.review --note TEXT` },
    });
  });

  test('checklist --done records a manual tick in the ledger with actor and note, committed', async () => {
    const r = await hotfix('checklist', NAME, '--done', 'pre-deploy.team', '--note', 'posted in #incident');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain('[x] Team told');
    expect(r.stdout).toContain('oncall@example.com');
    expect(ledgerEvents(s, NAME).at(-1)).toMatchObject({
      type: 'checked',
      outcome: 'ok',
      details: { phase: 'pre-deploy', item: 'team', note: 'posted in #incident' },
    });
    expect(git(dir, 'status', '--porcelain')).toBe('');
    expect(await ticked('pre')).toEqual(['branch', 'rollback-plan', 'team']);
    const proven = await hotfix('checklist', NAME, '--done', 'staging');
    expect(proven.exitCode).toBe(2);
    expect(proven.stderr).toContain('CHECKLIST_ITEM_PROVEN');
  });

  test('deploy staging ticks the staging item and moves the hotfix to the deployment phase', async () => {
    const r = await hotfix('deploy', NAME, '--env', 'staging');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(await ticked('pre')).toEqual(['branch', 'staging', 'rollback-plan', 'team']);
    expect(await ticked('deploy')).toEqual([]);
    const c = await hotfix('checklist', NAME, '--json');
    expect(JSON.parse(c.stdout).phase).toBe('deploy');
  });

  test('finish is refused while production is unresolved (exit 2), nothing merged', async () => {
    const main = git(dir, 'rev-parse', 'main');
    const r = await hotfix('finish', NAME);
    expect(r.exitCode, r.stderr).toBe(2);
    expect(r.stderr).toContain('production is untouched');
    expect(r.stderr).toContain('--allow-partial --reason');
    expect(git(dir, 'rev-parse', 'main')).toBe(main);
  });

  test('resolve production (patched by hand) ticks the deployment and post-deployment items', async () => {
    await pgQuery(s.prodUrl, SQL);
    const r = await hotfix(
      'resolve',
      NAME,
      '--env',
      'production',
      '--yes',
      '--reason',
      'index added by hand',
    );
    expect(r.exitCode, r.stderr).toBe(0);
    expect(await ticked('deploy')).toEqual(['apply']);
    expect(await ticked('post')).toEqual(['recorded']);
  });

  test('develop gets an older unapplied migration and one on the same table: finish --dry-run names both', async () => {
    git(dir, 'checkout', '-q', 'develop');
    for (const [name, sql] of [
      [OLDER, 'CREATE TABLE "Tag" ("id" SERIAL PRIMARY KEY);\n'],
      [SAME_TABLE, 'ALTER TABLE "Post" ADD COLUMN "subtitle" TEXT;\n'],
    ] as const) {
      mkdirSync(path.join(s.project.migrationsDir, name));
      writeFileSync(path.join(s.project.migrationsDir, name, 'migration.sql'), sql);
    }
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'develop work');
    git(dir, 'checkout', '-q', `hotfix/${NAME}`);
    const head = git(dir, 'rev-parse', 'HEAD');
    const r = await hotfix('finish', NAME, '--dry-run', '--json');
    expect(r.exitCode, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as {
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
    const text = await hotfix('finish', NAME, '--dry-run');
    expect(text.stdout).toContain(`${OLDER} on develop is older than ${migration}`);
    expect(text.stdout).toContain(`${SAME_TABLE} on develop changes "Post"`);
    expect(text.stdout).toContain('What to do:');
    expect(git(dir, 'rev-parse', 'HEAD')).toBe(head);
    expect(git(dir, 'tag')).toBe('');
  });

  test('finish merges into main and develop, bumps 1.2.0 -> 1.2.1, tags v1.2.1, deletes the branch', async () => {
    const r = await hotfix('finish', NAME);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain('Finished hotfix');
    expect(git(dir, 'branch', '--list', `hotfix/${NAME}`)).toBe('');
    expect(git(dir, 'symbolic-ref', '--short', 'HEAD')).toBe('main');
    for (const b of ['main', 'develop'])
      expect(git(dir, 'ls-tree', '--name-only', `${b}:prisma/migrations`)).toContain(migration);
    expect(JSON.parse(git(dir, 'show', 'main:package.json')).version).toBe('1.2.1');
    // develop keeps its own version line: it gets the hotfix, not the release bump.
    expect(JSON.parse(git(dir, 'show', 'develop:package.json')).version).toBe('1.2.0');
    expect(git(dir, 'tag')).toBe('v1.2.1');
    expect(git(dir, 'rev-parse', 'v1.2.1^{commit}')).toBe(git(dir, 'rev-parse', 'main'));
    // The same ledger on both branches: later merges between them cannot conflict there.
    expect(git(dir, 'show', `develop:.hotfix/${NAME}.json`)).toBe(
      git(dir, 'show', `main:.hotfix/${NAME}.json`),
    );
    expect(ledgerEvents(s, NAME).at(-1)).toMatchObject({
      type: 'finished',
      outcome: 'ok',
      details: { merged: ['main', 'develop'], version: '1.2.1', tag: 'v1.2.1' },
    });
    const status = await hotfix('status', NAME, '--json');
    expect(JSON.parse(status.stdout).hotfixes[0].phase).toBe('finished');
    expect(await ticked('merge-back')).toEqual(['main', 'develop', 'version']);
  });

  test('report contains every event in order, the SQL, the final states and the reasons', async () => {
    const out = path.join(dir, '..', `${path.basename(dir)}-incident.md`);
    const r = await hotfix('report', NAME, '--out', out, '--env', 'production');
    expect(r.exitCode, r.stderr).toBe(0);
    const md = readFileSync(out, 'utf8');
    const events = JSON.parse(readFileSync(path.join(dir, '.hotfix', `${NAME}.json`), 'utf8')).events as {
      at: string;
      type: string;
    }[];
    const json = JSON.parse((await hotfix('report', NAME, '--json')).stdout) as {
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
    expect(md).toContain('- [x] Team told');
    expect(md).toContain('## Root cause\n\n> **[to fill in]**');
  });

  test('notify: the messages carry the real times, environments and outcome', async () => {
    const events = ledgerEvents(s, NAME) as unknown as { type: string; at: string; env?: { name: string } }[];
    const minute = (iso: string) => `${iso.slice(0, 16).replace('T', ' ')} UTC`;
    const started = events[0]!.at;
    const resolvedAt = events.find((e) => e.type === 'resolved')!.at;
    const deployedAt = events.find((e) => e.type === 'deployed')!.at;
    const alert = await hotfix('notify', NAME, '--phase', 'alert');
    expect(alert.exitCode, alert.stderr).toBe(0);
    expect(alert.stdout).toContain(`Started: ${minute(started)} by oncall@example.com`);
    const done = await hotfix('notify', NAME);
    expect(done.stdout).toContain('RESOLVED - v1.2.1');
    expect(done.stdout).toContain(`production: resolved at ${minute(resolvedAt)}`);
    expect(done.stdout).toContain(`staging: deployed at ${minute(deployedAt)}`);
    const update = await hotfix('notify', NAME, '--phase', 'update');
    expect(update.stdout).toContain('Status: IN PROGRESS');
  });

  test('rollback after finish puts its revert migration on hotfix/<name>-revert from main', async () => {
    const main = git(dir, 'rev-parse', 'main');
    const r = await hotfix('rollback', NAME, '--env', 'staging');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(git(dir, 'symbolic-ref', '--short', 'HEAD')).toBe(`hotfix/${NAME}-revert`);
    expect(git(dir, 'rev-parse', 'main')).toBe(main);
    expect(git(dir, 'log', '--format=%s', 'main..HEAD')).toContain('the revert of');
    expect(r.stdout).toContain(`hotfix/${NAME}-revert`);
  });
});
