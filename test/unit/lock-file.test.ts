// The repository lock on a real file system: a lock file hotfix never writes (empty, garbage, a
// folder) or one whose pid now belongs to another process is stale, reported as such, and
// --force-unlock clears it; a live hotfix holder is never taken over.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireLock, type LockHolder } from '../../src/adapters/fs-safe.js';

let dir: string;
let lock: string;
const children: ChildProcess[] = [];
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'hotfix-lock-'));
  lock = path.join(dir, 'hotfix.lock');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));
afterAll(() => children.forEach((c) => c.kill('SIGKILL')));

/** A live process whose command line is `argv` (started now). */
async function live(argv: string[]): Promise<number> {
  const child = spawn(argv[0]!, argv.slice(1), { stdio: 'ignore' });
  children.push(child);
  await new Promise((r) => setTimeout(r, 50));
  return child.pid!;
}

const holder = (pid: number, since: string) =>
  `${JSON.stringify({ pid, host: os.hostname(), since, command: 'hotfix deploy x' })}\n`;

async function refusal(): Promise<{ code: string; message: string }> {
  try {
    await acquireLock(lock, 'hotfix status');
  } catch (error) {
    return error as { code: string; message: string };
  }
  throw new Error('the lock was taken');
}

async function forced(): Promise<string[]> {
  const said: string[] = [];
  const taken = await acquireLock(lock, 'hotfix deploy y', {
    forceUnlock: true,
    onForced: (h: LockHolder | undefined, why: string) => said.push(`${h?.pid ?? '-'}: ${why}`),
  });
  expect(JSON.parse(readFileSync(lock, 'utf8'))).toMatchObject({
    pid: process.pid,
    command: 'hotfix deploy y',
  });
  await taken.release();
  return said;
}

describe('bad lock files are stale, and --force-unlock clears them', () => {
  const cases: [string, () => void | Promise<void>, RegExp][] = [
    ['empty', () => writeFileSync(lock, ''), /the file is empty/],
    ['garbage', () => writeFileSync(lock, '\u0000\u0001 not json'), /garbage/],
    ['a directory', () => mkdirSync(path.join(lock, 'inside'), { recursive: true }), /a directory/],
    [
      'pid reused by another program',
      async () => writeFileSync(lock, holder(await live(['sleep', '30']), new Date().toISOString())),
      /is now another program \(sleep 30\).*pid was reused/,
    ],
    [
      'pid reused by a process started after the lock',
      async () =>
        writeFileSync(
          lock,
          holder(
            await live([process.execPath, '-e', 'setTimeout(() => {}, 30000)', 'hotfix']),
            '2026-01-01T00:00:00Z',
          ),
        ),
      /started after the lock was taken/,
    ],
  ];
  it.each(cases)('%s', async (_what, make, why) => {
    await make();
    const r = await refusal();
    expect(r.code).toBe('LOCK_STALE');
    expect(r.message).toMatch(why);
    expect(await forced()).toEqual([expect.stringMatching(why)]);
  });
});

describe('a live hotfix holder is held, and never forced', () => {
  it('LOCK_HELD, and --force-unlock refuses too', async () => {
    const pid = await live([process.execPath, '-e', 'setTimeout(() => {}, 30000)', 'hotfix']);
    writeFileSync(lock, holder(pid, new Date(Date.now() + 5000).toISOString()));
    expect((await refusal()).code).toBe('LOCK_HELD');
    await expect(acquireLock(lock, 'hotfix deploy y', { forceUnlock: true })).rejects.toMatchObject({
      code: 'LOCK_HELD',
    });
    expect(JSON.parse(readFileSync(lock, 'utf8')).pid).toBe(pid);
  });
});

describe("a killed process's temp holder file", () => {
  it('is removed when its pid is gone; a live competitor’s is left alone', async () => {
    const live = await spawnLive();
    const dead = `${lock}.999999.1765100000000.tmp`;
    const racing = `${lock}.${live}.1765100000000.tmp`;
    writeFileSync(dead, holder(999999, new Date().toISOString()));
    writeFileSync(racing, holder(live, new Date().toISOString()));
    const removed: string[] = [];
    const taken = await acquireLock(lock, 'hotfix deploy y', { onLeftover: (f) => removed.push(f) });
    await taken.release();
    expect(removed).toEqual([dead]);
    expect(existsSync(dead)).toBe(false);
    expect(existsSync(racing)).toBe(true);
  });
});

async function spawnLive(): Promise<number> {
  const child = spawn('sleep', ['30'], { stdio: 'ignore' });
  children.push(child);
  await new Promise((r) => setTimeout(r, 50));
  return child.pid!;
}
