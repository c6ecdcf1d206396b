import type { ChalkInstance } from 'chalk';
import { CHECKLIST_TITLES, type ChecklistItem, type ChecklistPhase } from '../core/checklists.js';
import type { ChecklistResult } from '../commands/checklist.js';

/** A phase's checklist, ticked from the ledger (and by hand, with who and when). */
export function renderChecklist(c: ChalkInstance, phase: ChecklistPhase, items: ChecklistItem[]): string[] {
  return [
    c.bold(CHECKLIST_TITLES[phase]),
    ...items.map((item) =>
      item.done
        ? `  ${c.green('[x]')} ${item.text}${item.tick ? c.dim(` (${item.tick.actor}, ${item.tick.at}${item.tick.note ? `: ${item.tick.note}` : ''})`) : ''}`
        : `  [ ] ${item.text}`,
    ),
  ];
}

/** `hotfix checklist`: the phase's items, then what to run next. */
export function renderChecklistResult(c: ChalkInstance, r: ChecklistResult): string {
  const lines: string[] = [];
  if (r.ticked) {
    lines.push(
      `${c.green('✔')} Recorded ${r.ticked.phase}.${r.ticked.item} as done${r.ticked.note ? `: ${r.ticked.note}` : ''}${r.commit ? ` (ledger committed ${r.commit.slice(0, 12)})` : ''}`,
      '',
    );
  }
  if (r.hotfix) lines.push(c.dim(`hotfix ${r.hotfix}`));
  else lines.push(c.dim('no open hotfix: the checklist before hotfix start'));
  for (const m of r.mismatches) lines.push(c.red(`! ${m}: not ticked`));
  for (const u of r.unchecked) lines.push(c.dim(`  ${u.env} not checked against its database: ${u.why}`));
  lines.push(...renderChecklist(c, r.phase, r.items));
  lines.push(
    '',
    r.next
      ? `${c.bold('Next:')} ${r.next.text}\n  ${r.next.command}`
      : `${c.bold('Next:')} every item of this phase is done.`,
  );
  return `${lines.join('\n')}\n`;
}
