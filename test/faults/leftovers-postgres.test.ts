// What a command finds left or changed by others, on real PostgreSQL, git and the Prisma CLI: a
// migration.sql edited after staging ran it, a "deployed to production" event added to the ledger
// by hand, temp files of a command killed mid-write, lock files hotfix never writes (or whose pid
// was reused), and a disk with 0 bytes free (a real tmpfs mounted over .hotfix/ where this runs as
// root, else the HOTFIX_TEST_WRITE_FAULT hook). Each: exit code, cause, and the ledger, git and
// the databases afterwards.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statfsSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { rowStates } from '../support/db.js';
import { git } from '../support/git.js';
import {
  AS_IS,
  ledgerEvents,
  runHotfix,
  startHotfix,
  startWithSql,
  type HotfixRun,
} from '../support/hotfix.js';
import { PROD_ENV, useTwoEnvProject } from '../support/scenario.js';

/** Whether a tmpfs can be mounted here (root, or CAP_SYS_ADMIN): a real full file system. */
const MOUNT = (() => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hotfix-mount-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir], { stdio: 'pipe' });
    execFileSync('umount', [dir]);
    return { ok: true, why: '' };
  } catch (error) {
    return { ok: false, why: String((error as { stderr?: Buffer }).stderr ?? error).trim() };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
})();

