import { promises as fs, constants as fsConstants } from 'node:fs';
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
          : 'Free some space (df -h .), then run the same command again: it picks up from what the ledger recorded.',
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
  /** Told when a stale lock was removed, with its holder. */
  onForced?: ((holder: LockHolder) => void) | undefined;
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
  await fs.writeFile(tmp, `${JSON.stringify(holder)}\n`, { encoding: 'utf8', flag: 'wx', mode: 0o644 });
  try {
    await linkOrForce(tmp, lockPath, options);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const other = await readHolder(lockPath);
    const who = other
      ? `pid ${other.pid} on ${other.host} (${other.command}) since ${other.since}`
      : 'an unknown process (the lock file is empty or unreadable)';
    const stale = other !== undefined && other.host === os.hostname() && !isAlive(other.pid);
    throw infraError(
      stale ? 'LOCK_STALE' : 'LOCK_HELD',
      stale
        ? `A stale hotfix lock is left by ${who}; that process is no longer running.`
        : `Another hotfix command holds the lock: ${who}.`,
      {
        hint: stale
          ? `Check that the repository and .hotfix/ look right (git status), then run the same command with --force-unlock (it removes ${lockPath} only while that process is gone).`
          : other && other.host !== os.hostname()
            ? `It was taken on ${other.host}: check there that no hotfix command runs, then remove ${lockPath} by hand; --force-unlock never removes another host's lock.`
            : `Wait for it to finish, then retry (or pass --wait <seconds> to wait for it).`,
        details: { lockPath, holder: other },
      },
    );
  } finally {
    await fs.rm(tmp, { force: true });
  }
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

/** link() the holder file into place; with --force-unlock, once over a stale lock of this host. */
async function linkOrForce(tmp: string, lockPath: string, options: LockOptions): Promise<void> {
  try {
    await fs.link(tmp, lockPath);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || !options.forceUnlock) throw error;
    const other = await readHolder(lockPath);
    if (!other || other.host !== os.hostname() || isAlive(other.pid)) throw error;
    await fs.rm(lockPath, { force: true });
    await fs.link(tmp, lockPath);
    options.onForced?.(other);
  }
}

async function readHolder(lockPath: string): Promise<LockHolder | undefined> {
  try {
    const parsed = JSON.parse(await fs.readFile(lockPath, 'utf8')) as Partial<LockHolder>;
    if (typeof parsed.pid === 'number' && typeof parsed.host === 'string') {
      return {
        pid: parsed.pid,
        host: parsed.host,
        since: String(parsed.since ?? 'unknown'),
        command: String(parsed.command ?? 'unknown'),
      };
    }
  } catch {
    // Fall through: an unreadable holder is reported as unknown.
  }
  return undefined;
}
