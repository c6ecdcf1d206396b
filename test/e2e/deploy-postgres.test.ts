// hotfix deploy on real PostgreSQL with the real Prisma 7 CLI: pending migrations of others,
// a failing hotfix, an unreachable database and Prisma's migration lock held elsewhere.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createPgDatabase, pgColumns, pgQuery, prismaMigrations, type PgDatabase } from '../support/db.js';
import { git, initRepo, snapshot } from '../support/git.js';
import { AS_IS, ledgerEvents, runHotfix, startWithSql } from '../support/hotfix.js';
import { createPrismaProject, prismaEnv, runPrisma, type PrismaProject } from '../support/prisma-project.js';

interface Setup {
  db: PgDatabase;
  project: PrismaProject;
  env: Record<string, string>;
}

async function setup(prefix: string): Promise<Setup> {
  const db = await createPgDatabase(prefix);
  const project = await createPrismaProject({ provider: 'postgresql', databaseUrl: db.url });
  initRepo(project.dir);
  const env = { ...prismaEnv(project), DATABASE_URL: db.url };
  const r = await runPrisma(project, ['migrate', 'deploy']);
  expect(r.exitCode, r.all).toBe(0);
  return { db, project, env };
}

describe('hotfix deploy (PostgreSQL)', () => {
  const setups: Setup[] = [];
  afterAll(async () => {
    for (const s of setups) {
      await s.project.cleanup();
      await s.db.drop();
    }
  });

  describe.sequential('another pending migration', () => {
    let s: Setup;
    let migration: string;
    beforeAll(async () => {
      s = await setup('deploy_pending');
      setups.push(s);
      // A teammate's migration, merged to main but not deployed yet.
      await s.project.addMigration(
        '20250101000000_add_nickname',
        'ALTER TABLE "User" ADD COLUMN "nickname" TEXT;\n',
      );
      git(s.project.dir, 'add', '-A');
      git(s.project.dir, 'commit', '-qm', 'add nickname');
      // As written (start would make it CONCURRENTLY): the deploy gate is what this tests.
      migration = await startWithSql(
        s,
        'title-index',
        'CREATE INDEX "Post_title_idx" ON "Post"("title");\n',
        'DROP INDEX "Post_title_idx";\n',
        AS_IS,
      );
    });

    test('is refused with exit 2, naming it; nothing applied or recorded', async () => {
      const before = snapshot(s.project.dir);
      const r = await runHotfix(
        s.project.dir,
        ['deploy', 'title-index', '--env', 'production', '--yes'],
        s.env,
      );
      expect(r.exitCode, r.stderr).toBe(2);
      expect(r.stderr).toContain('20250101000000_add_nickname');
      expect(r.stderr).toContain('--include-pending');
      expect((await prismaMigrations(s.db.url)).map((m) => m.migration_name)).toEqual([
        '20240101000000_init',
      ]);
      expect(snapshot(s.project.dir)).toEqual(before);
    });

    test('an index built without CONCURRENTLY is blocked on protected production (exit 1), nothing applied', async () => {
      const before = snapshot(s.project.dir);
      const r = await runHotfix(
        s.project.dir,
        ['deploy', 'title-index', '--env', 'production', '--yes', '--include-pending'],
        s.env,
      );
      expect(r.exitCode, r.stderr).toBe(1);
      expect(r.stderr).toContain('create-index-non-concurrently');
      expect(r.stderr).toContain('--accept-risk --reason');
      expect((await prismaMigrations(s.db.url)).map((m) => m.migration_name)).toEqual([
        '20240101000000_init',
      ]);
      expect(snapshot(s.project.dir)).toEqual(before);
      const noReason = await runHotfix(
        s.project.dir,
        ['deploy', 'title-index', '--env', 'production', '--yes', '--accept-risk'],
        s.env,
      );
      expect(noReason.exitCode).toBe(2);
      expect(noReason.stderr).toContain('--accept-risk needs --reason');
    });

    test('with --include-pending and the risk accepted on record, both apply and the hotfix is recorded as deployed', async () => {
      const r = await runHotfix(
        s.project.dir,
        [
          'deploy',
          'title-index',
          '--env',
          'production',
          '--yes',
          '--include-pending',
          '--accept-risk',
          '--reason',
          'Post is small, the lock lasts ms',
        ],
        s.env,
      );
      expect(r.exitCode, r.stderr).toBe(0);
      const intent = ledgerEvents(s, 'title-index').find((e: { type: string }) => e.type === 'intent');
      expect(intent).toMatchObject({
        reason: 'Post is small, the lock lasts ms',
        details: { acceptedRisk: expect.arrayContaining(['create-index-non-concurrently']) },
      });
      const rows = await prismaMigrations(s.db.url);
      expect(rows.map((m) => [m.migration_name, m.finished])).toEqual([
        ['20240101000000_init', true],
        ['20250101000000_add_nickname', true],
        [migration, true],
      ]);
      expect(await pgColumns(s.db.url, 'User')).toContain('nickname');
      const events = ledgerEvents(s, 'title-index').map(
        (e: { type: string; outcome: string }) => `${e.type}:${e.outcome}`,
      );
      expect(events.slice(-2)).toEqual(['intent:pending', 'deployed:ok']);
      expect(git(s.project.dir, 'status', '--porcelain')).toBe('');
    });
  });

  describe.sequential('a failing hotfix', () => {
    let s: Setup;
    beforeAll(async () => {
      s = await setup('deploy_failing');
      setups.push(s);
      await startWithSql(
        s,
        'bad-fix',
        'SET lock_timeout = \'5s\';\nSET statement_timeout = \'60s\';\nALTER TABLE "User" ADD COLUMN "flag" BOOLEAN;\nUPDATE "User" SET "nope" = 1 WHERE "id" < 0;\n',
        'ALTER TABLE "User" DROP COLUMN IF EXISTS "flag";\n',
      );
    });

    test('exit 1 with P3018 and the database error; recorded as failed; first statement not left behind', async () => {
      const r = await runHotfix(s.project.dir, ['deploy', 'bad-fix', '--env', 'production', '--yes'], s.env);
      expect(r.exitCode, r.stderr).toBe(1);
      expect(r.stderr).toContain('P3018');
      expect(r.stderr).toContain('column "nope" of relation "User" does not exist');
      expect(await pgColumns(s.db.url, 'User')).not.toContain('flag');
      const last = ledgerEvents(s, 'bad-fix').at(-1);
      expect(last).toMatchObject({
        type: 'deployed',
        outcome: 'failed',
        env: { name: 'production' },
        details: { code: 'P3018', databaseCode: '42703' },
      });
      const status = await runHotfix(s.project.dir, ['status', 'bad-fix'], s.env);
      expect(status.stdout).toMatch(/production\s+FAILED P3018/);
    });

    test('a second deploy is refused while the migration is failed (P3009), pointing to rollback', async () => {
      const r = await runHotfix(s.project.dir, ['deploy', 'bad-fix', '--env', 'production', '--yes'], s.env);
      expect(r.exitCode, r.stderr).toBe(2);
      expect(r.stderr).toContain('P3009');
      expect(r.stderr).toContain('hotfix rollback bad-fix --env production');
    });
  });

  describe.sequential('infrastructure failures: exit 4 and no false "done"', () => {
    let s: Setup;
    beforeAll(async () => {
      s = await setup('deploy_infra');
      setups.push(s);
      await startWithSql(
        s,
        'email-index',
        'CREATE INDEX CONCURRENTLY "User_name_idx" ON "User"("name");\n',
        'DROP INDEX CONCURRENTLY IF EXISTS "User_name_idx";\n',
      );
    });

    test('unreachable database', async () => {
      const before = snapshot(s.project.dir);
      const r = await runHotfix(s.project.dir, ['deploy', 'email-index', '--env', 'production', '--yes'], {
        ...s.env,
        DATABASE_URL: 'postgresql://postgres:pw-canary-1@127.0.0.1:1/nowhere',
      });
      expect(r.exitCode, r.stderr).toBe(4);
      expect(r.stderr).toContain(
        'Cannot connect to the production database (127.0.0.1:1/nowhere): no connection',
      );
      expect(r.stderr).not.toContain('pw-canary-1');
      expect(snapshot(s.project.dir)).toEqual(before);
    });

    test("Prisma's migration lock held by another session", async () => {
      const holder = new pg.Client({ connectionString: s.db.url });
      await holder.connect();
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
      } finally {
        await holder.end();
      }
      expect(await pgQuery(s.db.url, `SELECT 1 FROM pg_indexes WHERE indexname = 'User_name_idx'`)).toEqual(
        [],
      );
      const events = ledgerEvents(s, 'email-index');
      expect(events.at(-1)).toMatchObject({
        type: 'deployed',
        outcome: 'skipped',
        details: { code: 'P1002' },
      });
      expect(
        events.some((e: { type: string; outcome: string }) => e.type === 'deployed' && e.outcome === 'ok'),
      ).toBe(false);
      const status = await runHotfix(s.project.dir, ['status', 'email-index', '--json'], s.env);
      expect(JSON.parse(status.stdout).hotfixes[0].envs).toEqual([]);
    });

    test('missing and malformed URLs are usage errors (exit 2) that never echo the value', async () => {
      const missing = await runHotfix(
        s.project.dir,
        ['deploy', 'email-index', '--env', 'production', '--yes'],
        { ...s.env, DATABASE_URL: '' },
      );
      expect(missing.exitCode).toBe(2);
      expect(missing.stderr).toContain('$DATABASE_URL, which is not set');
      const malformed = await runHotfix(
        s.project.dir,
        ['deploy', 'email-index', '--env', 'production', '--yes'],
        {
          ...s.env,
          DATABASE_URL: 'postgresql://u:pw-canary-2@/',
        },
      );
      expect(malformed.exitCode).toBe(2);
      expect(malformed.stderr).toContain('not a usable database URL');
      expect(malformed.stderr + malformed.stdout).not.toContain('pw-canary-2');
      const unknown = await runHotfix(
        s.project.dir,
        ['deploy', 'email-index', '--env', 'qa', '--yes'],
        s.env,
      );
      expect(unknown.exitCode).toBe(2);
      expect(unknown.stderr).toContain('Unknown environment "qa"');
    });

    test('after all that, a normal deploy works', async () => {
      const r = await runHotfix(
        s.project.dir,
        ['deploy', 'email-index', '--env', 'production', '--yes'],
        s.env,
      );
      expect(r.exitCode, r.stderr).toBe(0);
      expect(
        await pgQuery(s.db.url, `SELECT 1 AS one FROM pg_indexes WHERE indexname = 'User_name_idx'`),
      ).toEqual([{ one: 1 }]);
    });
  });
});
