import type { ChalkInstance } from 'chalk';
import type { NotifyResult } from '../commands/notify.js';
import type { ReportResult } from '../commands/report.js';

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
