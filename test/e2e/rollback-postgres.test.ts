// hotfix rollback on real PostgreSQL with the real Prisma 7 CLI: a failed migration applied in
// part (the catalog read, down.sql run only where its object is there, the row marked rolled
// back by prisma), an applied one rolled forward, and a revert that meets a busy table. What
// rollback decides (refusals, dry runs, no-ops, reconciling an interrupted run, where a revert
// goes) is tested in-process: test/commands/rollback.test.ts.
//
// Prisma 7 (and the schema-engine stand-in) sends a migration file as ONE query, so on
// PostgreSQL a failing migration leaves nothing. A part-applied one (what statement-by-statement
// runners leave) is produced by hand: the first statement is run with psql-like access, then
// `prisma migrate deploy` fails on it (the column exists) and records the migration as failed.
import pg from 'pg';
import { describe, expect, test } from 'vitest';
import { pgColumns, pgQuery, prismaMigrations, rowStates } from '../support/db.js';
import { git } from '../support/git.js';
import { AS_IS, ledgerEvents, runHotfix, startWithSql } from '../support/hotfix.js';
import { runPrisma } from '../support/prisma-project.js';
import { type TwoEnvProject, useTwoEnvProject } from '../support/scenario.js';

const TIMEOUTS = "SET lock_timeout = '5s';\nSET statement_timeout = '60s';\n";

const events = (s: TwoEnvProject, name: string) => ledgerEvents(s, name).map((e) => `${e.type}:${e.outcome}`);

const rowsOf = (s: TwoEnvProject, migration: string) => rowStates(s.prodUrl, migration);

/** Runs the first statement by hand, then lets prisma migrate deploy fail on it. */
async function failAfterFirstStatement(s: TwoEnvProject, first: string): Promise<void> {
  await pgQuery(s.prodUrl, first);
  const r = await runPrisma(s.project, ['migrate', 'deploy'], { env: { DATABASE_URL: s.prodUrl } });
  expect(r.exitCode, r.all).not.toBe(0);
  expect(r.all).toContain('P3018');
}

