// hotfix rollback on real PostgreSQL with the real Prisma 7 CLI: a failed migration with
// nothing applied, one applied in part, one with a leftover down.sql does not remove, and an
// applied one rolled forward.
//
// Prisma 7 (and the schema-engine stand-in) sends a migration file as ONE query, so on
// PostgreSQL a failing migration leaves nothing. A part-applied one (what statement-by-statement
// runners leave) is produced by hand: the first statement is run with psql-like access, then
// `prisma migrate deploy` fails on it (the column exists) and records the migration as failed.
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { describe, expect, test } from 'vitest';
import { pgColumns, pgQuery, prismaMigrations, rowStates } from '../support/db.js';
import { git, snapshot } from '../support/git.js';
import { AS_IS, leaveIntent, ledgerEvents, runHotfix, startWithSql } from '../support/hotfix.js';
import { runPrisma } from '../support/prisma-project.js';
import { type TwoEnvProject, useTwoEnvProject } from '../support/scenario.js';

const TIMEOUTS = "SET lock_timeout = '5s';\nSET statement_timeout = '60s';\n";

function writeDown(s: TwoEnvProject, migration: string, down: string): void {
  writeFileSync(path.join(s.project.migrationsDir, migration, 'down.sql'), down);
  git(s.project.dir, 'commit', '-qam', `down.sql for ${migration}`);
}

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

  describe.sequential('a failed migration with nothing applied', () => {
    let migration: string;
    const bad = `${TIMEOUTS}ALTER TABLE "User" ADD COLUMN "flag" BOOLEAN;\nUPDATE "User" SET "nope" = 1 WHERE "id" < 0;\n`;

    test('deploy fails (P3018) and leaves nothing: Prisma 7 applies the file atomically', async () => {
      migration = await startWithSql(s, 'bad-fix', bad);
      // Without a down.sql on record: the rollback below must then say how to write one.
      const r = await runHotfix(
        s.project.dir,
        [
          'deploy',
          'bad-fix',
          '--env',
          'production',
          '--yes',
          '--no-rollback-plan',
          '--reason',
          'no way back yet',
        ],
        s.env,
      );
      expect(r.exitCode, r.stderr).toBe(1);
      expect(await pgColumns(s.prodUrl, 'User')).not.toContain('flag');
      expect(await rowsOf(s, migration)).toEqual(['failed']);
    });

    test('with down.sql still the template: exit 2, says how to write it, nothing changed', async () => {
      const before = snapshot(s.project.dir);
      const r = await runHotfix(
        s.project.dir,
        ['rollback', 'bad-fix', '--env', 'production', '--yes'],
        s.env,
      );
      expect(r.exitCode, r.stderr).toBe(2);
      expect(r.stderr).toContain('is still the template');
      expect(r.stderr).toContain('DROP COLUMN');
      expect(snapshot(s.project.dir)).toEqual(before);
      expect(await rowsOf(s, migration)).toEqual(['failed']);
    });

    test('--dry-run prints the plan and changes nothing', async () => {
      writeDown(s, migration, 'ALTER TABLE "User" DROP COLUMN "flag";\n');
      const before = snapshot(s.project.dir);
      const r = await runHotfix(
        s.project.dir,
        ['rollback', 'bad-fix', '--env', 'production', '--dry-run'],
        s.env,
      );
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stdout).toContain('Dry run');
      expect(r.stdout).toMatch(/absent\s+column "User"\."flag"/);
      expect(r.stdout).toMatch(/skip\s+1\. ALTER TABLE "User" DROP COLUMN "flag"/);
      expect(r.stdout).toContain('would mark it rolled back');
      expect(snapshot(s.project.dir)).toEqual(before);
      expect(await rowsOf(s, migration)).toEqual(['failed']);
    });

    test('an interrupted earlier rollback is reconciled; the migration is marked rolled back', async () => {
      // A rollback killed after its intent: the ledger ends with an unanswered intent.
      leaveIntent(s, 'bad-fix', { command: 'rollback', migration, details: { action: 'revert', run: [1] } });

      const r = await runHotfix(
        s.project.dir,
        ['rollback', 'bad-fix', '--env', 'production', '--yes', '--reason', 'UPDATE names a missing column'],
        s.env,
      );
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stdout).toContain(
        `an earlier rollback was interrupted; the database shows ${migration} still failed: recorded as not finished`,
      );
      expect(r.stdout).toContain('nothing of it was in the database');
      expect(r.stdout).toContain('Rollback checklist');
      expect(r.stdout).toContain('[x] Revert applied');
      expect(await rowsOf(s, migration)).toEqual(['rolled-back']);
      expect(events(s, 'bad-fix').slice(-4)).toEqual([
        'intent:pending',
        'rolled-back:skipped',
        'intent:pending',
        'rolled-back:ok',
      ]);
      expect(git(s.project.dir, 'status', '--porcelain')).toBe('');
      const status = await runHotfix(s.project.dir, ['status', 'bad-fix'], s.env);
      expect(status.stdout).toMatch(/production\s+rolled back/);
    });

    test('a second rollback is a no-op with exit 0', async () => {
      const before = snapshot(s.project.dir);
      const r = await runHotfix(
        s.project.dir,
        ['rollback', 'bad-fix', '--env', 'production', '--yes'],
        s.env,
      );
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stdout).toContain('already rolled back');
      expect(snapshot(s.project.dir)).toEqual(before);
    });

    test('a corrected hotfix, rehashed, then deploys', async () => {
      const folder = path.join(s.project.migrationsDir, migration);
      writeFileSync(
        path.join(folder, 'migration.sql'),
        `${TIMEOUTS}ALTER TABLE "User" ADD COLUMN "flag" BOOLEAN;\n`,
      );
      // The UPDATE is gone, and so is what verify.sql had to prove; the way back is written now.
      writeFileSync(path.join(folder, 'verify.sql'), '-- hotfix:verify\n-- No data change left to prove.\n');
      writeFileSync(path.join(folder, 'down.sql'), 'ALTER TABLE "User" DROP COLUMN "flag";\n');
      const rehash = await runHotfix(
        s.project.dir,
        ['rehash', 'bad-fix', '--reason', 'dropped the UPDATE of a column that does not exist'],
        s.env,
      );
      expect(rehash.exitCode, rehash.stderr).toBe(0);
      expect(git(s.project.dir, 'status', '--porcelain')).toBe('');
      const r = await runHotfix(s.project.dir, ['deploy', 'bad-fix', '--env', 'production', '--yes'], s.env);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(await pgColumns(s.prodUrl, 'User')).toContain('flag');
      expect(await rowsOf(s, migration)).toEqual(['rolled-back', 'applied']);
    });
  });

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

    test('a leftover down.sql cannot remove: refused, named, nothing changed; --manual after a hand fix', async () => {
      const migration = await startWithSql(
        s,
        'legacy',
        `${TIMEOUTS}ALTER TABLE "User" ADD COLUMN "legacy" TEXT;\nCREATE INDEX "User_legacy_idx" ON "User"("legacy");\n`,
        'DROP INDEX IF EXISTS "User_legacy_idx";\n',
        AS_IS,
      );
      await failAfterFirstStatement(s, 'ALTER TABLE "User" ADD COLUMN "legacy" TEXT');
      const before = snapshot(s.project.dir);
      const r = await runHotfix(s.project.dir, ['rollback', 'legacy', '--env', 'production', '--yes'], s.env);
      expect(r.exitCode, r.stderr).toBe(1);
      expect(r.stderr).toContain('column "User"."legacy" (added by statement 3 of migration.sql)');
      expect(r.stderr).toContain('ALTER TABLE "User" DROP COLUMN "legacy";');
      expect(r.stderr).toContain('Nothing was run or marked');
      expect(snapshot(s.project.dir)).toEqual(before);
      expect(await pgColumns(s.prodUrl, 'User')).toContain('legacy');
      expect(await rowsOf(s, migration)).toEqual(['failed']);

      // --manual only checks: still there, so still refused.
      const manual = await runHotfix(
        s.project.dir,
        ['rollback', 'legacy', '--env', 'production', '--yes', '--manual'],
        s.env,
      );
      expect(manual.exitCode, manual.stderr).toBe(1);
      expect(manual.stderr).toContain('is not reverted');
      await pgQuery(s.prodUrl, 'ALTER TABLE "User" DROP COLUMN "legacy"');
      const after = await runHotfix(
        s.project.dir,
        ['rollback', 'legacy', '--env', 'production', '--yes', '--manual', '--reason', 'dropped by hand'],
        s.env,
      );
      expect(after.exitCode, after.stderr).toBe(0);
      expect(after.stdout).toContain('the manual revert checked');
      expect(await rowsOf(s, migration)).toEqual(['rolled-back']);
    });
  });

  describe.sequential('an applied migration: roll forward', () => {
    let migration: string;
    test('missing down.sql: exit 2, nothing changed', async () => {
      migration = await startWithSql(
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
      const down = path.join(s.project.migrationsDir, migration, 'down.sql');
      rmSync(down);
      const before = snapshot(s.project.dir);
      const r = await runHotfix(
        s.project.dir,
        ['rollback', 'add-score', '--env', 'production', '--yes'],
        s.env,
      );
      expect(r.exitCode, r.stderr).toBe(2);
      expect(r.stderr).toContain('down.sql does not exist');
      expect(snapshot(s.project.dir)).toEqual(before);
      git(s.project.dir, 'checkout', '--', down);
    });

    test('--dry-run shows the revert migration; the lint gate asks for --accept-risk', async () => {
      const before = snapshot(s.project.dir);
      const dry = await runHotfix(
        s.project.dir,
        ['rollback', 'add-score', '--env', 'production', '--dry-run'],
        s.env,
      );
      expect(dry.exitCode, dry.stderr).toBe(0);
      expect(dry.stdout).toMatch(/Would create \d{14}_revert_add_score/);
      expect(dry.stdout).toContain(`-- hotfix:revert-of ${migration}`);
      expect(dry.stdout).toContain("SET lock_timeout = '5s';");
      expect(dry.stdout).toContain('ALTER TABLE "User" DROP COLUMN "score";');
      const gated = await runHotfix(
        s.project.dir,
        ['rollback', 'add-score', '--env', 'production', '--yes'],
        s.env,
      );
      expect(gated.exitCode, gated.stderr).toBe(1);
      expect(gated.stderr).toContain('drop-column');
      expect(snapshot(s.project.dir)).toEqual(before);
      expect(await pgColumns(s.prodUrl, 'User')).toContain('score');
    });

    test('creates, commits and applies the revert; both rows stay; status says rolled forward', async () => {
      const r = await runHotfix(
        s.project.dir,
        [
          'rollback',
          'add-score',
          '--env',
          'production',
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
      const status = await runHotfix(s.project.dir, ['status', 'add-score'], s.env);
      expect(status.stdout).toMatch(/production\s+rolled forward/);
    });

    test('a second rollback is a no-op with exit 0', async () => {
      const before = snapshot(s.project.dir);
      const r = await runHotfix(
        s.project.dir,
        ['rollback', 'add-score', '--env', 'production', '--yes'],
        s.env,
      );
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stdout).toContain('already rolled forward');
      expect(snapshot(s.project.dir)).toEqual(before);
    });

    test('never applied there (staging): nothing to undo, exit 0', async () => {
      const r = await runHotfix(s.project.dir, ['rollback', 'add-score', '--env', 'staging'], s.env);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stdout).toContain('never applied to staging');
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
          ['rollback', 'add-karma', '--env', 'staging', '--lock-timeout', '1s'],
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
          ['rollback', 'add-karma', '--env', 'staging', '--lock-timeout', '1s'],
          s.env,
        );
        expect(still.exitCode, still.stderr).toBe(4);
        expect(still.stderr).toContain('Its transaction was rolled back');
      } finally {
        await reader.end();
      }
      const r = await runHotfix(
        s.project.dir,
        ['rollback', 'add-karma', '--env', 'staging', '--json'],
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
