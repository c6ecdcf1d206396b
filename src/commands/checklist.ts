import type { LedgerEntry } from '../workflow/ledger-store.js';
import {
  CHECKLIST_PHASES,
  currentPhase,
  ledgerChecklist,
  ledgerProven,
  manualItems,
  nextItem,
  phaseOf,
  type ChecklistItem,
  type ChecklistPhase,
} from '../core/checklists.js';
import { usageError } from '../core/errors.js';
import { deriveState } from '../core/ledger.js';
import { validateHotfixName } from '../core/names.js';
import { isDownTemplate } from '../core/templates.js';
import type { Deps } from '../workflow/deps.js';
import {
  actorOf,
  findHotfix,
  lockRepo,
  openProject,
  readHotfixFile,
  recordEvents,
  type Project,
} from '../workflow/project.js';

export interface ChecklistInput {
  name?: string | undefined;
  phase?: string | undefined;
  /** `phase.item` (or `item` when one phase has it) a person did: recorded in the ledger. */
  done?: string | undefined;
  note?: string | undefined;
  commit: boolean;
}

export interface ChecklistResult {
  command: 'checklist';
  hotfix: string | null;
  phase: ChecklistPhase;
  items: ChecklistItem[];
  /** The first unticked item and the command that does it. */
  next: { id: string; text: string; command: string } | null;
  /** The item this run ticked. */
  ticked: { phase: ChecklistPhase; item: string; note: string | null } | null;
  commit: string | null;
}

/** `hotfix checklist [name]`: a phase's checklist ticked from the ledger; `--done` ticks one by hand. */
export async function checklistCommand(input: ChecklistInput, deps: Deps): Promise<ChecklistResult> {
  const asked = input.phase === undefined ? undefined : parsePhase(input.phase);
  const p = await openProject(deps);
  const entry = await pick(p, input.name);
  if (input.done !== undefined) {
    if (!entry)
      throw usageError(
        'CHECKLIST_NEEDS_NAME',
        '--done needs the hotfix name: hotfix checklist <name> --done <item>.',
      );
    return tick(p, entry, input, asked, deps);
  }
  return view(p, entry, asked, null, null);
}

function parsePhase(text: string): ChecklistPhase {
  const phase = phaseOf(text);
  if (!phase) {
    throw usageError('UNKNOWN_PHASE', `Unknown checklist phase "${text}".`, {
      hint: `Use one of: pre, deploy, post, rollback, merge-back (or ${CHECKLIST_PHASES.join(', ')}).`,
    });
  }
  return phase;
}

/** The named hotfix; without a name the only open one, or none (the blank checklist). */
async function pick(p: Project, name: string | undefined): Promise<LedgerEntry | undefined> {
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

async function view(
  p: Project,
  entry: LedgerEntry | undefined,
  asked: ChecklistPhase | undefined,
  ticked: ChecklistResult['ticked'],
  commit: string | null,
): Promise<ChecklistResult> {
  const facts = {
    environments: Object.keys(p.config.environments),
    downWritten: await downWritten(p, entry),
  };
  let phase = asked ?? currentPhase(entry && deriveState(entry.file));
  let items = ledgerChecklist(phase, entry?.file, facts);
  // Everything after the deploy is ticked: what is left is the merge back.
  if (!asked && phase === 'post-deploy' && items.every((i) => i.done)) {
    phase = 'merge-back';
    items = ledgerChecklist(phase, entry?.file, facts);
  }
  return {
    command: 'checklist',
    hotfix: entry?.file.name ?? null,
    phase,
    items,
    next: nextItem(phase, items, entry?.file.name, facts) ?? null,
    ticked,
    commit,
  };
}

/** down.sql written (not the template), read where the ledger is (working tree or branch). */
async function downWritten(p: Project, entry: LedgerEntry | undefined): Promise<boolean | undefined> {
  if (!entry) return undefined;
  const text = await readHotfixFile(p, entry, `${p.config.migrations}/${entry.file.migration}/down.sql`);
  return text !== undefined && !isDownTemplate(text);
}

/** Resolves `phase.item` or `item` to one manual item; ledger-proven items cannot be ticked. */
function itemOf(text: string, asked: ChecklistPhase | undefined): { phase: ChecklistPhase; item: string } {
  const dot = text.indexOf('.');
  const phase = dot > 0 ? parsePhase(text.slice(0, dot)) : asked;
  const item = dot > 0 ? text.slice(dot + 1) : text;
  const manual = manualItems().filter((m) => m.item === item && (!phase || m.phase === phase));
  const proven = (phase ? [phase] : CHECKLIST_PHASES).find((ph) => ledgerProven(ph, item));
  if (proven && manual.length === 0) {
    throw usageError(
      'CHECKLIST_ITEM_PROVEN',
      `${proven}.${item} is ticked by the ledger when the command that does it runs, not by hand.`,
      { hint: `hotfix checklist <name> --phase ${proven} shows the command that does it.` },
    );
  }
  if (manual.length === 1) return { phase: manual[0]!.phase, item };
  const options = manualItems()
    .map((m) => `${m.phase}.${m.item}`)
    .join(', ');
  throw usageError(
    manual.length > 1 ? 'CHECKLIST_ITEM_AMBIGUOUS' : 'UNKNOWN_CHECKLIST_ITEM',
    manual.length > 1
      ? `"${text}" is an item of ${manual.map((m) => m.phase).join(' and ')}: say which.`
      : `No checklist item "${text}" that a person ticks.`,
    { hint: `Items a person ticks: ${options}.` },
  );
}

async function tick(
  p: Project,
  entry: LedgerEntry,
  input: ChecklistInput,
  asked: ChecklistPhase | undefined,
  deps: Deps,
): Promise<ChecklistResult> {
  const { phase, item } = itemOf(input.done ?? '', asked);
  const name = entry.file.name;
  if (entry.onBranch) {
    throw usageError(
      'HOTFIX_NOT_HERE',
      `Hotfix "${name}" is recorded on branch ${entry.onBranch}, not in this checkout.`,
      {
        hint: `Switch to it so the tick is committed with the hotfix: git checkout ${entry.onBranch}`,
      },
    );
  }
  const lock = await lockRepo(p.git, `hotfix checklist ${name}`, deps);
  try {
    // Read again under the lock: the file may have changed since it was listed.
    const file = (await p.store.read(name)) ?? entry.file;
    const note = input.note?.trim() || undefined;
    const { file: next, commit } = await recordEvents(
      p,
      file,
      [
        {
          type: 'checked',
          at: deps.now().toISOString(),
          actor: await actorOf(p.git, deps),
          command: 'checklist',
          outcome: 'ok',
          details: { phase, item, ...(note ? { note } : {}) },
        },
      ],
      { commit: input.commit, message: `hotfix(${name}): checklist ${phase}.${item} done` },
    );
    return view(p, { ...entry, file: next }, asked ?? phase, { phase, item, note: note ?? null }, commit);
  } finally {
    await lock.release();
  }
}
