// hotfix on a Prisma 6.19 project (JS engine, SQLite): the Prisma 6 argv end to end, and the
// resolve check, which Prisma 6 cannot run without a URL on its command line, asking for
// --skip-check --reason instead of passing silently.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { prismaMigrations, sqliteQuery } from '../support/db.js';
import { runHotfix } from '../support/hotfix.js';
import { createTwoEnvProject, type TwoEnvProject } from '../support/scenario.js';

describe.sequential('Prisma 6.19 project (SQLite)', () => {
  let s: TwoEnvProject;
  beforeAll(async () => {
    s = await createTwoEnvProject({ provider: 'sqlite', prismaMajor: 6, prefix: 'p6' });
  });
  afterAll(async () => {
    await s?.cleanup();
  });

  test('start --sql, resolve (check unavailable -> --skip-check --reason), deploy', async () => {
    const sql = path.join(s.project.dir, '..', 'fix.sql');
    writeFileSync(sql, 'CREATE INDEX "Post_authorId_idx" ON "Post"("authorId");\n');
    const started = await runHotfix(s.project.dir, ['start', 'author-index', '--sql', sql, '--json'], s.env);
    expect(started.exitCode, started.stderr).toBe(0);
    const migration = JSON.parse(started.stdout).migration.name as string;

    await sqliteQuery(s.prodUrl, 'CREATE INDEX "Post_authorId_idx" ON "Post"("authorId")');
    const unchecked = await runHotfix(
      s.project.dir,
      ['resolve', 'author-index', '--env', 'production', '--yes'],
      s.env,
    );
    expect(unchecked.exitCode, unchecked.stderr).toBe(2);
    expect(unchecked.stderr).toContain('Prisma 6.19.3 cannot compare');
    expect(unchecked.stderr).toContain('--skip-check --reason');
    expect(await prismaMigrations(s.prodUrl)).toHaveLength(1);

    const resolved = await runHotfix(
      s.project.dir,
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
      s.env,
    );
    expect(resolved.exitCode, resolved.stderr).toBe(0);
    expect(resolved.stdout).toContain('check: skipped: saw the index in sqlite_master');
    expect((await prismaMigrations(s.prodUrl)).find((m) => m.migration_name === migration)).toMatchObject({
      finished: true,
      applied_steps_count: 0,
    });

    const deployed = await runHotfix(s.project.dir, ['deploy', 'author-index', '--env', 'staging'], s.env);
    expect(deployed.exitCode, deployed.stderr).toBe(0);
    expect((await prismaMigrations(s.stagingUrl)).find((m) => m.migration_name === migration)).toMatchObject({
      finished: true,
      applied_steps_count: 1,
    });
    const ledger = JSON.parse(readFileSync(path.join(s.project.dir, '.hotfix', 'author-index.json'), 'utf8'));
    expect(ledger.events.find((e: { type: string }) => e.type === 'resolved')).toMatchObject({
      reason: 'saw the index in sqlite_master',
      details: { check: 'skipped: saw the index in sqlite_master' },
    });
  });
});
