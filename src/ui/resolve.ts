import type { ChalkInstance } from 'chalk';
import type { ResolveResult } from '../commands/resolve.js';
import { oneLine } from '../core/text.js';
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
    else if (r.action === 'applied') lines.push(`  check: ${r.check}`, ...renderProof(r));
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
    if (r.action === 'applied') lines.push(`  check: ${r.check}`, ...renderProof(r));
  }
  if (r.commit) lines.push(`  ledger committed ${r.commit.slice(0, 12)}`);
  lines.push('', ...renderChecklist(c, r.action === 'applied' ? 'post-deploy' : 'rollback', r.checklist));
  return `${lines.join('\n')}\n`;
}

/** Each statement and the check that proved it. */
function renderProof(r: ResolveResult): string[] {
  return r.proof.map((p) => `    ${p.statement}. ${oneLine(p.sql, 70)}\n       proved by ${p.by}`);
}

/** Errors and warnings in full; infos (advice) only counted, so the important ones stand out. */
