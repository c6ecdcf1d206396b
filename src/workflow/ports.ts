import type { Saved } from '../adapters/backup.js';
import type { DbReader } from '../adapters/db-reader.js';
import type { PreflightAsk, WritePreflight } from '../adapters/db-preflight.js';
import type { WriteOptions, WriteOutcome, WriteStep } from '../adapters/db-writer.js';
import type { Lock, LockOptions } from '../adapters/fs-safe.js';
import type { Git } from '../adapters/git.js';
import type { Prisma } from '../adapters/prisma.js';
import type { BackupItem } from '../core/backup.js';
import type { CatalogFact, CatalogQuery } from '../core/proof/types.js';
import type { DbObject } from '../core/sql/objects.js';
import type { Target } from '../core/target.js';

/**
 * The outside world a command touches, as one interface: commands and workflow/ reach files,
 * git, prisma and databases only through it (never by importing an adapter), so a test can run
 * a whole command in-process against fakes (test/support/fakes/) and the real one is wired in
 * one place (cli/ports.ts).
 */
export interface Ports {
  files: Files;
  /** The git repository that holds `cwd`. */
  git(cwd: string): Promise<Git>;
  /** The project's own prisma CLI (found from the project root, never past the repository). */
  prisma(projectRoot: string, schema: string, gitRoot: string): Promise<Prisma>;
  db: Databases;
  /** An exclusive lock file naming its holder (the repository's `.git/hotfix.lock`). */
  lock(file: string, label: string, options: LockOptions): Promise<Lock>;
  /** What an interrupt needs to know of the step under way, and the test suite's kill points. */
  run: RunHooks;
  /** This machine's name, for the lock and the ledger's `started` event. */
  host: string;
}

export interface DirEntry {
  name: string;
  dir: boolean;
}

/** The project's files: the ledger, migration folders, configs. Paths are absolute. */
export interface Files {
  /** The text, or undefined when there is no such file. */
  read(file: string): Promise<string | undefined>;
  /** Crash-safe replace (parent folders made); a full disk is DISK_FULL and leaves the old file. */
  write(file: string, text: string): Promise<void>;
  /** A new file: fails when one exists. */
  create(file: string, text: string): Promise<void>;
  /** A new folder: fails when it exists, unless `recursive`. */
  mkdir(dir: string, options?: { recursive?: boolean }): Promise<void>;
  /** Removes a file or a whole folder; nothing there is fine. */
  remove(p: string): Promise<void>;
  /** A folder's entries (unsorted); a missing folder throws ENOENT. */
  list(dir: string): Promise<DirEntry[]>;
  kind(p: string): Promise<'file' | 'dir' | undefined>;
  /** The path with every link resolved; undefined when it does not exist. */
  realpath(p: string): Promise<string | undefined>;
  /** A new empty folder for scratch work, outside the project. */
  tempDir(prefix: string): Promise<string>;
}

/** Databases, each reached with its provider's own driver. */
export interface Databases {
  /** A read-only connection (every transaction READ ONLY). */
  reader(target: Target): Promise<DbReader>;
  /** Runs down.sql's statements: transactions and CONCURRENTLY apart, under Prisma's lock. */
  runStatements(target: Target, steps: WriteStep[], options: WriteOptions): Promise<WriteOutcome>;
  /**
   * Before a step's intent: whether this role can write here, its timeouts and where they come
   * from, and the sessions in the way of the tables it touches.
   */
  preflight(target: Target, ask: PreflightAsk): Promise<WritePreflight>;
  /** Marks finished migrations rolled back in `_prisma_migrations` (a rollback here only). */
  markRolledBack(target: Target, migrations: readonly string[], schema: string): Promise<WriteOutcome>;
  /** Whether each object exists now. */
  probeObjects(target: Target, objects: readonly DbObject[], schema: string): Promise<Map<string, boolean>>;
  /** Ends this process's own sessions (an interrupt's canceller). */
  terminateOwnSessions(target: Target): Promise<void>;
  /** The catalog's definitions for the proof of each statement. */
  readCatalog(target: Target, queries: readonly CatalogQuery[]): Promise<Map<string, CatalogFact>>;
  /** --backup: what the SQL about to run takes away, saved under `dir` with its restore. */
  backup(target: Target, items: readonly BackupItem[], dir: string): Promise<Saved>;
}

export interface RunHooks {
  /** What the command is doing, for the message an interrupt prints; undefined when idle. */
  setActivity(text: string | undefined): void;
  /** What stops the database side of the step under way when interrupted. */
  setCanceller(fn: (() => Promise<void>) | undefined): void;
  /** The test suite's kill points (HOTFIX_TEST_KILL_AT); nothing elsewhere. */
  faultPoint(point: string): void;
}
