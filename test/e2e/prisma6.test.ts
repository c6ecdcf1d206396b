// hotfix on a Prisma 6.19 project (JS engine, SQLite): the Prisma 6 argv end to end, and the
// resolve check, which Prisma 6 cannot run without a URL on its command line, asking for
// --skip-check --reason instead of passing silently.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { prismaMigrations, sqliteQuery } from '../support/db.js';
import { runHotfix } from '../support/hotfix.js';
import { git } from '../support/git.js';
import { useTwoEnvProject } from '../support/scenario.js';

describe.sequential('Prisma 6.19 project (SQLite)', () => {
  const s = useTwoEnvProject({ provider: 'sqlite', prismaMajor: 6, prefix: 'p6' });

  test('start --sql; resolve falls back to its own catalog check; deploy', async () => {
    const sql = path.join(s.project.dir, '..', 'fix.sql');
    writeFileSync(sql, 'CREATE INDEX "Post_authorId_idx" ON "Post"("authorId");\n');
    const started = await runHotfix(s.project.dir, ['start', 'author-index', '--sql', sql, '--json'], s.env);
    expect(started.exitCode, started.stderr).toBe(0);
    const migration = JSON.parse(started.stdout).migration.name as string;

    // Staging was not patched: the catalog check names what is missing.
    const refused = await runHotfix(s.project.dir, ['resolve', 'author-index', '--env', 'staging'], s.env);
    expect(refused.exitCode, refused.stderr).toBe(1);
    expect(refused.stderr).toContain('catalog check; Prisma 6.19.3 cannot diff');
    expect(refused.stderr).toMatch(/no index "?post_authorid_idx"?/i);
    expect(await prismaMigrations(s.stagingUrl)).toHaveLength(1);

    await sqliteQuery(s.prodUrl, 'CREATE INDEX "Post_authorId_idx" ON "Post"("authorId")');
    const resolved = await runHotfix(
      s.project.dir,
      ['resolve', 'author-index', '--env', 'production', '--yes'],
      s.env,
    );
    expect(resolved.exitCode, resolved.stderr).toBe(0);
    expect(resolved.stdout).toMatch(
      /check: catalog check \(Prisma 6\.19\.3 cannot diff[^)]*\): index "?post_authorid_idx"? present/i,
    );
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
  });

  test('a data fix the catalog cannot confirm needs --skip-check --reason, which the ledger records', async () => {
    const sql = path.join(s.project.dir, '..', 'purge.sql');
    // A data fix whose proof start cannot write (the new value reads the column it sets):
    // verify.sql is a template, so nothing proves it.
    writeFileSync(sql, 'UPDATE "Post" SET "title" = trim("title") WHERE "title" <> trim("title");\n');
    // A new hotfix starts from the base branch.
    git(s.project.dir, 'checkout', '-q', 'main');
    const started = await runHotfix(s.project.dir, ['start', 'purge-orphans', '--sql', sql], s.env);
    expect(started.exitCode, started.stderr).toBe(0);
    const unchecked = await runHotfix(
      s.project.dir,
      ['resolve', 'purge-orphans', '--env', 'production', '--yes'],
      s.env,
    );
    // Not proved is a finding (exit 1): resolve refuses rather than mark what it cannot see.
    expect(unchecked.exitCode, unchecked.stderr).toBe(1);
    expect(unchecked.stderr).toContain('cannot confirm statement 1');
    expect(unchecked.stderr).toContain('verify.sql is still the template');
    expect(unchecked.stderr).toContain('--skip-check --reason');

    const resolved = await runHotfix(
      s.project.dir,
      [
        'resolve',
        'purge-orphans',
        '--env',
        'production',
        '--yes',
        '--skip-check',
        '--reason',
        'orphans counted: 0 left',
      ],
      s.env,
    );
    expect(resolved.exitCode, resolved.stderr).toBe(0);
    expect(resolved.stdout).toContain('check: skipped: orphans counted: 0 left');
    const ledger = JSON.parse(
      readFileSync(path.join(s.project.dir, '.hotfix', 'purge-orphans.json'), 'utf8'),
    );
    expect(ledger.events.find((e: { type: string }) => e.type === 'resolved')).toMatchObject({
      reason: 'orphans counted: 0 left',
      details: { check: 'skipped: orphans counted: 0 left' },
    });
  });
});
