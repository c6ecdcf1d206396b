import path from 'node:path';
import type { Git } from '../adapters/git.js';
import { parseLedger, serializeLedger, type LedgerFile } from '../core/ledger.js';
import { resolveInside } from '../core/names.js';
import type { Files } from './ports.js';

export const LEDGER_DIR = '.hotfix';

export interface LedgerEntry {
  file: LedgerFile;
  /** Where it was read: a path in the working tree, or `<branch>:<path>`. */
  source: string;
  onBranch: string | undefined;
}

export interface LedgerStore {
  /** Repo-relative path of a hotfix's ledger file (forward slashes, for git). */
  relativePath(name: string): string;
  absolutePath(name: string): string;
  /** The working tree's ledger for `name`, or undefined when there is none. */
  read(name: string): Promise<LedgerFile | undefined>;
  write(file: LedgerFile): Promise<void>;
  remove(name: string): Promise<void>;
  /** Every hotfix in the working tree and on local hotfix/* branches; invalid files throw. */
  listAll(): Promise<LedgerEntry[]>;
}

/**
 * The ledgers in `projectRoot`'s working tree only, by file name; invalid files throw (a ledger
 * error). Needs no git, so `hotfix lint` runs anywhere. `shownDir` names `.hotfix/` in messages.
 */
export async function listWorkingTree(
  files: Files,
  projectRoot: string,
  shownDir = LEDGER_DIR,
): Promise<LedgerEntry[]> {
  const dir = path.join(projectRoot, LEDGER_DIR);
  let names: string[] = [];
  try {
    names = (await files.list(dir))
      .map((e) => e.name)
      .filter((n) => n.endsWith('.json') && !n.startsWith('.'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const out: LedgerEntry[] = [];
  for (const entryName of names.sort()) {
    const rel = `${shownDir}/${entryName}`;
    const text = await files.read(path.join(dir, entryName));
    if (text !== undefined) out.push({ file: parseLedger(text, rel), source: rel, onBranch: undefined });
  }
  return out;
}

/** `projectRoot` holds `.hotfix/`; it may be a sub-folder of the git repository (monorepos). */
export function openLedgerStore(git: Git, files: Files, projectRoot: string): LedgerStore {
  const dir = path.join(projectRoot, LEDGER_DIR);
  // Paths as git names them: relative to the repository root, forward slashes.
  const gitDir = path.relative(git.root, dir).split(path.sep).join('/');
  const relativePath = (name: string) => `${gitDir}/${name}.json`;
  const absolutePath = (name: string) => resolveInside(dir, `${name}.json`);

  return {
    relativePath,
    absolutePath,
    read: async (name) => {
      const text = await files.read(absolutePath(name));
      return text === undefined ? undefined : parseLedger(text, relativePath(name));
    },
    write: (file) => files.write(absolutePath(file.name), serializeLedger(file)),
    remove: async (name) => {
      await files.remove(absolutePath(name));
      // Undo of a first write: leave no empty .hotfix/ behind.
      if ((await files.list(dir).catch(() => [undefined])).length === 0) await files.remove(dir);
    },
    listAll: async () => {
      const found = new Map<string, LedgerEntry>();
      const consider = (entry: LedgerEntry) => {
        const current = found.get(entry.file.name);
        // The copy with more events is further along (e.g. the hotfix branch before merge-back).
        if (!current || entry.file.events.length > current.file.events.length)
          found.set(entry.file.name, entry);
      };
      for (const entry of await listWorkingTree(files, projectRoot, gitDir)) consider(entry);
      const current = await git.currentBranch();
      for (const branch of await git.localBranches('hotfix/*')) {
        if (branch === current) continue; // the working tree already is this branch (and may be newer)
        for (const rel of await git.listFiles(branch, gitDir)) {
          const base = rel.slice(gitDir.length + 1);
          if (!base.endsWith('.json') || base.startsWith('.') || base.includes('/')) continue;
          const text = await git.show(branch, rel);
          if (text === undefined) continue;
          consider({
            file: parseLedger(text, `${branch}:${rel}`),
            source: `${branch}:${rel}`,
            onBranch: branch,
          });
        }
      }
      return [...found.values()].sort((a, b) => a.file.createdAt.localeCompare(b.file.createdAt));
    },
  };
}
