// The same resolve/deploy flow on SQLite files with the real Prisma 7 CLI.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { prismaMigrations, sqliteQuery } from '../support/db.js';
import { git } from '../support/git.js';
import { runHotfix } from '../support/hotfix.js';
import { addPostAuthorIndex, useTwoEnvProject } from '../support/scenario.js';

const INDEX = 'Post_authorId_idx';

describe.sequential('Prisma guide on SQLite: resolve production, deploy staging', () => {
  let migration: string;
  const indexCount = async (url: string) =>
    (await sqliteQuery(url, `SELECT name FROM sqlite_master WHERE type = 'index' AND name = ?`, [INDEX]))
      .length;

  const s = useTwoEnvProject({ provider: 'sqlite', prefix: 'guide_sqlite' });

  test('patch production by hand, edit the schema, start --from-schema', async () => {
    await sqliteQuery(s.prodUrl, `CREATE INDEX "${INDEX}" ON "Post"("authorId")`);
    addPostAuthorIndex(s.project.schemaPath);
    const r = await runHotfix(
      s.project.dir,
      ['start', 'post-author-index', '--from-schema', '--json'],
      s.env,
    );
    expect(r.exitCode, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    migration = doc.migration.name;
    expect(readFileSync(path.join(s.project.dir, doc.migration.sqlPath), 'utf8')).toContain(
      `CREATE INDEX "${INDEX}"`,
    );
    expect(readFileSync(path.join(s.project.dir, doc.migration.downPath), 'utf8')).toContain(
      `DROP INDEX "${INDEX}"`,
    );
  });

  test('resolve on unpatched staging is refused; on production it marks applied without running', async () => {
    const refused = await runHotfix(
      s.project.dir,
      ['resolve', 'post-author-index', '--env', 'staging'],
      s.env,
    );
    expect(refused.exitCode, refused.stderr).toBe(1);
    expect(refused.stderr).toContain(`CREATE INDEX "${INDEX}"`);
    expect(await prismaMigrations(s.stagingUrl)).toHaveLength(1);

    const r = await runHotfix(
      s.project.dir,
      ['resolve', 'post-author-index', '--env', 'production', '--yes'],
      s.env,
    );
    expect(r.exitCode, r.stderr).toBe(0);
    expect(await indexCount(s.prodUrl)).toBe(1);
    expect((await prismaMigrations(s.prodUrl)).find((m) => m.migration_name === migration)).toMatchObject({
      finished: true,
      rolled_back: false,
      applied_steps_count: 0,
    });
  });

  test('deploy to staging runs it; status shows both', async () => {
    const r = await runHotfix(s.project.dir, ['deploy', 'post-author-index', '--env', 'staging'], s.env);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(await indexCount(s.stagingUrl)).toBe(1);
    expect((await prismaMigrations(s.stagingUrl)).find((m) => m.migration_name === migration)).toMatchObject({
      finished: true,
    });
    const status = await runHotfix(s.project.dir, ['status', '--json'], s.env);
    expect(
      JSON.parse(status.stdout).hotfixes[0].envs.map(
        (e: { name: string; state: string }) => `${e.name}:${e.state}`,
      ),
    ).toEqual(['production:resolved', 'staging:deployed']);
    expect(git(s.project.dir, 'status', '--porcelain')).toBe('');
  });
});
