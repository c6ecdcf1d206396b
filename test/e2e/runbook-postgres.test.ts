// The runbook carried by the tool, on real PostgreSQL and real git: start, deploy to staging,
// resolve production patched by hand, and finish merging into main and a develop that has moved
// on, with the version bump and tag. What the runbook decides at each step (the checklists
// ticked from the ledger, finish refused while production is unresolved, the merge-back guard,
// the report and the team messages, a rollback after finish) is tested in-process:
// test/commands/runbook.test.ts.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { pgQuery, prismaMigrations } from '../support/db.js';
import { git } from '../support/git.js';
import { ledgerEvents, runHotfix, startWithSql } from '../support/hotfix.js';
import { useTwoEnvProject } from '../support/scenario.js';

const NAME = 'post-author-index';
const SQL = 'CREATE INDEX "Post_authorId_idx" ON "Post"("authorId");\n';
const DOWN = 'DROP INDEX "Post_authorId_idx";\n';
const OLDER = '20250101000000_add_tag';
const SAME_TABLE = '20991231000000_post_subtitle';

describe.sequential('the runbook on PostgreSQL: start, deploy, resolve, finish', () => {
  let migration: string;
  let dir: string;
  const hotfix = (...args: string[]) => runHotfix(dir, args, s.env);

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

  test('start, deploy to staging, resolve production (patched by hand)', async () => {
    migration = await startWithSql(s, NAME, SQL, DOWN);
    const deployed = await hotfix('deploy', NAME, '--env', 'staging');
    expect(deployed.exitCode, deployed.stderr).toBe(0);
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
    for (const url of [s.stagingUrl, s.prodUrl])
      expect((await prismaMigrations(url)).find((m) => m.migration_name === migration)).toMatchObject({
        finished: true,
      });
    expect(git(dir, 'status', '--porcelain')).toBe('');
  });

  test('finish merges into main and develop, bumps 1.2.0 -> 1.2.1, tags v1.2.1, deletes the branch', async () => {
    // develop has moved on meanwhile: an older unapplied migration and one on the same table.
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
    const r = await hotfix('finish', NAME);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain('Finished hotfix');
    expect(git(dir, 'branch', '--list', `hotfix/${NAME}`)).toBe('');
    expect(git(dir, 'symbolic-ref', '--short', 'HEAD')).toBe('main');
    for (const b of ['main', 'develop'])
      expect(git(dir, 'ls-tree', '--name-only', `${b}:prisma/migrations`)).toContain(migration);
    expect(git(dir, 'ls-tree', '--name-only', 'develop:prisma/migrations')).toContain(SAME_TABLE);
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
  });
});
