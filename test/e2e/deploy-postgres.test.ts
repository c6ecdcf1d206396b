// hotfix deploy on real PostgreSQL with the real Prisma 7 CLI: a failing hotfix (P3018, and
// nothing of it left: Prisma 7 applies the file as one), an unreachable database, Prisma's
// migration lock held elsewhere, and then a deploy that works. What deploy decides (other
// pending migrations, the lint gate, P3009, usage errors, what status then says) is tested
// in-process: test/commands/deploy.test.ts.
import pg from 'pg';
import { describe, expect, test } from 'vitest';
import { pgColumns, pgQuery } from '../support/db.js';
import { snapshot } from '../support/git.js';
import { ledgerEvents, runHotfix, startWithSql } from '../support/hotfix.js';
import { PROD_ENV, useTwoEnvProject } from '../support/scenario.js';

describe.sequential('hotfix deploy (PostgreSQL)', () => {
  const s = useTwoEnvProject({ provider: 'postgresql', prefix: 'deploy' }, async (s) => {
    await startWithSql(
      s,
      'email-index',
      'CREATE INDEX CONCURRENTLY "User_name_idx" ON "User"("name");\n',
      'DROP INDEX CONCURRENTLY IF EXISTS "User_name_idx";\n',
    );
  });

  describe.sequential('infrastructure failures: exit 4 and no false "done"', () => {
    test('unreachable database', async () => {
      const before = snapshot(s.project.dir);
      const r = await runHotfix(s.project.dir, ['deploy', 'email-index', '--env', 'production', '--yes'], {
        ...s.env,
        [PROD_ENV]: 'postgresql://postgres:pw-canary-1@127.0.0.1:1/nowhere',
      });
      expect(r.exitCode, r.stderr).toBe(4);
      expect(r.stderr).toContain(
        'Cannot connect to the production database (127.0.0.1:1/nowhere): no connection',
      );
      expect(r.stderr).not.toContain('pw-canary-1');
      expect(snapshot(s.project.dir)).toEqual(before);
    });

    test("Prisma's migration lock held by another session", async () => {
      const holder = new pg.Client({ connectionString: s.prodUrl });
      await holder.connect();
      const before = ledgerEvents(s, 'email-index');
      try {
        await holder.query('SELECT pg_advisory_lock(72707369)');
        const r = await runHotfix(
          s.project.dir,
          ['deploy', 'email-index', '--env', 'production', '--yes'],
          s.env,
        );
        expect(r.exitCode, r.stderr).toBe(4);
        expect(r.stderr).toContain('P1002');
        expect(r.stderr).toContain('nothing was applied');
        expect(r.stderr).toContain('nothing was recorded');
      } finally {
        await holder.end();
      }
      expect(await pgQuery(s.prodUrl, `SELECT 1 FROM pg_indexes WHERE indexname = 'User_name_idx'`)).toEqual(
        [],
      );
      // Nothing ran, so nothing was recorded: the ledger is as it was.
      expect(ledgerEvents(s, 'email-index')).toEqual(before);
    });

    test('after all that, a normal deploy works', async () => {
      const r = await runHotfix(
        s.project.dir,
        ['deploy', 'email-index', '--env', 'production', '--yes'],
        s.env,
      );
      expect(r.exitCode, r.stderr).toBe(0);
      expect(
        await pgQuery(s.prodUrl, `SELECT 1 AS one FROM pg_indexes WHERE indexname = 'User_name_idx'`),
      ).toEqual([{ one: 1 }]);
    });
  });

  test('a failing hotfix: exit 1 with P3018 and the database error; recorded as failed; first statement not left behind', async () => {
    await startWithSql(
      s,
      'bad-fix',
      'SET lock_timeout = \'5s\';\nSET statement_timeout = \'60s\';\nALTER TABLE "User" ADD COLUMN "flag" BOOLEAN;\nUPDATE "User" SET "nope" = 1 WHERE "id" < 0;\n',
      'ALTER TABLE "User" DROP COLUMN IF EXISTS "flag";\n',
    );
    const r = await runHotfix(s.project.dir, ['deploy', 'bad-fix', '--env', 'production', '--yes'], s.env);
    expect(r.exitCode, r.stderr).toBe(1);
    expect(r.stderr).toContain('P3018');
    expect(r.stderr).toContain('column "nope" of relation "User" does not exist');
    expect(await pgColumns(s.prodUrl, 'User')).not.toContain('flag');
    const last = ledgerEvents(s, 'bad-fix').at(-1);
    expect(last).toMatchObject({
      type: 'deployed',
      outcome: 'failed',
      env: { name: 'production' },
      details: { code: 'P3018', databaseCode: '42703' },
    });
  });
});
