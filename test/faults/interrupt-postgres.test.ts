// Ctrl-C and SIGTERM, on real PostgreSQL and the real Prisma CLI: at the prompt it is an answer
// (exit 130, nothing changed); during a deploy that waits on a table lock it stops the step
// (exit 130/143), releases the lock, says the intent is left, and the next run settles it.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { describe, expect, test } from 'vitest';
import { pgQuery, prismaMigrations, waitingPid } from '../support/db.js';
import { git } from '../support/git.js';
import { runHotfix, startHotfix, startWithSql } from '../support/hotfix.js';
import { useTwoEnvProject } from '../support/scenario.js';
import { atTerminal } from '../support/terminal.js';

describe.sequential('interrupts (PostgreSQL)', () => {
  let migration: string;
  const lockFile = () => path.join(s.repoDir, '.git', 'hotfix.lock');
  const rows = async (url: string) =>
    (await prismaMigrations(url)).filter((r) => r.migration_name === migration);

  const s = useTwoEnvProject({ provider: 'postgresql', prefix: 'interrupt' }, async (s) => {
    migration = await startWithSql(
      s,
      'user-flag',
      'ALTER TABLE "User" ADD COLUMN "flag" BOOLEAN;\n',
      'ALTER TABLE "User" DROP COLUMN "flag";\n',
      ['--lock-timeout', '60s'],
    );
  });

  test('Ctrl-C at the protected-environment prompt: "Aborted", exit 130, nothing changed', async () => {
    const head = git(s.project.dir, 'rev-parse', 'HEAD');
    // ^C typed at the terminal reaches the prompt as a person's would.
    const r = await atTerminal(s.project.dir, ['deploy', 'user-flag', '--env', 'production'], s.env, '\x03');
    expect(r.exitCode, r.all).toBe(130);
    expect(r.all).toContain('Aborted at the prompt: nothing was changed.');
    expect(r.all).not.toMatch(/bug|Unexpected/i);
    expect(await rows(s.prodUrl)).toEqual([]);
    expect(git(s.project.dir, 'rev-parse', 'HEAD')).toBe(head);
    expect(git(s.project.dir, 'status', '--porcelain')).toBe('');
    expect(existsSync(lockFile())).toBe(false);
  });

  test.each([
    ['SIGINT', 130, 'Interrupted (Ctrl-C)'],
    ['SIGTERM', 143, 'Stopped (SIGTERM)'],
  ] as const)(
    '%s while prisma waits on a table lock: exit %i, lock released, intent left, next run settles it',
    async (signal, code, said) => {
      const holder = new pg.Client({ connectionString: s.stagingUrl });
      await holder.connect();
      try {
        await holder.query('BEGIN');
        await holder.query('LOCK TABLE "User" IN ACCESS EXCLUSIVE MODE');
        const child = startHotfix(s.project.dir, ['deploy', 'user-flag', '--env', 'staging'], s.env);
        await waitingPid(s.stagingUrl);
        child.kill(signal);
        const r = await child;
        expect(r.exitCode, String(r.stderr)).toBe(code);
        expect(r.stderr).toContain(`${said} during: deploy to staging`);
        expect(r.stderr).toContain('the next hotfix command checks the database and settles it');
        expect(r.stderr).not.toMatch(/bug|Unexpected/i);
        expect(existsSync(lockFile())).toBe(false);
        const ledger = JSON.parse(
          readFileSync(path.join(s.project.dir, '.hotfix', 'user-flag.json'), 'utf8'),
        );
        expect(ledger.events.at(-1)).toMatchObject({ type: 'intent', env: { name: 'staging' } });
      } finally {
        await holder.query('ROLLBACK').catch(() => undefined);
        await holder.end();
      }
      // prisma's session was ended with hotfix: its transaction rolled back, the column is not
      // there; prisma's row stays unfinished. As after a lost connection, the next deploy
      // settles it by itself (nothing of it in the catalog: marked rolled back) and applies it.
      const flag = () =>
        pgQuery(
          s.stagingUrl,
          `SELECT 1 FROM information_schema.columns WHERE table_name = 'User' AND column_name = 'flag'`,
        );
      expect(await flag()).toEqual([]);
      const again = await runHotfix(s.project.dir, ['deploy', 'user-flag', '--env', 'staging'], s.env);
      expect(again.exitCode, again.stdout + again.stderr).toBe(0);
      expect(again.stdout).toContain(
        'nothing of it applied (checked in the catalog): its row is marked rolled back',
      );
      expect(await flag()).toHaveLength(1);
      const ledger2 = JSON.parse(readFileSync(path.join(s.project.dir, '.hotfix', 'user-flag.json'), 'utf8'));
      expect(ledger2.events.some((e: { outcome: string }) => e.outcome === 'failed')).toBe(false);
      expect(git(s.project.dir, 'status', '--porcelain')).toBe('');
      // Undone here, for the next case to start from the same place.
      const undo = await runHotfix(
        s.project.dir,
        ['rollback', 'user-flag', '--env', 'staging', '--here'],
        s.env,
      );
      expect(undo.exitCode, undo.stdout + undo.stderr).toBe(0);
      expect(await flag()).toEqual([]);
    },
  );

  test('then the deploy runs to the end', async () => {
    const r = await runHotfix(s.project.dir, ['deploy', 'user-flag', '--env', 'staging'], s.env);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect((await rows(s.stagingUrl)).map((x) => x.finished)).toContain(true);
    expect(git(s.project.dir, 'status', '--porcelain')).toBe('');
  });
});
