// Production data stays in production: a verify.sql that finds rows reports how many and their
// primary keys, never their values, in every place a result goes (terminal text, --json, GitHub
// annotations, the job summary, the report, the ledger, git). --show-rows shows the values at a
// terminal only. Real PostgreSQL, the real Prisma 7 CLI, real git.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { pgQuery } from '../support/db.js';
import { git } from '../support/git.js';
import { ledgerEvents, runHotfix, startWithSql } from '../support/hotfix.js';
import { addCommentsTable, useTwoEnvProject } from '../support/scenario.js';
import { atTerminal } from '../support/terminal.js';

const CANARY = 'CANARY-ROW-b1d9';
const FIX = 'DELETE FROM "Comment" WHERE "postId" NOT IN (SELECT "id" FROM "Post");\n';
// Claims the comments of post 1 are gone, which the fix never does: it finds the canary row.
const VERIFY = 'SELECT * FROM "Comment" WHERE "postId" = 1;\n';

describe.sequential('row values never leave the database (PostgreSQL)', () => {
  let migration: string;
  const outputs: string[] = [];
  const run = async (args: string[], env: Record<string, string> = {}) => {
    const r = await runHotfix(s.project.dir, args, { ...s.env, ...env });
    outputs.push(r.stdout, r.stderr);
    return r;
  };

  const s = useTwoEnvProject({ provider: 'postgresql', prefix: 'row_values' }, async (s) => {
    await addCommentsTable(s, [s.stagingUrl, s.prodUrl]);
    for (const url of [s.stagingUrl, s.prodUrl]) {
      await pgQuery(
        url,
        `INSERT INTO "User" ("id", "email") VALUES (1, 'a@x');
         INSERT INTO "Post" ("id", "title", "authorId") VALUES (1, 'kept', 1);
         INSERT INTO "Comment" ("id", "postId", "body") VALUES (4, 1, '${CANARY}'), (5, 1, '${CANARY}'), (6, 9, 'orphan')`,
      );
    }
    migration = await startWithSql(s, 'fix-orphans', FIX, 'SELECT 1;\n');
    writeFileSync(path.join(s.project.migrationsDir, migration, 'verify.sql'), VERIFY);
    git(s.project.dir, 'commit', '-qam', 'verify.sql');
    await runHotfix(s.project.dir, ['rehash', 'fix-orphans', '--reason', 'verify.sql written'], s.env);
  });

  test('deploy: exit 1 with the count and the keys; the ledger records no value', async () => {
    const r = await run(['deploy', 'fix-orphans', '--env', 'staging']);
    expect(r.exitCode, r.stderr).toBe(1);
    expect(r.stderr).toContain('VERIFY_SQL_FAILED');
    expect(r.stderr).toContain('2 rows; id: 4, 5');
    expect(r.stderr).toContain('--show-rows');
    const json = await run(['deploy', 'fix-orphans', '--env', 'staging', '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: true, alreadyApplied: true });
    const verified = ledgerEvents(s, 'fix-orphans').find((e) => e.type === 'verified');
    expect(verified).toMatchObject({
      outcome: 'failed',
      details: {
        failing: [{ query: VERIFY.trim().replace(/;$/, ''), rows: 2, keyColumns: ['id'], keys: ['4', '5'] }],
      },
    });
  });

  test('verify --env: text, --json, GitHub annotations and the job summary carry counts and keys only', async () => {
    const text = await run(['verify', '--env', 'staging']);
    expect(text.exitCode).toBe(1);
    expect(text.stdout).toContain('2 rows; id: 4, 5');
    const json = await run(['verify', '--env', 'staging', '--json']);
    const doc = JSON.parse(json.stdout);
    const failed = doc.findings.find((f: { code: string }) => f.code === 'VERIFY_SQL_FAILED');
    expect(failed.details.failing[0]).toMatchObject({ rows: 2, keys: ['4', '5'] });
    const dir = mkdtempSync(path.join(os.tmpdir(), 'hotfix-summary-'));
    const summary = path.join(dir, 'summary.md');
    writeFileSync(summary, '');
    const gh = await run(['verify', '--env', 'staging', '--format', 'github'], {
      GITHUB_STEP_SUMMARY: summary,
    });
    expect(gh.exitCode).toBe(1);
    expect(gh.stdout).toContain('::error');
    outputs.push(readFileSync(summary, 'utf8'));
    expect(readFileSync(summary, 'utf8')).toContain('VERIFY_SQL_FAILED');
    rmSync(dir, { recursive: true, force: true });
  });

  test('resolve on production, patched by hand: refused with counts and keys', async () => {
    await pgQuery(s.prodUrl, FIX);
    const r = await run(['resolve', 'fix-orphans', '--env', 'production', '--yes']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('2 rows; id: 4, 5');
  });

  test('report, the ledger and git log -p hold no row value', async () => {
    const report = await run(['report', 'fix-orphans']);
    expect(report.exitCode, report.stderr).toBe(0);
    const ledger = readFileSync(path.join(s.project.dir, '.hotfix', 'fix-orphans.json'), 'utf8');
    const log = git(s.project.dir, 'log', '-p', '--all');
    for (const text of [...outputs, ledger, log]) expect(text).not.toContain(CANARY);
  });

  test('--show-rows prints the values at a terminal, and only there', async () => {
    const tty = await atTerminal(s.project.dir, ['verify', '--env', 'staging', '--show-rows'], s.env, '');
    expect(tty.exitCode).toBe(1);
    expect(tty.all).toContain(CANARY);
    const piped = await runHotfix(s.project.dir, ['verify', '--env', 'staging', '--show-rows'], s.env);
    expect(piped.exitCode).toBe(1);
    expect(piped.stdout + piped.stderr).not.toContain(CANARY);
    expect(piped.stderr).toContain('shown only at a terminal');
    expect(git(s.project.dir, 'log', '-p', '--all')).not.toContain(CANARY);
  });

  test('a backup is readable by its owner only', async () => {
    // Production was patched by hand above: the backup still runs first, then verify.sql fails.
    const r = await run(['deploy', 'fix-orphans', '--env', 'production', '--yes', '--backup']);
    expect(r.exitCode, r.stderr).toBe(1);
    const backups = path.join(s.project.dir, '.hotfix', 'backups');
    const taken = readdirSync(path.join(backups, 'fix-orphans'));
    expect(taken).toHaveLength(1);
    const dir = path.join(backups, 'fix-orphans', taken[0]!);
    for (const d of [backups, path.dirname(dir), dir]) expect(statSync(d).mode & 0o777).toBe(0o700);
    for (const f of readdirSync(dir)) expect(statSync(path.join(dir, f)).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toContain('restore.sql');
  });
});
