import type { Ports } from './ports.js';
import type { ShowRows } from './verify-sql.js';

/** What commands get from the outside world; tests pass their own cwd, clock and env. */
export interface Deps {
  cwd: string;
  /** The outside world: files, git, prisma, databases (cli/ports.ts; fakes in tests). */
  ports: Ports;
  env: Record<string, string | undefined>;
  now: () => Date;
  /** --config, relative to cwd. */
  configPath?: string | undefined;
  /** Progress lines for people (stderr); never data. */
  progress?: (line: string) => void;
  /** Shows a long step while it runs (a spinner with elapsed time); absent where nobody watches. */
  task?: (<T>(label: string, fn: () => Promise<T>) => Promise<T>) | undefined;
  /** --force-unlock: a stale lock of this host (its process gone) is removed, and said so. */
  forceUnlock?: boolean | undefined;
  /** --wait: seconds to wait for the repository lock another hotfix command holds. */
  waitSeconds?: number | undefined;
  /**
   * --show-rows at a terminal: prints the rows verify.sql found, for the person only. Absent
   * everywhere else (CI, --json, no terminal): row values never enter a result or the ledger.
   */
  showRows?: ShowRows | undefined;
  /** Asks a person to pick one of `choices`; absent where nobody can be asked (like `confirm`). */
  choose?: ((question: string, choices: string[]) => Promise<string | undefined>) | undefined;
  /** Waits (--wait-for-locks between looks); tests pass one that does not. */
  sleep?: ((ms: number) => Promise<void>) | undefined;
  /** Asks a person yes/no; absent when there is no terminal (CI), where --yes is required. */
  confirm?: ((question: string) => Promise<boolean>) | undefined;
}

/** Runs `fn` as a step people can watch when there is a terminal to show it on. */
export function withTask<T>(deps: Deps, label: string, fn: () => Promise<T>): Promise<T> {
  return deps.task ? deps.task(label, fn) : fn();
}
