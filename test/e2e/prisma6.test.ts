// hotfix on a Prisma 6.19 project (JS engine, SQLite): the Prisma 6 argv end to end, and the
// resolve check, which Prisma 6 cannot run without a URL on its command line, asking for
// --skip-check --reason instead of passing silently.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { prismaMigrations, sqliteQuery } from '../support/db.js';
import { initRepo } from '../support/git.js';
import { runHotfix } from '../support/hotfix.js';
import { createPrismaProject, prismaEnv, runPrisma, type PrismaProject } from '../support/prisma-project.js';

describe.sequential('Prisma 6.19 project (SQLite)', () => {
  let project: PrismaProject;
  let env: Record<string, string>;
  const dbDir = mkdtempSync(path.join(os.tmpdir(), 'hotfix-p6-'));
  const prodUrl = `file:${path.join(dbDir, 'prod.db')}`;
  const stagingUrl = `file:${path.join(dbDir, 'staging.db')}`;

  beforeAll(async () => {
    project = await createPrismaProject({
      provider: 'sqlite',
      prismaMajor: 6,
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
    for (const url of [prodUrl, stagingUrl])
      expect((await runPrisma(project, ['migrate', 'deploy'], { env: { DATABASE_URL: url } })).exitCode).toBe(
        0,
      );
  });
  afterAll(async () => {
    await project?.cleanup();
  });

  test('start --sql, resolve (check unavailable -> --skip-check --reason), deploy', async () => {
    const sql = path.join(dbDir, 'fix.sql');
    writeFileSync(sql, 'CREATE INDEX "Post_authorId_idx" ON "Post"("authorId");\n');
    const started = await runHotfix(project.dir, ['start', 'author-index', '--sql', sql, '--json'], env);
    expect(started.exitCode, started.stderr).toBe(0);
    const migration = JSON.parse(started.stdout).migration.name as string;

    await sqliteQuery(prodUrl, 'CREATE INDEX "Post_authorId_idx" ON "Post"("authorId")');
    const unchecked = await runHotfix(
      project.dir,
      ['resolve', 'author-index', '--env', 'production', '--yes'],
      env,
    );
    expect(unchecked.exitCode, unchecked.stderr).toBe(2);
    expect(unchecked.stderr).toContain('Prisma 6.19.3 cannot compare');
    expect(unchecked.stderr).toContain('--skip-check --reason');
    expect(await prismaMigrations(prodUrl)).toHaveLength(1);

    const resolved = await runHotfix(
      project.dir,
      [
        'resolve',
        'author-index',
        '--env',
        'production',
        '--yes',
        '--skip-check',
        '--reason',
        'saw the index in sqlite_master',
      ],
      env,
    );
    expect(resolved.exitCode, resolved.stderr).toBe(0);
    expect(resolved.stdout).toContain('check: skipped: saw the index in sqlite_master');
    expect((await prismaMigrations(prodUrl)).find((m) => m.migration_name === migration)).toMatchObject({
      finished: true,
      applied_steps_count: 0,
    });

    const deployed = await runHotfix(project.dir, ['deploy', 'author-index', '--env', 'staging'], env);
    expect(deployed.exitCode, deployed.stderr).toBe(0);
    expect((await prismaMigrations(stagingUrl)).find((m) => m.migration_name === migration)).toMatchObject({
      finished: true,
      applied_steps_count: 1,
    });
    const ledger = JSON.parse(readFileSync(path.join(project.dir, '.hotfix', 'author-index.json'), 'utf8'));
    expect(ledger.events.find((e: { type: string }) => e.type === 'resolved')).toMatchObject({
      reason: 'saw the index in sqlite_master',
      details: { check: 'skipped: saw the index in sqlite_master' },
    });
  });
});
