import { deriveState } from '../core/ledger.js';
import { validateHotfixName } from '../core/names.js';
import { usageError } from '../core/errors.js';
import { downKind } from '../core/templates.js';
import type { LedgerEntry } from './ledger-store.js';
import { findHotfix, readHotfixFile, type Project } from './project.js';

// What the checklist reads: which hotfix, and whether its down.sql is written.

/** The named hotfix; without a name the only open one, or none (the blank checklist). */
export async function pick(p: Project, name: string | undefined): Promise<LedgerEntry | undefined> {
  if (name !== undefined) return findHotfix(p, validateHotfixName(name));
  const open = (await p.store.listAll()).filter((e) => deriveState(e.file).phase === 'open');
  if (open.length > 1) {
    throw usageError(
      'WHICH_HOTFIX',
      `${open.length} hotfixes are open: ${open.map((e) => e.file.name).join(', ')}.`,
      { hint: 'Name one: hotfix checklist <name>' },
    );
  }
  return open[0];
}

/** down.sql written (not the template), read where the ledger is (working tree or branch). */
export async function downWritten(p: Project, entry: LedgerEntry | undefined): Promise<boolean | undefined> {
  if (!entry) return undefined;
  const text = await readHotfixFile(p, entry, `${p.config.migrations}/${entry.file.migration}/down.sql`);
  return downKind(text) === 'filled';
}
