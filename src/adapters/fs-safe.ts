import { promises as fs, constants as fsConstants, readFileSync } from 'node:fs';
import os from 'node:os';
import { dropLock, holdLock } from './interrupt.js';
import path from 'node:path';
import { infraError } from '../core/errors.js';

/**
 * Crash-safe replace: write a temp file beside the target, fsync it, rename over the target,
 * fsync the directory so the rename itself survives a power loss. A reader sees the old
 * file or the new one, never a torn one. (write-file-atomic does not fsync the directory,
 * which is the step that makes the rename durable; hence these few lines.)
 */
export async function writeFileAtomic(file: string, content: string): Promise<void> {
  const dir = path.dirname(file);
  await fs.mkdir(dir, { recursive: true });
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  try {
    const handle = await fs.open(tmp, 'wx', 0o644);
    try {
      await writeAll(handle, content);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(tmp, file);
  } catch (error) {
    // The old file is untouched (rename never happened); the torn temp file must not stay to
    // dirty the tree for the next command.
    await fs.rm(tmp, { force: true });
    throw diskError(error, file);
  }
  await fsyncDir(dir);
}

let writes = 0;

/**
 * Writes the whole text. HOTFIX_TEST_WRITE_FAULT=ENOSPC[:n] (the test suite only) fails every
 * atomic write, or only the n-th of this process, as a full disk would.
 */
async function writeAll(handle: fs.FileHandle, content: string): Promise<void> {
  writes += 1;
  const fault = /^ENOSPC(?::(\d+))?$/.exec(process.env.HOTFIX_TEST_WRITE_FAULT ?? '');
  if (fault && (fault[1] === undefined || Number(fault[1]) === writes)) {
    // What a full disk does: part of the data lands, then the write fails.
    await handle.write(content.slice(0, Math.floor(content.length / 2)));
    throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
  }
  await handle.writeFile(content, 'utf8');
}

/** A full disk or quota is named as such (exit 4), with what was kept. */
function diskError(error: unknown, file: string): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  if (code !== 'ENOSPC' && code !== 'EDQUOT' && code !== 'EIO' && code !== 'EROFS') return error;
  return infraError(
    code === 'ENOSPC' || code === 'EDQUOT' ? 'DISK_FULL' : 'WRITE_FAILED',
    `Could not write ${file} (${code}${code === 'ENOSPC' ? ': no space left on the device' : ''}). The file is as it was before; the partial copy was removed.`,
    {
      hint:
        code === 'EROFS'
          ? 'The file system is read-only: run hotfix from a writable checkout.'
          : `Free some space on the file system of ${path.dirname(file)} (df -h ${path.dirname(file)}), then run the same command again: it picks up from what the ledger recorded.`,
      details: { file, code },
    },
  );
}

/** A file's text, or undefined when it does not exist (other errors are thrown). */
export async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

export async function fsyncDir(dir: string): Promise<void> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(dir, fsConstants.O_RDONLY);
    await handle.sync();
  } catch {
    // Some filesystems refuse fsync on directories; the rename is still atomic there.
  } finally {
    await handle?.close();
  }
}

export interface LockHolder {
  pid: number;
  host: string;
  since: string;
  command: string;
}

