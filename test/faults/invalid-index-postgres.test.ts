// A CREATE UNIQUE INDEX CONCURRENTLY that fails on duplicates leaves an INVALID index behind
// (real PostgreSQL, real Prisma CLI): deploy names it, verify --env flags it by name, resolve
// never takes it as proof of a hand-run fix, and rollback drops it.
import { describe, expect, test } from 'vitest';
import { pgQuery, prismaMigrations } from '../support/db.js';
import { runHotfix, startWithSql } from '../support/hotfix.js';
import { runVerify } from '../support/verify.js';
import { useTwoEnvProject } from '../support/scenario.js';

const DUPLICATES = `INSERT INTO "User" ("id", "email") VALUES (500, 'dup@example.com');
INSERT INTO "Post" ("title", "authorId") VALUES ('same', 500), ('same', 500)`;

async function invalidIndexes(url: string): Promise<string[]> {
  const rows = await pgQuery<{ name: string }>(
    url,
    `SELECT c.relname AS name FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE NOT i.indisvalid`,
  );
  return rows.map((r) => r.name);
}

describe.sequential('an INVALID index left by a failed CREATE INDEX CONCURRENTLY (PostgreSQL)', () => {
  let migration: string;

  const s = useTwoEnvProject({ provider: 'postgresql', prefix: 'invalid_idx' }, async (s) => {
    migration = await startWithSql(
      s,
      'title-unique',
      'CREATE UNIQUE INDEX CONCURRENTLY "Post_title_key" ON "Post"("title");\n',
      'DROP INDEX CONCURRENTLY IF EXISTS "Post_title_key";\n',
    );
    await pgQuery(s.stagingUrl, DUPLICATES);
    await pgQuery(s.prodUrl, DUPLICATES);
  });

  test('deploy fails on the duplicates and names the INVALID index it left', async () => {
    const r = await runHotfix(s.project.dir, ['deploy', 'title-unique', '--env', 'staging'], s.env);
    expect(r.exitCode, r.stdout + r.stderr).toBe(1);
    expect(r.stderr).toContain('23505');
    expect(r.stderr).toContain('Index "Post_title_key" on "Post" is INVALID on staging');
    expect(r.stderr).toContain('does not stop duplicates');
    expect(await invalidIndexes(s.stagingUrl)).toEqual(['Post_title_key']);
  });

  test('verify --env flags it by name, with the hotfix that undoes it', async () => {
    const r = await runVerify(s.project.dir, ['--env', 'staging'], s.env);
    expect(r.exitCode).toBe(1);
    expect(r.codes).toContain('error INVALID_INDEX staging');
    expect(r.findings.find((f) => f.code === 'INVALID_INDEX')).toMatchObject({
      hotfix: 'title-unique',
      migration,
      fix: expect.stringContaining('hotfix rollback title-unique --env staging'),
      details: { name: 'Post_title_key', table: 'Post', unique: true },
    });
  });

  test('a hand-run attempt that left it INVALID on production is no proof: resolve refuses', async () => {
    await pgQuery(s.prodUrl, 'CREATE UNIQUE INDEX CONCURRENTLY "Post_title_key" ON "Post"("title")').catch(
      () => undefined,
    );
    expect(await invalidIndexes(s.prodUrl)).toEqual(['Post_title_key']);
    const r = await runHotfix(
      s.project.dir,
      ['resolve', 'title-unique', '--env', 'production', '--yes'],
      s.env,
    );
    expect(r.exitCode, r.stdout + r.stderr).toBe(1);
    expect(r.stderr).toMatch(/Post_title_key[^\n]*(INVALID|not valid|invalid)/);
    expect((await prismaMigrations(s.prodUrl)).map((m) => m.migration_name)).not.toContain(migration);
  });

  test('rollback drops it and marks the migration rolled back', async () => {
    const r = await runHotfix(s.project.dir, ['rollback', 'title-unique', '--env', 'staging'], s.env);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(await invalidIndexes(s.stagingUrl)).toEqual([]);
    const row = (await prismaMigrations(s.stagingUrl)).find((m) => m.migration_name === migration);
    expect(row).toMatchObject({ rolled_back: true });
    const after = await runVerify(s.project.dir, ['--env', 'staging'], s.env);
    expect(after.codes).not.toContain('error INVALID_INDEX staging');
  });

  test('made by hand on production, where the migration never ran: verify names the DROP, which clears it', async () => {
    // Left by the hand-run attempt of the resolve case above.
    expect(await invalidIndexes(s.prodUrl)).toEqual(['Post_title_key']);
    const r = await runVerify(s.project.dir, ['--env', 'production'], s.env);
    const f = r.findings.find((x) => x.code === 'INVALID_INDEX');
    expect(f?.fix).toMatch(/^DROP INDEX CONCURRENTLY "public"\."Post_title_key"; \(made by hand/);
    expect(f?.fix).toContain('then hotfix deploy title-unique --env production');
    expect(f?.fix).not.toMatch(/^hotfix rollback/);
    // The command it names works: the index is gone, and verify no longer flags it.
    await pgQuery(s.prodUrl, (f?.fix ?? '').split(';')[0]!);
    expect(await invalidIndexes(s.prodUrl)).toEqual([]);
    const after = await runVerify(s.project.dir, ['--env', 'production'], s.env);
    expect(after.codes).not.toContain('error INVALID_INDEX production');
  });
});
