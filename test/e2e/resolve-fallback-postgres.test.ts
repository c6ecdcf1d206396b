// Production users often may not CREATE DATABASE, so Prisma cannot make the shadow database its
// diff needs. resolve then falls back to its own catalog check, and says which check ran.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { pgQuery, prismaMigrations, TEST_DATABASE_URL } from '../support/db.js';
import { runHotfix } from '../support/hotfix.js';
import { createTwoEnvProject, PROD_ENV, type TwoEnvProject } from '../support/scenario.js';

describe.sequential('resolve without the right to create a shadow database (PostgreSQL)', () => {
  let s: TwoEnvProject;
  const role = `hotfix_nocreatedb_${randomBytes(3).toString('hex')}`;
  let limitedUrl: string;

  beforeAll(async () => {
    s = await createTwoEnvProject({ provider: 'postgresql', prefix: 'fallback' });
    await pgQuery(TEST_DATABASE_URL, `CREATE ROLE ${role} LOGIN NOCREATEDB`);
    await pgQuery(
      s.prodUrl,
      `GRANT ALL ON SCHEMA public TO ${role}; GRANT ALL ON ALL TABLES IN SCHEMA public TO ${role}`,
    );
    const url = new URL(s.prodUrl);
    url.username = role;
    limitedUrl = url.toString();
  });
  afterAll(async () => {
    await s?.cleanup();
    await pgQuery(TEST_DATABASE_URL, `DROP ROLE IF EXISTS ${role}`);
  });

  test('the catalog check confirms a hand-made index; a missing one is named', async () => {
    const sql = path.join(s.project.dir, '..', 'fix.sql');
    writeFileSync(sql, 'CREATE INDEX CONCURRENTLY "Post_authorId_idx" ON "Post"("authorId");\n');
    expect((await runHotfix(s.project.dir, ['start', 'author-index', '--sql', sql], s.env)).exitCode).toBe(0);
    const env = { ...s.env, [PROD_ENV]: limitedUrl };

    const missing = await runHotfix(
      s.project.dir,
      ['resolve', 'author-index', '--env', 'production', '--yes'],
      env,
    );
    expect(missing.exitCode, missing.stderr).toBe(1);
    expect(missing.stderr).toContain('catalog check; prisma migrate diff could not run');
    expect(missing.stderr).toMatch(/no index "?Post_authorId_idx"?/);

    await pgQuery(s.prodUrl, 'CREATE INDEX "Post_authorId_idx" ON "Post"("authorId")');
    const ok = await runHotfix(
      s.project.dir,
      ['resolve', 'author-index', '--env', 'production', '--yes'],
      env,
    );
    expect(ok.exitCode, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(
      /check: catalog check \(prisma migrate diff could not run[^\n]*index "?Post_authorId_idx"? present/,
    );
    expect((await prismaMigrations(s.prodUrl)).at(-1)).toMatchObject({
      finished: true,
      applied_steps_count: 0,
    });
  });
});
