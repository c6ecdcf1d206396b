// Prisma's "patching and hotfixing" guide, end to end, on real PostgreSQL with the real Prisma 7
// CLI: production patched by hand, the migration recorded there without running, and applied
// for real where it was not patched. Steps run in order and build on each other. What resolve
// and deploy decide on the way (--yes, a second resolve, a dry run) is tested in-process:
// test/commands/resolve.test.ts.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { pgQuery, prismaMigrations } from '../support/db.js';
import { git } from '../support/git.js';
import { runHotfix } from '../support/hotfix.js';
import { addPostAuthorIndex, createTwoEnvProject, type TwoEnvProject } from '../support/scenario.js';

const INDEX = 'Post_authorId_idx';
const CANARY = 'canary-S3cret-pw';

describe.sequential('Prisma guide on PostgreSQL: resolve production, deploy staging', () => {
  let s: TwoEnvProject;
  let migration: string;
  const indexCount = async (url: string) =>
    Number(
      (
        await pgQuery<{ n: string }>(url, `SELECT count(*) AS n FROM pg_indexes WHERE indexname = $1`, [
          INDEX,
        ])
      )[0]?.n,
    );

  beforeAll(async () => {
    // A password the server ignores (trust auth) but that must never be printed or stored.
    s = await createTwoEnvProject({ provider: 'postgresql', prefix: 'guide', password: CANARY });
    git(s.project.dir, 'branch', 'develop'); // the team's integration branch, as in the runbooks
  });
  afterAll(async () => {
    await s?.cleanup();
  });

  test('production is patched by hand and the schema edited to match', async () => {
    await pgQuery(s.prodUrl, `CREATE INDEX "${INDEX}" ON "Post"("authorId")`);
    addPostAuthorIndex(s.project.schemaPath);
    expect(await indexCount(s.prodUrl)).toBe(1);
    expect(readFileSync(s.project.schemaPath, 'utf8')).toContain('@@index([authorId])');
  });

  test('hotfix start --from-schema generates the migration and its reverse', async () => {
    const r = await runHotfix(
      s.project.dir,
      ['start', 'post-author-index', '--from-schema', '--json'],
      s.env,
    );
    expect(r.exitCode, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    migration = doc.migration.name;
    expect(doc.migration.source).toBe('schema-diff');
    expect(doc.migration.downSource).toBe('schema-diff');
    const folder = path.join(s.project.migrationsDir, migration);
    // The safe form: built CONCURRENTLY, alone in its migration (Prisma then runs it outside a transaction).
    expect(readFileSync(path.join(folder, 'migration.sql'), 'utf8')).toContain(
      `CREATE INDEX CONCURRENTLY "${INDEX}" ON "Post"("authorId");`,
    );
    expect(doc.rewrites).toEqual([expect.stringContaining('CREATE INDEX -> CREATE INDEX CONCURRENTLY')]);
    expect(readFileSync(path.join(folder, 'down.sql'), 'utf8')).toContain(`DROP INDEX "public"."${INDEX}";`);
    // The edited schema travels in the same commit.
    expect(git(s.project.dir, 'show', '--name-only', '--format=', 'HEAD')).toContain('prisma/schema.prisma');
    expect(git(s.project.dir, 'status', '--porcelain')).toBe('');
  });

  test('resolve on staging, which was NOT patched, is refused and changes nothing', async () => {
    const head = git(s.project.dir, 'rev-parse', 'HEAD');
    const r = await runHotfix(s.project.dir, ['resolve', 'post-author-index', '--env', 'staging'], s.env);
    expect(r.exitCode, r.stderr).toBe(1);
    expect(r.stderr).toContain('does not have what');
    expect(r.stderr).toContain(`CREATE INDEX "${INDEX}"`);
    expect(r.stderr).toContain('hotfix deploy post-author-index --env staging');
    expect(await prismaMigrations(s.stagingUrl)).toHaveLength(1);
    expect(git(s.project.dir, 'rev-parse', 'HEAD')).toBe(head);
    expect(git(s.project.dir, 'status', '--porcelain')).toBe('');
  });

  test('resolve production marks it applied without running the SQL', async () => {
    const r = await runHotfix(
      s.project.dir,
      [
        'resolve',
        'post-author-index',
        '--env',
        'production',
        '--yes',
        '--reason',
        'index added by hand at 02:10',
      ],
      s.env,
    );
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain(`Marked ${migration} as applied on production`);
    expect(r.stdout).toContain('check: prisma migrate diff');
    // staging has not got it yet, so "every environment" stays open.
    expect(r.stdout).toContain('[ ] Every environment shows the migration finished');
    expect(await indexCount(s.prodUrl)).toBe(1);
    const row = (await prismaMigrations(s.prodUrl)).find((m) => m.migration_name === migration);
    expect(row).toMatchObject({ finished: true, rolled_back: false, applied_steps_count: 0 });
    expect(git(s.project.dir, 'log', '-1', '--format=%s')).toBe(
      `hotfix(post-author-index): ${migration} marked applied on production`,
    );
  });

  test('deploy to staging runs it there', async () => {
    const r = await runHotfix(s.project.dir, ['deploy', 'post-author-index', '--env', 'staging'], s.env);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain('Deployed to staging');
    expect(r.stdout).toContain('[x] Every environment shows the migration finished');
    expect(await indexCount(s.stagingUrl)).toBe(1);
    const row = (await prismaMigrations(s.stagingUrl)).find((m) => m.migration_name === migration);
    expect(row).toMatchObject({ finished: true, rolled_back: false, applied_steps_count: 1 });
  });

  test('status shows both environments; no password anywhere', async () => {
    const r = await runHotfix(s.project.dir, ['status', 'post-author-index', '--json'], s.env);
    expect(r.exitCode, r.stderr).toBe(0);
    const envs = JSON.parse(r.stdout).hotfixes[0].envs.map((e: { name: string; state: string }) => [
      e.name,
      e.state,
    ]);
    expect(envs).toEqual([
      ['production', 'resolved'],
      ['staging', 'deployed'],
    ]);
    const ledger = readFileSync(path.join(s.project.dir, '.hotfix', 'post-author-index.json'), 'utf8');
    const history = git(s.project.dir, 'log', '-p', '--all');
    for (const text of [ledger, history, r.stdout, r.stderr]) {
      expect(text).not.toContain(CANARY);
      expect(text).not.toContain('postgresql://');
    }
  });

  test('merged back to main and develop, the CI gate is green on both environments', async () => {
    const finished = await runHotfix(
      s.project.dir,
      ['finish', 'post-author-index', '--no-bump', '--no-tag'],
      s.env,
    );
    expect(finished.exitCode, finished.stderr).toBe(0);
    expect(git(s.project.dir, 'branch', '--show-current')).toBe('main');
    for (const branch of ['main', 'develop'])
      expect(git(s.project.dir, 'ls-tree', '-r', '--name-only', branch)).toContain(
        `prisma/migrations/${migration}/migration.sql`,
      );
    const r = await runHotfix(
      s.project.dir,
      ['verify', '--env', 'production', '--env', 'staging', '--json'],
      s.env,
    );
    const doc = JSON.parse(r.stdout);
    expect(r.exitCode, JSON.stringify(doc.findings, null, 2)).toBe(0);
    expect(doc.summary.errors).toBe(0);
    expect(doc.checked.envs.map((e: { name: string; drift: string }) => [e.name, e.drift])).toEqual([
      ['production', 'none'],
      ['staging', 'none'],
    ]);
  });
});
