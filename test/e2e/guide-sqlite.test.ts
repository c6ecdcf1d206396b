// The same resolve/deploy flow on SQLite files with the real Prisma 7 CLI.
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { prismaMigrations, sqliteQuery } from '../support/db.js';
import { git, initRepo } from '../support/git.js';
import { runHotfix } from '../support/hotfix.js';
import { createPrismaProject, prismaEnv, runPrisma, type PrismaProject } from '../support/prisma-project.js';

const INDEX = 'Post_authorId_idx';

describe.sequential('Prisma guide on SQLite: resolve production, deploy staging', () => {
  let project: PrismaProject;
  let env: Record<string, string>;
  let prodUrl: string;
  let stagingUrl: string;
  let migration: string;
  const dbDir = mkdtempSync(path.join(os.tmpdir(), 'hotfix-sqlite-'));
  const indexCount = async (url: string) =>
    (await sqliteQuery(url, `SELECT name FROM sqlite_master WHERE type = 'index' AND name = ?`, [INDEX]))
      .length;

  beforeAll(async () => {
    prodUrl = `file:${path.join(dbDir, 'prod.db')}`;
    stagingUrl = `file:${path.join(dbDir, 'staging.db')}`;
    project = await createPrismaProject({
      provider: 'sqlite',
      databaseUrl: `file:${path.join(dbDir, 'dev.db')}`,
    });
    writeFileSync(
      path.join(project.dir, 'hotfix.config.json'),
      JSON.stringify({
        environments: {
          production: { urlEnv: 'PROD_URL', protected: true },
          staging: { urlEnv: 'STAGING_URL' },
        },
      }),
    );
    initRepo(project.dir);
    env = { ...prismaEnv(project), PROD_URL: prodUrl, STAGING_URL: stagingUrl };
    for (const url of [prodUrl, stagingUrl]) {
      const r = await runPrisma(project, ['migrate', 'deploy'], { env: { DATABASE_URL: url } });
      expect(r.exitCode, r.all).toBe(0);
    }
  });
  afterAll(async () => {
    await project?.cleanup();
  });

  test('patch production by hand, edit the schema, start --from-schema', async () => {
    await sqliteQuery(prodUrl, `CREATE INDEX "${INDEX}" ON "Post"("authorId")`);
    writeFileSync(
      project.schemaPath,
      readFileSync(project.schemaPath, 'utf8').replace(
        /(model Post \{[\s\S]*?)(\n\})/,
        '$1\n\n  @@index([authorId])$2',
      ),
    );
    const r = await runHotfix(project.dir, ['start', 'post-author-index', '--from-schema', '--json'], env);
    expect(r.exitCode, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    migration = doc.migration.name;
    expect(readFileSync(path.join(project.dir, doc.migration.sqlPath), 'utf8')).toContain(
      `CREATE INDEX "${INDEX}"`,
    );
    expect(readFileSync(path.join(project.dir, doc.migration.downPath), 'utf8')).toContain(
      `DROP INDEX "${INDEX}"`,
    );
  });

  test('resolve on unpatched staging is refused; on production it marks applied without running', async () => {
    const refused = await runHotfix(project.dir, ['resolve', 'post-author-index', '--env', 'staging'], env);
    expect(refused.exitCode, refused.stderr).toBe(1);
    expect(refused.stderr).toContain(`CREATE INDEX "${INDEX}"`);
    expect(await prismaMigrations(stagingUrl)).toHaveLength(1);

    const r = await runHotfix(
      project.dir,
      ['resolve', 'post-author-index', '--env', 'production', '--yes'],
      env,
    );
    expect(r.exitCode, r.stderr).toBe(0);
    expect(await indexCount(prodUrl)).toBe(1);
    expect((await prismaMigrations(prodUrl)).find((m) => m.migration_name === migration)).toMatchObject({
      finished: true,
      rolled_back: false,
      applied_steps_count: 0,
    });
  });

  test('deploy to staging runs it; status shows both', async () => {
    const r = await runHotfix(project.dir, ['deploy', 'post-author-index', '--env', 'staging'], env);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(await indexCount(stagingUrl)).toBe(1);
    expect((await prismaMigrations(stagingUrl)).find((m) => m.migration_name === migration)).toMatchObject({
      finished: true,
    });
    const status = await runHotfix(project.dir, ['status', '--json'], env);
    expect(
      JSON.parse(status.stdout).hotfixes[0].envs.map(
        (e: { name: string; state: string }) => `${e.name}:${e.state}`,
      ),
    ).toEqual(['production:resolved', 'staging:deployed']);
    expect(git(project.dir, 'status', '--porcelain')).toBe('');
  });
});