describe('hotfix rollback (PostgreSQL)', () => {
  const s = useTwoEnvProject({ provider: 'postgresql', prefix: 'rollback' });

  describe.sequential('a failed migration applied in part', () => {
    test('rollback removes what is there (only that), checks, and marks it rolled back', async () => {
      const migration = await startWithSql(
        s,
        'nickname',
        `${TIMEOUTS}ALTER TABLE "User" ADD COLUMN "nickname" TEXT;\nCREATE INDEX "User_nickname_idx" ON "User"("nickname");\n`,
        'DROP INDEX "User_nickname_idx";\nALTER TABLE "User" DROP COLUMN "nickname";\n',
        AS_IS, // one migration that fails part way: what statement-by-statement runners leave
      );
      await failAfterFirstStatement(s, 'ALTER TABLE "User" ADD COLUMN "nickname" TEXT');
      expect(await rowsOf(s, migration)).toEqual(['failed']);

      const r = await runHotfix(
        s.project.dir,
        ['rollback', 'nickname', '--env', 'production', '--yes', '--json'],
        s.env,
      );
      expect(r.exitCode, r.stderr).toBe(0);
      const doc = JSON.parse(r.stdout);
      expect(doc).toMatchObject({ ok: true, found: 'failed', action: 'revert' });
      expect(doc.parts).toEqual([
        { object: 'column "User"."nickname"', change: 'adds', statement: 3, present: true },
        { object: 'index "User_nickname_idx"', change: 'adds', statement: 4, present: false },
      ]);
      expect(doc.steps.map((st: { run: boolean }) => st.run)).toEqual([false, true]);
      expect(doc.timeouts).toEqual({ lockTimeout: '5s', statementTimeout: '60s' });
      expect(await pgColumns(s.prodUrl, 'User')).not.toContain('nickname');
      expect(await rowsOf(s, migration)).toEqual(['rolled-back']);
    });
  });

  describe('an applied migration: roll forward', () => {
    test('creates, commits and applies the revert; both rows stay', async () => {
      const migration = await startWithSql(
        s,
        'add-score',
        `${TIMEOUTS}ALTER TABLE "User" ADD COLUMN "score" INTEGER;\n`,
        'ALTER TABLE "User" DROP COLUMN "score";\n',
      );
      const d = await runHotfix(
        s.project.dir,
        ['deploy', 'add-score', '--env', 'production', '--yes'],
        s.env,
      );
      expect(d.exitCode, d.stderr).toBe(0);
      expect(await pgColumns(s.prodUrl, 'User')).toContain('score');
      const r = await runHotfix(
        s.project.dir,
        [
          'rollback',
          'add-score',
          '--env',
          'production',
          '--everywhere',
          '--yes',
          '--accept-risk',
          '--reason',
          'score breaks the leaderboard',
        ],
        s.env,
      );
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stdout).toContain('applied; both stay in _prisma_migrations');
      expect(await pgColumns(s.prodUrl, 'User')).not.toContain('score');
      const rows = await prismaMigrations(s.prodUrl);
      const revert = rows.at(-1)!.migration_name;
      expect(revert).toMatch(/^\d{14}_revert_add_score$/);
      expect(
        rows.filter((m) => [migration, revert].includes(m.migration_name)).map((m) => m.finished),
      ).toEqual([true, true]);
      // Committed on the hotfix branch, with the ledger.
      expect(git(s.project.dir, 'branch', '--show-current')).toBe('hotfix/add-score');
      expect(git(s.project.dir, 'log', '--name-only', '--format=', '-2')).toContain(
        `prisma/migrations/${revert}/migration.sql`,
      );
      expect(git(s.project.dir, 'status', '--porcelain')).toBe('');
      expect(events(s, 'add-score').slice(-2)).toEqual(['intent:pending', 'rolled-forward:ok']);
    });
  });

  describe.sequential('a revert that fails on a busy table', () => {
    test('the revert migration fails on lock_timeout; the next run finishes it and marks it applied', async () => {
      const migration = await startWithSql(
        s,
        'add-karma',
        `${TIMEOUTS}ALTER TABLE "User" ADD COLUMN "karma" INTEGER;\n`,
        'ALTER TABLE "User" DROP COLUMN "karma";\n',
      );
      const d = await runHotfix(s.project.dir, ['deploy', 'add-karma', '--env', 'staging'], s.env);
      expect(d.exitCode, d.stderr).toBe(0);
      // A long transaction reading "User": DROP COLUMN waits for it, then gives up (lock_timeout).
      const reader = new pg.Client({ connectionString: s.stagingUrl });
      await reader.connect();
      let revert: string;
      try {
        await reader.query('BEGIN; LOCK TABLE "User" IN ACCESS SHARE MODE');
        const busy = await runHotfix(
          s.project.dir,
          ['rollback', 'add-karma', '--env', 'staging', '--everywhere', '--lock-timeout', '1s'],
          s.env,
        );
        expect(busy.exitCode, busy.stderr).toBe(1);
        expect(busy.stderr).toContain('55P03');
        expect(busy.stderr).toContain('run the same hotfix rollback again');
        const rows = await prismaMigrations(s.stagingUrl);
        revert = rows.at(-1)!.migration_name;
        expect(revert).toMatch(/_revert_add_karma$/);
        expect(rows.at(-1)).toMatchObject({ finished: false, rolled_back: false });

        // Still busy: the revert's own statements time out in their transaction (exit 4), nothing changes.
        const still = await runHotfix(
          s.project.dir,
          ['rollback', 'add-karma', '--env', 'staging', '--everywhere', '--lock-timeout', '1s'],
          s.env,
        );
        expect(still.exitCode, still.stderr).toBe(4);
        expect(still.stderr).toContain('Its transaction was rolled back');
      } finally {
        await reader.end();
      }
      const r = await runHotfix(
        s.project.dir,
        ['rollback', 'add-karma', '--env', 'staging', '--everywhere', '--json'],
        s.env,
      );
      expect(r.exitCode, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ found: 'revert-failed', action: 'finish-revert' });
      expect(await pgColumns(s.stagingUrl, 'User')).not.toContain('karma');
      // Prisma's resolve --applied keeps the failed attempt (now rolled back) and adds a finished row.
      const rows = (await prismaMigrations(s.stagingUrl)).filter((m) =>
        [migration, revert].includes(m.migration_name),
      );
      expect(rows.map((m) => [m.migration_name, m.finished, m.rolled_back])).toEqual([
        [migration, true, false],
        [revert, false, true],
        [revert, true, false],
      ]);
      expect(events(s, 'add-karma').slice(-3)).toEqual([
        'rolled-forward:failed',
        'intent:pending',
        'rolled-forward:ok',
      ]);
    });
  });
});
