import { CHECKLIST_PHASES, ledgerProven, manualItems, phaseOf, type ChecklistPhase } from '../checklists.js';
import { usageError } from '../errors.js';
import type { Step } from './types.js';

/** `hotfix checklist --done`: the item a person ticked, recorded and committed. */
export function planTick(f: {
  name: string;
  done: string;
  phase: ChecklistPhase | undefined;
  note: string | undefined;
}): { phase: ChecklistPhase; item: string; plan: Step[] } {
  const { phase, item } = itemOf(f.done, f.phase);
  return {
    phase,
    item,
    plan: [
      {
        kind: 'record',
        event: {
          type: 'checked',
          outcome: 'ok',
          details: { phase, item, ...(f.note ? { note: f.note } : {}) },
        },
        why: `${phase}.${item} done by hand`,
      },
      { kind: 'commit', message: `hotfix(${f.name}): checklist ${phase}.${item} done` },
    ],
  };
}

export function parsePhase(text: string): ChecklistPhase {
  const phase = phaseOf(text);
  if (!phase) {
    throw usageError('UNKNOWN_PHASE', `Unknown checklist phase "${text}".`, {
      hint: `Use one of: pre, deploy, post, rollback, merge-back (or ${CHECKLIST_PHASES.join(', ')}).`,
    });
  }
  return phase;
}

/** Resolves `phase.item` or `item` to one manual item; ledger-proven items cannot be ticked. */
export function itemOf(
  text: string,
  asked: ChecklistPhase | undefined,
): { phase: ChecklistPhase; item: string } {
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