describe.sequential('leftovers, edits and claims (PostgreSQL, git, Prisma CLI)', () => {
  const s = useTwoEnvProject({ provider: 'postgresql', prefix: 'leftovers' });
  const hotfix = (args: string[], extra: Record<string, string | undefined> = {}) =>
    runHotfix(s.project.dir, args, { ...s.env, ...extra });
  const started = (name: string, sql = `CREATE INDEX "Post_${name}_idx" ON "Post"("title");\n`) =>
    startWithSql(s, name, sql, `DROP INDEX "Post_${name}_idx";\n`, AS_IS);
  const ok = (r: HotfixRun) => expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(0);
  const state = (name: string) => ({
    head: git(s.project.dir, 'rev-parse', 'HEAD'),
    status: git(s.project.dir, 'status', '--porcelain'),
    ledger: ledgerEvents(s, name),
  });
  const ledgerFile = (name: string) => path.join(s.project.dir, '.hotfix', `${name}.json`);
  const lockPath = () => path.join(s.repoDir, '.git', 'hotfix.lock');

  /** A refusal with --json: exit code, code in stderr and in the document; the error returned. */
  function refused(r: HotfixRun, exit: number, code: string) {
    expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(exit);
    expect(r.stderr).toContain(code);
    expect(r.stderr).not.toMatch(/bug|Unexpected/i);
    const doc = JSON.parse(r.stdout) as { error: { code: string; message: string; hint: string | null } };
    expect(doc.error.code).toBe(code);
    return doc.error;
  }

  test('migration.sql edited after staging ran it: production refused with MIGRATION_EDITED; put back, it deploys', async () => {
    const migration = await started('edited');
    // Production is protected: its lint gate wants the risk of the plain CREATE INDEX accepted.
    const PRODUCTION = [
      'deploy',
      'edited',
      '--env',
      'production',
      '--yes',
      '--accept-risk',
      '--reason',
      'test',
    ];
    ok(await hotfix(['deploy', 'edited', '--env', 'staging']));
    const file = path.join(s.project.migrationsDir, migration, 'migration.sql');
    writeFileSync(file, 'CREATE INDEX "Post_edited_idx" ON "Post"("authorId");\n');
    git(s.project.dir, 'commit', '-qam', 'edited after staging');
    const before = state('edited');

    const r = await hotfix([...PRODUCTION, '--json']);
    const error = refused(r, 2, 'MIGRATION_EDITED');
    expect(error.message).toContain('staging ran the earlier version');
    expect(error.message).toContain('Nothing ran, nothing was recorded.');
    expect(error.hint).toContain('hotfix rollback edited --env staging --here');
    expect(state('edited')).toEqual(before);
    expect(await rowStates(s.prodUrl, migration)).toEqual([]);

    git(s.project.dir, 'revert', '--no-edit', 'HEAD');
    ok(await hotfix(PRODUCTION));
    expect(await rowStates(s.prodUrl, migration)).toEqual(['applied']);
    expect(ledgerEvents(s, 'edited').at(-1)).toMatchObject({ type: 'deployed', outcome: 'ok' });
    expect(git(s.project.dir, 'status', '--porcelain')).toBe('');
  });

  test('a hand-added "deployed to production" event: finish refuses (LEDGER_DB_MISMATCH), status and checklist show it', async () => {
    const migration = await started('claimed');
    ok(await hotfix(['deploy', 'claimed', '--env', 'staging']));
    const ledger = JSON.parse(readFileSync(ledgerFile('claimed'), 'utf8'));
    const staged = ledger.events.findLast((e: { type: string }) => e.type === 'deployed');
    ledger.events.push({
      ...staged,
      seq: ledger.events.at(-1).seq + 1,
      at: new Date(Date.parse(staged.at) + 60_000).toISOString(),
      actor: 'someone@example.com',
      env: { name: 'production', fingerprint: 'bbbbbbbbbbbb' },
    });
    writeFileSync(ledgerFile('claimed'), `${JSON.stringify(ledger, null, 2)}\n`);
    git(s.project.dir, 'commit', '-qam', 'production done (by hand)');
    const refs = () => git(s.project.dir, 'for-each-ref', '--format=%(refname) %(objectname)');
    const before = { ...state('claimed'), refs: refs() };

    const error = refused(await hotfix(['finish', 'claimed', '--json']), 1, 'LEDGER_DB_MISMATCH');
    expect(error.message).toContain(
      `production: the ledger says deployed (${ledger.events.at(-1).at}, someone@example.com), but _prisma_migrations has no row of it for ${migration}`,
    );
    expect(error.message).not.toContain('staging:');
    expect(error.hint).toContain('hotfix verify --env production');
    // No merge into main, no bump, no tag, the branch kept: every ref as it was.
    expect({ ...state('claimed'), refs: refs() }).toEqual(before);
    expect(refs()).toContain('refs/heads/hotfix/claimed');
    expect(git(s.project.dir, 'tag', '--list')).toBe('');
    expect(await rowStates(s.prodUrl, migration)).toEqual([]);

    const envsOf = (r: HotfixRun) =>
      Object.fromEntries(
        (JSON.parse(r.stdout).hotfixes[0].envs as { name: string; db: unknown }[]).map((e) => [e.name, e.db]),
      );
    const status = await hotfix(['status', 'claimed', '--json']);
    ok(status);
    expect(envsOf(status)).toEqual({
      production: { check: 'LEDGER_DB_MISMATCH', found: 'absent' },
      staging: { check: 'matches' },
    });
    const checklist = await hotfix(['checklist', 'claimed', '--phase', 'post-deploy']);
    ok(checklist);
    expect(checklist.stdout).toContain('LEDGER_DB_MISMATCH production: the ledger says deployed');
    expect(checklist.stdout).toContain('not ticked');

    const unset = await hotfix(['status', 'claimed', '--json'], { [PROD_ENV]: undefined });
    ok(unset);
    expect(envsOf(unset).production).toEqual({ check: 'unread', why: `$${PROD_ENV} is not set` });
    expect({ ...state('claimed'), refs: refs() }).toEqual(before);
  });

  test('temp files of a command killed mid-write (ledger, lock holder): the next deploy removes them and says so', async () => {
    const migration = await started('temps');
    const ledgerTemp = '.hotfix/.temps.json.999999.1765100000000.tmp';
    const lockTemp = '.git/hotfix.lock.999999.1765100000000.tmp';
    writeFileSync(path.join(s.project.dir, ledgerTemp), '{"name": "temps", "events": [{"seq": 1, ');
    writeFileSync(path.join(s.repoDir, lockTemp), '{"pid": 999999, "host": "');
    expect(git(s.project.dir, 'status', '--porcelain')).toBe(`?? ${ledgerTemp}`);

    const r = await hotfix(['deploy', 'temps', '--env', 'staging']);
    ok(r);
    expect(r.stderr).toContain(`Removed ${ledgerTemp}`);
    expect(r.stderr).toContain(`Removed ${lockTemp}`);
    expect(existsSync(path.join(s.project.dir, ledgerTemp))).toBe(false);
    expect(existsSync(path.join(s.repoDir, lockTemp))).toBe(false);
    expect(git(s.project.dir, 'status', '--porcelain')).toBe('');
    expect(await rowStates(s.stagingUrl, migration)).toEqual(['applied']);
    expect(ledgerEvents(s, 'temps').at(-1)).toMatchObject({ type: 'deployed', outcome: 'ok' });
  });

  describe.sequential('a lock file hotfix never writes, or whose pid was reused', () => {
    const children: ChildProcess[] = [];
    afterAll(() => children.forEach((c) => c.kill('SIGKILL')));
    const TICK = ['checklist', 'temps', '--done', 'pre-deploy.team'];

    test.each<[string, () => Promise<void> | void, string]>([
      ['empty', () => writeFileSync(lockPath(), ''), 'the file is empty'],
      [
        'garbage',
        () => writeFileSync(lockPath(), '\u0000\u0001 not json'),
        'the file is not a hotfix lock (garbage)',
      ],
      [
        'a directory',
        () => mkdirSync(path.join(lockPath(), 'inside'), { recursive: true }),
        'the file is a directory',
      ],
      [
        'held by a live pid that is not hotfix',
        async () => {
          const child = spawn('sleep', ['60'], { stdio: 'ignore' });
          children.push(child);
          await new Promise((r) => setTimeout(r, 100));
          writeFileSync(
            lockPath(),
            `${JSON.stringify({ pid: child.pid, host: os.hostname(), since: new Date().toISOString(), command: 'hotfix deploy temps' })}\n`,
          );
        },
        'is now another program (sleep 60), not hotfix: the pid was reused',
      ],
    ])(
      '%s: LOCK_STALE (exit 4) with the reason; --force-unlock removes it and goes on',
      async (_what, make, why) => {
        await make();
        const before = state('temps');
        const r = await hotfix([...TICK, '--json']);
        const error = refused(r, 4, 'LOCK_STALE');
        expect(error.message).toContain(why);
        expect(error.hint).toContain('--force-unlock');
        expect(state('temps')).toEqual(before);
        expect(existsSync(lockPath())).toBe(true);

        const forced = await hotfix(['--force-unlock', ...TICK]);
        ok(forced);
        expect(forced.stderr).toContain('Removed the stale hotfix lock');
        expect(forced.stderr).toContain(why);
        expect(existsSync(lockPath())).toBe(false);
        expect(ledgerEvents(s, 'temps').length).toBe(before.ledger.length + 1);
        expect(git(s.project.dir, 'rev-parse', 'HEAD')).not.toBe(before.head);
        expect(git(s.project.dir, 'status', '--porcelain')).toBe('');
      },
    );
  });

  describe.sequential(
    `0 bytes free where the ledger is (${MOUNT.ok ? 'a real tmpfs' : `HOTFIX_TEST_WRITE_FAULT; no tmpfs: ${MOUNT.why}`})`,
    () => {
      const dir = () => path.join(s.project.dir, '.hotfix');
      let mounted = false;
      let migration: string;

      /** tmpfs's size set to what it holds plus `bytes` (0: every new block is refused, ENOSPC). */
      function setFree(bytes: number): void {
        const fs = statfsSync(dir());
        const used = (fs.blocks - fs.bfree) * fs.bsize;
        expect(used).toBeGreaterThan(0); // size=0 would mean no limit
        execFileSync('mount', ['-o', `remount,size=${used + bytes}`, dir()]);
      }
      /** Env of a run on a full disk. */
      const full = (): Record<string, string> => {
        if (!MOUNT.ok) return { HOTFIX_TEST_WRITE_FAULT: 'ENOSPC' };
        setFree(0);
        return {};
      };
      const free = () => (MOUNT.ok ? setFree(1 << 20) : undefined);
      const tempFiles = () => readdirSync(dir()).filter((f) => f.endsWith('.tmp'));

      /** Runs `change` (a mount, an unmount) with what .hotfix/ holds kept across it. */
      function keepingFiles(change: () => void): void {
        const saved = mkdtempSync(path.join(os.tmpdir(), 'hotfix-ledgers-'));
        cpSync(dir(), saved, { recursive: true });
        change();
        cpSync(saved, dir(), { recursive: true });
        rmSync(saved, { recursive: true, force: true });
      }
      afterAll(() => {
        if (!mounted) return;
        keepingFiles(() => {
          execFileSync('umount', [dir()]);
          rmSync(dir(), { recursive: true, force: true });
        });
      });

      test('checklist --done, the ledger cannot be written: DISK_FULL (exit 4), the ledger byte-identical, nothing committed', async () => {
        migration = await started(
          'disk',
          'SELECT pg_sleep(3);\nCREATE INDEX "Post_disk_idx" ON "Post"("title");\n',
        );
        if (MOUNT.ok) {
          keepingFiles(() => {
            execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m,mode=755', 'tmpfs', dir()]);
            mounted = true;
          });
          expect(git(s.project.dir, 'status', '--porcelain')).toBe('');
        }
        const before = { ...state('disk'), bytes: readFileSync(ledgerFile('disk')) };
        const r = await hotfix(['checklist', 'disk', '--done', 'pre-deploy.team', '--json'], full());
        const error = refused(r, 4, 'DISK_FULL');
        expect(error.message).toBe(
          `Could not write ${ledgerFile('disk')} (ENOSPC: no space left on the device). The file is as it was before; the partial copy was removed.`,
        );
        expect(error.hint).toContain('Free some space on the file system of');
        expect({ ...state('disk'), bytes: readFileSync(ledgerFile('disk')) }).toEqual(before);
        expect(tempFiles()).toEqual([]);
        expect(existsSync(lockPath())).toBe(false);
      });

      test('deploy, the intent cannot be written: DISK_FULL (exit 4), nothing ran, nothing recorded', async () => {
        const before = { ...state('disk'), bytes: readFileSync(ledgerFile('disk')) };
        const r = await hotfix(['deploy', 'disk', '--env', 'staging', '--json'], full());
        const error = refused(r, 4, 'DISK_FULL');
        expect(error.message).toContain('The file is as it was before');
        expect({ ...state('disk'), bytes: readFileSync(ledgerFile('disk')) }).toEqual(before);
        expect(tempFiles()).toEqual([]);
        expect(existsSync(lockPath())).toBe(false);
        expect(await rowStates(s.stagingUrl, migration)).toEqual([]);
      });

      test('the disk fills while prisma runs: RECORD_FAILED says the database changed; the next run records it', async () => {
        free();
        const before = state('disk');
        const run = startHotfix(s.project.dir, ['deploy', 'disk', '--env', 'staging'], {
          ...s.env,
          ...(MOUNT.ok ? {} : { HOTFIX_TEST_WRITE_FAULT: 'ENOSPC:2' }),
        });
        if (MOUNT.ok) {
          // Once the intent is written, prisma runs the 3 s migration: the disk fills meanwhile.
          let exited = false;
          void run.then(() => (exited = true));
          while (!exited && ledgerEvents(s, 'disk').at(-1)?.type !== 'intent')
            await new Promise((r) => setTimeout(r, 50));
          setFree(0);
        }
        const r = await run;
        expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(4);
        expect(r.stderr).toContain('RECORD_FAILED');
        expect(r.stderr).toContain(
          `deploy to staging: DONE in the database (${migration} applied in _prisma_migrations), but the ledger could not record it: Could not write ${ledgerFile('disk')} (ENOSPC: no space left on the device).`,
        );
        expect(r.stderr).toContain('The ledger keeps the intent of this step');
        expect(r.stderr).toContain('Do not run the SQL again by hand');
        expect(tempFiles()).toEqual([]);
        expect(await rowStates(s.stagingUrl, migration)).toEqual(['applied']);
        // The intent stays, written but not committed (the commit comes after the outcome).
        expect(ledgerEvents(s, 'disk')).toEqual([
          ...before.ledger,
          expect.objectContaining({ type: 'intent', outcome: 'pending', migration }),
        ]);
        expect(git(s.project.dir, 'rev-parse', 'HEAD')).toBe(before.head);
        expect(git(s.project.dir, 'status', '--porcelain')).toBe('M .hotfix/disk.json');

        free();
        const next = await hotfix(['deploy', 'disk', '--env', 'staging']);
        ok(next);
        expect(next.stdout).toContain(
          `an earlier deploy was interrupted; the database shows ${migration} applied: recorded as done`,
        );
        expect(ledgerEvents(s, 'disk').at(-1)).toMatchObject({
          type: 'deployed',
          outcome: 'ok',
          details: { rowState: 'applied' },
        });
        expect(git(s.project.dir, 'rev-parse', 'HEAD')).not.toBe(before.head);
        expect(git(s.project.dir, 'status', '--porcelain')).toBe('');
        expect(await rowStates(s.stagingUrl, migration)).toEqual(['applied']);
      });
    },
  );
});
