// Prisma's "patching and hotfixing" guide, end to end, on real PostgreSQL with the real Prisma 7
// CLI: production patched by hand, the migration recorded there without running, and applied
// for real where it was not patched. Steps run in order and build on each other.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createPgDatabase, pgQuery, prismaMigrations, type PgDatabase } from '../support/db.js';
import { git, initRepo } from '../support/git.js';
import { runHotfix } from '../support/hotfix.js';
import { createPrismaProject, prismaEnv, runPrisma, type PrismaProject } from '../support/prisma-project.js';

const INDEX = 'Post_authorId_idx';
const CANARY = 'canary-S3cret-pw';

describe.sequential('Prisma guide on PostgreSQL: resolve production, deploy staging', () => {
  let dev: PgDatabase;
  let prod: PgDatabase;
  let staging: PgDatabase;
  let project: PrismaProject;
  let env: Record<string, string>;
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
    [dev, prod, staging] = await Promise.all([
      createPgDatabase('guide_dev'),
      createPgDatabase('guide_prod'),
      createPgDatabase('guide_staging'),
    ]);
    project = await createPrismaProject({ provider: 'postgresql', databaseUrl: dev.url });
    writeFileSync(
      path.join(project.dir, 'hotfix.config.json'),
      JSON.stringify({
        environments: {
          production: { urlEnv: 'PROD_DATABASE_URL', protected: true },
          staging: { urlEnv: 'STAGING_DATABASE_URL' },
        },
      }),
    );
    initRepo(project.dir);
    // A password the server ignores (trust auth) but that must never be printed or stored.
    const withPassword = (url: string) => url.replace('postgres@', `postgres:${CANARY}@`);
    env = {
      ...prismaEnv(project),
      PROD_DATABASE_URL: withPassword(prod.url),
      STAGING_DATABASE_URL: withPassword(staging.url),
    };
    for (const url of [prod.url, staging.url]) {
      const r = await runPrisma(project, ['migrate', 'deploy'], { env: { DATABASE_URL: url } });
      expect(r.exitCode, r.all).toBe(0);
    }
  });
  afterAll(async () => {
    await project?.cleanup();
    await Promise.all([dev?.drop(), prod?.drop(), staging?.drop()]);
  });

  test('production is patched by hand and the schema edited to match', async () => {
    await pgQuery(prod.url, `CREATE INDEX "${INDEX}" ON "Post"("authorId")`);
    const schema = readFileSync(project.schemaPath, 'utf8').replace(
      /(model Post \{[\s\S]*?)(\n\})/,
      '$1\n\n  @@index([authorId])$2',
    );
    writeFileSync(project.schemaPath, schema);
  });

  test('hotfix start --from-schema generates the migration and its reverse', async () => {
    const r = await runHotfix(project.dir, ['start', 'post-author-index', '--from-schema', '--json'], env);
    expect(r.exitCode, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    migration = doc.migration.name;
    expect(doc.migration.source).toBe('schema-diff');
    expect(doc.migration.downSource).toBe('schema-diff');
    const folder = path.join(project.migrationsDir, migration);
    expect(readFileSync(path.join(folder, 'migration.sql'), 'utf8')).toContain(
      `CREATE INDEX "${INDEX}" ON "Post"("authorId");`,
    );
    expect(readFileSync(path.join(folder, 'down.sql'), 'utf8')).toContain(`DROP INDEX "public"."${INDEX}";`);
    // The edited schema travels in the same commit.
    expect(git(project.dir, 'show', '--name-only', '--format=', 'HEAD')).toContain('prisma/schema.prisma');
    expect(git(project.dir, 'status', '--porcelain')).toBe('');
  });

  test('protected production without a terminal needs --yes (exit 2, nothing changed)', async () => {
    const head = git(project.dir, 'rev-parse', 'HEAD');
    const r = await runHotfix(project.dir, ['resolve', 'post-author-index', '--env', 'production'], env);
    expect(r.exitCode, r.stderr).toBe(2);
    expect(r.stderr).toContain('--yes');
    expect(git(project.dir, 'rev-parse', 'HEAD')).toBe(head);
    expect(await prismaMigrations(prod.url)).toHaveLength(1);
  });

  test('resolve on staging, which was NOT patched, is refused and changes nothing', async () => {
    const head = git(project.dir, 'rev-parse', 'HEAD');
    const r = await runHotfix(project.dir, ['resolve', 'post-author-index', '--env', 'staging'], env);
    expect(r.exitCode, r.stderr).toBe(1);
    expect(r.stderr).toContain('does not have what');
    expect(r.stderr).toContain(`CREATE INDEX "${INDEX}"`);
    expect(r.stderr).toContain('hotfix deploy post-author-index --env staging');
    expect(await prismaMigrations(staging.url)).toHaveLength(1);
    expect(git(project.dir, 'rev-parse', 'HEAD')).toBe(head);
    expect(git(project.dir, 'status', '--porcelain')).toBe('');
  });

  test('resolve production marks it applied without running the SQL', async () => {
    const r = await runHotfix(
      project.dir,
      [
        'resolve',
        'post-author-index',
        '--env',
        'production',
        '--yes',
        '--reason',
        'index added by hand at 02:10',
      ],
      env,
    );
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain(`Marked ${migration} as applied on production`);
    expect(r.stdout).toContain('check: prisma migrate diff');
    // staging has not got it yet, so "every environment" stays open.
    expect(r.stdout).toContain('[ ] Every environment shows the migration finished');
    expect(await indexCount(prod.url)).toBe(1);
    const row = (await prismaMigrations(prod.url)).find((m) => m.migration_name === migration);
    expect(row).toMatchObject({ finished: true, rolled_back: false, applied_steps_count: 0 });
    expect(git(project.dir, 'log', '-1', '--format=%s')).toBe(
      `hotfix(post-author-index): ${migration} marked applied on production`,
    );
  });

  test('resolve again is idempotent: says so, exit 0', async () => {
    const r = await runHotfix(
      project.dir,
      ['resolve', 'post-author-index', '--env', 'production', '--yes'],
      env,
    );
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain('already recorded as applied');
    expect((await prismaMigrations(prod.url)).filter((m) => m.migration_name === migration)).toHaveLength(1);
  });

  test('deploy --dry-run prints the SQL and touches nothing', async () => {
    const head = git(project.dir, 'rev-parse', 'HEAD');
    const r = await runHotfix(
      project.dir,
      ['deploy', 'post-author-index', '--env', 'staging', '--dry-run'],
      env,
    );
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain(`CREATE INDEX "${INDEX}"`);
    expect(await indexCount(staging.url)).toBe(0);
    expect(git(project.dir, 'rev-parse', 'HEAD')).toBe(head);
  });

  test('deploy to staging runs it there', async () => {
    const r = await runHotfix(project.dir, ['deploy', 'post-author-index', '--env', 'staging'], env);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain('Deployed to staging');
    expect(r.stdout).toContain('[x] Every environment shows the migration finished');
    expect(await indexCount(staging.url)).toBe(1);
    const row = (await prismaMigrations(staging.url)).find((m) => m.migration_name === migration);
    expect(row).toMatchObject({ finished: true, rolled_back: false, applied_steps_count: 1 });
  });

  test('status shows both environments; no password anywhere', async () => {
    const r = await runHotfix(project.dir, ['status', 'post-author-index', '--json'], env);
    expect(r.exitCode, r.stderr).toBe(0);
    const envs = JSON.parse(r.stdout).hotfixes[0].envs.map((e: { name: string; state: string }) => [
      e.name,
      e.state,
    ]);
    expect(envs).toEqual([
      ['production', 'resolved'],
      ['staging', 'deployed'],
    ]);
    const ledger = readFileSync(path.join(project.dir, '.hotfix', 'post-author-index.json'), 'utf8');
    const history = git(project.dir, 'log', '-p', '--all');
    for (const text of [ledger, history, r.stdout, r.stderr]) {
      expect(text).not.toContain(CANARY);
      expect(text).not.toContain('postgresql://');
    }
  });
});