export interface Lock {
  path: string;
  release(): Promise<void>;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * An exclusive lock file, holding who took it. A held lock is exit 4
 * naming its holder. A stale one (its process gone) is reported with the command to clear
 * it, never taken over silently: the holder may have died mid-write and someone should look.
 */
export interface LockOptions {
  /** --force-unlock: take over a lock whose holder is a process of this host that is gone. */
  forceUnlock?: boolean | undefined;
  /** Told when a stale lock was removed: its holder (if it named one) and why it was stale. */
  onForced?: ((holder: LockHolder | undefined, why: string) => void) | undefined;
  /** Told when a killed process's temp holder file was removed. */
  onLeftover?: ((file: string) => void) | undefined;
  /** --wait: milliseconds to wait for a lock held by a live process before giving up. */
  waitMs?: number | undefined;
  /** Told once when waiting starts. */
  onWait?: ((holder: string) => void) | undefined;
}

export async function acquireLock(
  lockPath: string,
  command: string,
  options: LockOptions = {},
): Promise<Lock> {
  const deadline = Date.now() + (options.waitMs ?? 0);
  let told = false;
  for (;;) {
    try {
      return await acquireOnce(lockPath, command, options);
    } catch (error) {
      // Only a live holder is worth waiting for; a stale lock never goes away by itself.
      if ((error as { code?: string }).code !== 'LOCK_HELD' || Date.now() >= deadline) throw error;
      if (!told) options.onWait?.((error as Error).message);
      told = true;
      await new Promise((r) => setTimeout(r, 100 + Math.random() * 150));
    }
  }
}

async function acquireOnce(lockPath: string, command: string, options: LockOptions): Promise<Lock> {
  const holder: LockHolder = {
    pid: process.pid,
    host: os.hostname(),
    since: new Date().toISOString(),
    command,
  };
  await fs.mkdir(path.dirname(lockPath), { recursive: true });
  // Write the holder to a private file first, then link() it into place: link is atomic and
  // fails if the lock exists, so a competitor never reads a half-written holder.
  const tmp = `${lockPath}.${process.pid}.${Date.now()}.tmp`;
  try {
    await fs.writeFile(tmp, `${JSON.stringify(holder)}\n`, { encoding: 'utf8', flag: 'wx', mode: 0o644 });
  } catch (error) {
    // A full disk before anything is taken: nothing to undo but the partial holder file.
    await fs.rm(tmp, { force: true });
    throw diskError(error, tmp);
  }
  try {
    await linkOrForce(tmp, lockPath, options);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const found = await readHolder(lockPath);
    const other = found.kind === 'holder' ? found.holder : undefined;
    const who = other
      ? `pid ${other.pid} on ${other.host} (${other.command}) since ${other.since}`
      : `no holder (${found.kind === 'bad' ? found.why : 'unreadable'}): hotfix never writes a lock like that`;
    const stale = staleness(found);
    throw infraError(
      stale ? 'LOCK_STALE' : 'LOCK_HELD',
      stale
        ? `A stale hotfix lock is left at ${lockPath}: ${who}; ${stale}.`
        : `Another hotfix command holds the lock: ${who}.`,
      {
        hint: stale
          ? `Check that the repository and .hotfix/ look right (git status), then run the same command with --force-unlock (it removes ${lockPath} only while it is stale).`
          : other && other.host !== os.hostname()
            ? `It was taken on ${other.host}: check there that no hotfix command runs, then remove ${lockPath} by hand; --force-unlock never removes another host's lock.`
            : `Wait for it to finish, then retry (or pass --wait <seconds> to wait for it).`,
        details: { lockPath, holder: other ?? null },
      },
    );
  } finally {
    await fs.rm(tmp, { force: true });
  }
  await clearDeadHolders(lockPath, options);
  let released = false;
  holdLock(lockPath);
  return {
    path: lockPath,
    release: async () => {
      if (released) return;
      released = true;
      await fs.rm(lockPath, { force: true });
      dropLock(lockPath);
    },
  };
}

/**
 * The holder files (`hotfix.lock.<pid>.<ts>.tmp`) of processes killed before they removed them.
 * Only those of dead pids: a live competitor's is on its way to a link() that will fail.
 */
async function clearDeadHolders(lockPath: string, options: LockOptions): Promise<void> {
  const dir = path.dirname(lockPath);
  const prefix = `${path.basename(lockPath)}.`;
  for (const name of await fs.readdir(dir).catch(() => [] as string[])) {
    const m = /^(\d+)\.\d+\.tmp$/.exec(name.startsWith(prefix) ? name.slice(prefix.length) : '');
    if (!m || Number(m[1]) === process.pid || isAlive(Number(m[1]))) continue;
    await fs.rm(path.join(dir, name), { force: true });
    options.onLeftover?.(path.join(dir, name));
  }
}

/** link() the holder file into place; with --force-unlock, once over a stale lock of this host. */
async function linkOrForce(tmp: string, lockPath: string, options: LockOptions): Promise<void> {
  try {
    await fs.link(tmp, lockPath);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || !options.forceUnlock) throw error;
    const found = await readHolder(lockPath);
    const why = found.kind === 'gone' ? undefined : staleness(found);
    if (!why) throw error;
    await fs.rm(lockPath, { force: true, recursive: found.kind === 'bad' && found.why === 'a directory' });
    await fs.link(tmp, lockPath);
    options.onForced?.(found.kind === 'holder' ? found.holder : undefined, why);
  }
}

type Found = { kind: 'holder'; holder: LockHolder } | { kind: 'bad'; why: string } | { kind: 'gone' };

/**
 * Why a lock is stale, or undefined while it may be held. hotfix writes a lock whole (link of a
 * finished file), so an empty, unparsable or directory lock is never one in progress; a holder
 * of this host is stale when its pid is gone, or is now another process (pid reused: it is not
 * hotfix, or it started after the lock was taken).
 */
function staleness(found: Found): string | undefined {
  if (found.kind === 'gone') return undefined;
  if (found.kind === 'bad') return `the file is ${found.why}`;
  const h = found.holder;
  if (h.host !== os.hostname()) return undefined;
  if (!isAlive(h.pid)) return 'that process is no longer running';
  const now = processInfo(h.pid);
  if (!now) return undefined;
  if (!/hotfix|bin\.js/.test(now.cmdline))
    return `pid ${h.pid} is now another program (${now.cmdline.slice(0, 60)}), not hotfix: the pid was reused`;
  const since = Date.parse(h.since);
  if (Number.isFinite(since) && now.startedAt !== undefined && now.startedAt > since + 2000)
    return `pid ${h.pid} is a process started after the lock was taken: the pid was reused`;
  return undefined;
}

/** A live process's command line and start time (Linux /proc); undefined where not readable. */
function processInfo(pid: number): { cmdline: string; startedAt: number | undefined } | undefined {
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
    let startedAt: number | undefined;
    try {
      // Field 22 of /proc/<pid>/stat: start time in clock ticks after boot (USER_HZ is 100).
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const ticks = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
      const btime = Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1]);
      if (Number.isFinite(ticks) && Number.isFinite(btime)) startedAt = btime * 1000 + ticks * 10;
    } catch {
      // No start time: the command line alone decides.
    }
    return { cmdline, startedAt };
  } catch {
    return undefined;
  }
}

async function readHolder(lockPath: string): Promise<Found> {
  let text: string;
  try {
    text = await fs.readFile(lockPath, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { kind: 'gone' };
    if (code === 'EISDIR') return { kind: 'bad', why: 'a directory' };
    return { kind: 'bad', why: `unreadable (${code ?? 'error'})` };
  }
  if (text.trim() === '') return { kind: 'bad', why: 'empty' };
  try {
    const parsed = JSON.parse(text) as Partial<LockHolder>;
    if (typeof parsed.pid === 'number' && typeof parsed.host === 'string') {
      return {
        kind: 'holder',
        holder: {
          pid: parsed.pid,
          host: parsed.host,
          since: String(parsed.since ?? 'unknown'),
          command: String(parsed.command ?? 'unknown'),
        },
      };
    }
  } catch {
    // Not JSON: garbage.
  }
  return { kind: 'bad', why: 'not a hotfix lock (garbage)' };
}
