import type { ChalkInstance } from 'chalk';
import type { ResolveResult } from '../commands/resolve.js';
import { proofLines } from '../core/plan/confirm-summary.js';
import { renderChecklist } from './checklist.js';
import { renderPlan } from './plan.js';

export function renderResolve(c: ChalkInstance, r: ResolveResult): string {
  const lines: string[] = [];
  if (r.reconciled) lines.push(`${c.yellow('!')} ${r.reconciled}`);
  if (r.dryRun) {
    lines.push(
      c.bold(
        `Dry run: resolve ${r.migration} as ${r.action} on ${r.env} (${r.database}); nothing was changed`,
      ),
    );
    if (r.alreadyDone) lines.push(`${r.migration} is already ${r.action} there: nothing would be marked.`);
    // The question's details show the proof under the plan's "ask" step: said once.
    else if (r.action === 'applied' && !r.plan.some((st) => st.kind === 'confirm'))
      lines.push(...renderProof(r));
    lines.push('', ...renderPlan(c, r.plan));
    return `${lines.join('\n')}\n`;
  }
  if (r.alreadyDone) {
    lines.push(
      `${c.green('✔')} ${r.migration} is already ${r.action === 'applied' ? 'recorded as applied' : 'rolled back'} on ${r.env}; nothing to do.`,
    );
  } else {
    lines.push(
      `${c.green('✔')} ${c.bold(`Marked ${r.migration} as ${r.action} on ${r.env}`)} (${r.database}) without running its SQL`,
    );
    if (r.action === 'applied') lines.push(...renderProof(r));
  }
  if (r.commit) lines.push(`  ledger committed ${r.commit.slice(0, 12)}`);
  lines.push('', ...renderChecklist(c, r.action === 'applied' ? 'post-deploy' : 'rollback', r.checklist));
  return `${lines.join('\n')}\n`;
}

/** Which check proved it, each statement and what proved it, and why a check did not run. */
function renderProof(r: ResolveResult): string[] {
  return [
    ...proofLines(r.check, r.proof).map((l) => `  ${l}`),
    ...(r.checkNote ? [`  note: ${r.checkNote}`] : []),
  ];
}

/** Errors and warnings in full; infos (advice) only counted, so the important ones stand out. */
