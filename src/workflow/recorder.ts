import type { Git } from '../adapters/git.js';
import {
  appendEvents,
  type EnvRef,
  type EventDraft,
  type LedgerFile,
  type NewEvent,
} from '../core/ledger.js';
import type { LedgerStore } from './ledger-store.js';

export type RecordedEvent = EventDraft;

export interface RecorderMark {
  file: LedgerFile;
  dirty: boolean;
}

/**
 * The ledger writes of one run: every event gets the same actor, command, environment and
 * reason. What was appended since the last commit is committed by `commit`.
 */
export interface Recorder {
  file(): LedgerFile;
  /** The ledger's path as git names it (repository-relative). */
  path: string;
  /** An event as it will be written: time, actor, command, environment and reason filled in. */
  stamp(event: RecordedEvent): NewEvent;
  /** Appends events and writes the ledger (crash-safe); does not commit. */
  append(events: RecordedEvent[]): Promise<void>;
  /** Appends in memory only: a dry run plans from the ledger it would write, and writes nothing. */
  remember(events: RecordedEvent[]): void;
  /** The ledger as a step wrote it (a new one, or the copy finish commits on each branch). */
  replace(file: LedgerFile, written: boolean): void;
  /** Where the ledger stands now, to come back to with `rewind`. */
  mark(): RecorderMark;
  /**
   * Writes the ledger back as it was at `mark`: a step that changed nothing in the database
   * leaves no event (its intent included) and nothing to commit.
   */
  rewind(to: RecorderMark): Promise<void>;
  /**
   * Commits the ledger when it changed since the last commit, with `paths` beside it
   * (--no-commit leaves them staged); undefined when nothing was committed.
   */
  commit(message: string, paths?: readonly string[]): Promise<string | undefined>;
}

export interface RecorderContext {
  store: LedgerStore;
  git: Git;
  actor: string;
  command: string;
  env?: EnvRef | undefined;
  reason?: string | undefined;
  /** false: --no-commit. */
  commit: boolean;
  now: () => Date;
}

export function recorder(initial: LedgerFile, ctx: RecorderContext): Recorder {
  let file = initial;
  let dirty = false;
  const rel = ctx.store.relativePath(file.name);
  const stamp = (event: RecordedEvent): NewEvent => ({
    at: ctx.now().toISOString(),
    actor: ctx.actor,
    command: ctx.command,
    ...(ctx.env ? { env: ctx.env } : {}),
    ...(ctx.reason ? { reason: ctx.reason } : {}),
    ...event,
  });
  return {
    file: () => file,
    path: rel,
    stamp,
    append: async (events) => {
      file = appendEvents(file, events.map(stamp));
      await ctx.store.write(file);
      dirty = true;
    },
    remember: (events) => {
      file = appendEvents(file, events.map(stamp));
    },
    mark: () => ({ file, dirty }),
    rewind: async (to) => {
      if (file === to.file) return;
      await ctx.store.write(to.file);
      file = to.file;
      dirty = to.dirty;
    },
    replace: (next, written) => {
      file = next;
      if (written) dirty = true;
    },
    commit: async (message, paths = []) => {
      const all = [...(dirty ? [rel] : []), ...paths];
      if (all.length === 0) return undefined;
      await ctx.git.add(all);
      dirty = false;
      if (!ctx.commit) return undefined;
      return ctx.git.commit(message, all);
    },
  };
}
