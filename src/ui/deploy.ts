import type { ChalkInstance } from 'chalk';
import type { DeployResult } from '../commands/deploy.js';
import { indent } from '../core/text.js';
import { renderChecklist } from './checklist.js';
import { renderLintSection } from './lint.js';
import { renderPlan } from './plan.js';

export function renderDeploy(c: ChalkInstance, r: DeployResult): string {
  const lines: string[] = [];
  for (const note of r.notes) lines.push(`${c.yellow('!')} ${note}`);
  if (r.reconciled) lines.push(`${c.yellow('!')} ${r.reconciled}`);
  if (r.dryRun) {
    lines.push(
      c.bold(
        `Dry run: deploy to ${r.env} (${r.database}) would apply ${r.applied.length} migration(s); nothing was changed`,
      ),
    );
    for (const m of r.sql) lines.push('', c.bold(`-- ${m.migration}/migration.sql`), indent(m.sql));
    if (r.alreadyApplied) lines.push(`${r.migration} is already applied on ${r.env}: nothing would run.`);
    lines.push('', ...renderPlan(c, r.plan));
  } else if (r.alreadyApplied) {
    lines.push(
      `${c.green('✔')} ${r.migration} is already applied on ${r.env} (${r.database}); nothing to do.`,
    );
  } else {
    lines.push(`${c.green('✔')} ${c.bold(`Deployed to ${r.env}`)} (${r.database}): ${r.applied.join(', ')}`);
    lines.push(`  _prisma_migrations shows ${r.migration} finished`);
    if (r.verifySql === 'holds') lines.push('  verify.sql holds: its queries return no rows');
    if (r.backup) {
      lines.push(
        `  backup     ${r.backup.dir}/ (production data: not committed; delete it when the incident is closed)`,
      );
      for (const i of r.backup.items)
        lines.push(`             ${i.file}: ${i.rows} row(s) of ${i.table}${i.column ? `.${i.column}` : ''}`);
      lines.push(`  restore    ${r.backup.restore}`);
    }
  }
  if (r.commit) lines.push(`  ledger committed ${r.commit.slice(0, 12)}`);
  if (r.lint && r.lint.findings.length > 0) lines.push('', ...renderLintSection(c, r.lint));
  if (!r.dryRun) lines.push('', ...renderChecklist(c, 'post-deploy', r.checklist));
  return `${lines.join('\n')}\n`;
}
