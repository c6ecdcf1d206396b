import type { LedgerEntry } from '../workflow/ledger-store.js';
import {
  currentPhase,
  ledgerChecklist,
  nextItem,
  type ChecklistItem,
  type ChecklistPhase,
} from '../core/checklists.js';
import { usageError } from '../core/errors.js';
import { deriveState } from '../core/ledger.js';
import { describeMismatch } from '../core/ledger-claims.js';
import { checkLedgerClaims } from '../workflow/ledger-claims.js';
import type { Deps } from '../workflow/deps.js';
import { actorOf, openProject, type Project } from '../workflow/project.js';
import { applyPlan, lockForRun } from '../workflow/apply.js';
import { recorder } from '../workflow/recorder.js';
import { parsePhase, planTick } from '../core/plan/checklist.js';
import { downWritten, pick } from '../workflow/checklist-facts.js';

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
  /** Ledger claims the databases contradict: their items stay unticked (LEDGER_DB_MISMATCH). */
  mismatches: string[];
  /** Environments whose claims were not read against their database, and why. */
  unchecked: { env: string; why: string }[];
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
  return view(p, entry, asked, null, null, deps);
}

async function view(
  p: Project,
  entry: LedgerEntry | undefined,
  asked: ChecklistPhase | undefined,
  ticked: ChecklistResult['ticked'],
  commit: string | null,
  deps: Deps,
): Promise<ChecklistResult> {
  // A claim the database contradicts ticks nothing: its event is left out of what is read.
  const claims =
    entry && deriveState(entry.file).phase === 'open'
      ? await checkLedgerClaims(p, entry.file, deps)
      : undefined;
  const wrong = new Set(claims?.mismatches.map((m) => `${m.env} ${m.event.type} ${m.event.at}`));
  if (entry && wrong.size > 0) {
    entry = {
      ...entry,
      file: {
        ...entry.file,
        events: entry.file.events.filter((e) => !wrong.has(`${e.env?.name} ${e.type} ${e.at}`)),
      },
    };
  }
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
    mismatches: claims?.mismatches.map((m) => `LEDGER_DB_MISMATCH ${describeMismatch(m)}`) ?? [],
    unchecked: claims?.unread ?? [],
  };
}

async function tick(
  p: Project,
  entry: LedgerEntry,
  input: ChecklistInput,
  asked: ChecklistPhase | undefined,
  deps: Deps,
): Promise<ChecklistResult> {
  const name = entry.file.name;
  const note = input.note?.trim() || undefined;
  const { phase, item, plan } = planTick({ name, done: input.done ?? '', phase: asked, note });
  if (entry.onBranch) {
    throw usageError(
      'HOTFIX_NOT_HERE',
      `Hotfix "${name}" is recorded on branch ${entry.onBranch}, not in this checkout.`,
      {
        hint: `Switch to it so the tick is committed with the hotfix: git checkout ${entry.onBranch}`,
      },
    );
  }
  const run = { commit: input.commit };
  const lock = await lockForRun(p.git, `hotfix checklist ${name}`, deps, run);
  try {
    // Read again under the lock: the file may have changed since it was listed.
    const file = (await p.store.read(name)) ?? entry.file;
    const rec = recorder(file, {
      store: p.store,
      git: p.git,
      actor: await actorOf(p.git, deps),
      command: 'checklist',
      commit: input.commit,
      now: deps.now,
    });
    const applied = await applyPlan({ ...p, deps, rec, input: { ...run, name } }, plan, {
      command: 'checklist',
    });
    return view(
      p,
      { ...entry, file: rec.file() },
      asked ?? phase,
      { phase, item, note: note ?? null },
      applied.commit,
      deps,
    );
  } finally {
    await lock?.release();
  }
}
