import type { ChalkInstance } from 'chalk';
import type { FinishResult } from '../commands/finish.js';
import { stepText } from './plan.js';
import type { GuardFinding } from '../core/merge-guard.js';
import { renderChecklist } from './checklist.js';

export function renderGuard(c: ChalkInstance, guard: readonly GuardFinding[], develop: string): string[] {
  if (guard.length === 0)
    return [
      `${c.bold('Merge-back guard')}: nothing on ${develop} runs out of order or touches the same tables.`,
    ];
  const lines = [c.bold(`Merge-back guard: ${guard.length} thing(s) to check before ${develop} ships`)];
  for (const g of guard) {
    const label = g.kind === 'out-of-order' ? 'out of order' : 'same tables';
    lines.push(`  ${c.yellow('!')} [${label}] ${g.message}`, `    What to do: ${g.fix}`);
  }
  return lines;
}

export function renderFinish(c: ChalkInstance, r: FinishResult): string {
  const lines: string[] = [];
  if (r.alreadyDone) {
    lines.push(`${c.green('✔')} Hotfix ${r.hotfix} is already finished; nothing to do.`);
    return `${lines.join('\n')}\n`;
  }
  if (r.partial.length > 0)
    lines.push(
      `${c.yellow('!')} Finishing with ${r.partial.map((p) => `${p.env} ${p.state}`).join(', ')} (--allow-partial)`,
    );
  for (const u of r.unchecked)
    lines.push(
      `${c.yellow('!')} ${u.env} not checked against its database (${u.why}): its ledger record is taken as it is.`,
    );
  if (r.dryRun) {
    lines.push(c.bold(`Dry run: hotfix finish ${r.hotfix} would do the following (nothing was changed)`));
    r.plan.forEach((s, i) => lines.push(`  ${i + 1}. ${stepText(c, s)}`));
  } else {
    lines.push(`${c.green('✔')} ${c.bold(`Finished hotfix ${r.hotfix}`)}`);
    for (const d of r.done) lines.push(`  ${d}`);
    if (r.on) lines.push(`  now on ${r.on}`);
  }
  lines.push('', ...renderGuard(c, r.guard, r.develop));
  if (!r.dryRun) {
    lines.push('', ...renderChecklist(c, 'merge-back', r.checklist));
    if (!r.plan.some((s) => s.kind === 'push'))
      lines.push(
        '',
        `Push when ready: git push origin ${[...new Set([r.base, r.develop])].join(' ')}${r.tag ? ` ${r.tag}` : ''}`,
      );
  }
  return `${lines.join('\n')}\n`;
}
