import { rmSync } from 'node:fs';

/**
 * What a signal must not leave behind. Locks are released and the person is told what was under
 * way: a change whose intent is in the ledger is settled by the next command (reconcile), so an
 * interrupt is never a half-done step nobody knows about. Kept in process-wide state because a
 * signal arrives outside any call stack.
 */

/** application_name of the sessions this process opens to change a database: found again by it. */
export const ownSessionName = (what: 'prisma' | 'rollback') => `prisma-hotfix ${what} ${process.pid}`;

const locks = new Set<string>();
let stopping = false;

/**
 * Once a signal arrived, the command must not go on: a child it killed would otherwise look
 * like a failure to record. Work that notices holds still until the process exits.
 */
export async function holdIfStopping(): Promise<void> {
  if (stopping) await new Promise(() => undefined);
}

const children = new Set<number>();
let activity: string | undefined;
let canceller: (() => Promise<void>) | undefined;
let cleanup: (() => void) | undefined;

/** What must be undone on the terminal before the interrupt message (a spinner's line). */
export function setCleanup(fn: (() => void) | undefined): void {
  cleanup = fn;
}

/** What stops the database side of the step under way (its sessions would finish it otherwise). */
export function setCanceller(fn: (() => Promise<void>) | undefined): void {
  canceller = fn;
}

export function holdLock(path: string): void {
  locks.add(path);
}

export function dropLock(path: string): void {
  locks.delete(path);
}

export function trackChild(group: number): void {
  children.add(group);
}

export function untrackChild(group: number): void {
  children.delete(group);
}

/** Stops a child's whole process group (the child leads it: spawned detached). */
export function killGroup(group: number, signal: NodeJS.Signals = 'SIGTERM'): void {
  try {
    process.kill(-group, signal);
  } catch {
    // Already gone.
  }
}

/** What the command is doing right now, for the interrupt message; undefined when idle. */
export function setActivity(text: string | undefined): void {
  activity = text;
}

/** Releases every lock this process holds (synchronously: the process is about to exit). */
export function releaseAllLocks(): string[] {
  const released = [...locks];
  for (const lock of released) rmSync(lock, { force: true });
  locks.clear();
  return released;
}

/**
 * Stops what the command started and returns the message for a signal. A session of ours that
 * waits on a table lock does not notice its client is gone: PostgreSQL would run the migration
 * once the lock is free. Hence the canceller, given a few seconds at most.
 */
export async function onInterrupt(signal: 'SIGINT' | 'SIGTERM'): Promise<string> {
  stopping = true;
  cleanup?.();
  cleanup = undefined;
  // The children first: a prisma left running would finish the step nobody is watching.
  for (const group of children) killGroup(group, 'SIGKILL');
  children.clear();
  if (canceller) {
    const fn = canceller;
    canceller = undefined;
    await Promise.race([fn().catch(() => undefined), new Promise((r) => setTimeout(r, 3000).unref())]);
  }
  return interruptMessage(signal);
}

function interruptMessage(signal: 'SIGINT' | 'SIGTERM'): string {
  const what = signal === 'SIGINT' ? 'Interrupted (Ctrl-C)' : 'Stopped (SIGTERM)';
  const released = releaseAllLocks();
  const lines = [`✖ ${what}${activity ? ` during: ${activity}` : ''}.`];
  if (released.length > 0) lines.push('  The hotfix lock is released.');
  lines.push(
    activity
      ? '  The ledger holds the intent of that step; the next hotfix command checks the database and settles it. See where things stand: hotfix status'
      : '  No database step was under way; hotfix status shows where things stand.',
  );
  return `${lines.join('\n')}\n`;
}

/**
 * Fault injection for the test suite only: HOTFIX_TEST_KILL_AT=<point> makes this process die
 * by SIGKILL at that point, as a power cut or the OOM killer would. Nothing else reads it.
 */
export function faultPoint(point: string): void {
  if (process.env.HOTFIX_TEST_KILL_AT === point) process.kill(process.pid, 'SIGKILL');
}
