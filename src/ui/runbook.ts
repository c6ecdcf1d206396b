import type { ChalkInstance } from 'chalk';
import type { ChecklistResult } from '../commands/checklist.js';
import type { NotifyResult } from '../commands/notify.js';
import type { ReportResult } from '../commands/report.js';
import { renderChecklist } from './render.js';

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
  lines.push(...renderChecklist(c, r.phase, r.items));
  lines.push(
    '',
    r.next
      ? `${c.bold('Next:')} ${r.next.text}\n  ${r.next.command}`
      : `${c.bold('Next:')} every item of this phase is done.`,
  );
  return `${lines.join('\n')}\n`;
}

/** `hotfix report`: the Markdown itself, or where it was written. */
export function renderReport(_c: ChalkInstance, r: ReportResult): string {
  if (!r.written) return r.markdown;
  const prompts = r.markdown.split('\n').filter((l) => l.startsWith('> **[to fill in]**')).length;
  return `Wrote ${r.written}: ${r.timeline.length} timeline entries, ${prompts} section(s) marked [to fill in].\n`;
}

/** `hotfix notify`: the message only, ready to paste. */
export function renderNotice(_c: ChalkInstance, r: NotifyResult): string {
  return r.text;
}
