import type { ChalkInstance } from 'chalk';
import type { RollbackResult } from '../commands/rollback.js';
import { renderLintFindings } from './lint.js';
import { renderChecklist } from './checklist.js';
import { renderPlan } from './plan.js';
import { indent, oneLine } from '../core/text.js';

const flat = (sql: string) => oneLine(sql, 100);

const FOUND: Record<RollbackResult['found'], string> = {
  absent: 'never applied there',
  failed: 'FAILED (neither finished nor rolled back)',
  applied: 'applied (finished)',
  'rolled-back': 'rolled back',
  'rolled-forward': 'applied, and rolled forward by its revert migration',
  'revert-failed': 'applied; its revert migration FAILED part way',
};

export function renderRollback(c: ChalkInstance, r: RollbackResult): string {
  const lines: string[] = [];
  if (r.reconciled) lines.push(`${c.yellow('!')} ${r.reconciled}`);
  const noop = r.alreadyDone;
  if (r.dryRun)
    lines.push(c.bold(`Dry run: rollback of ${r.hotfix} on ${r.env} (${r.database}); nothing was changed`));
  else if (noop) lines.push(`${c.green('✔')} ${r.summary}`);
  else lines.push(`${c.green('✔')} ${c.bold(`Rolled back ${r.hotfix} on ${r.env}`)} (${r.database})`);
  lines.push(`  found      ${r.migration}: ${FOUND[r.found]}`);
  if (!noop || r.dryRun) lines.push(`  ${r.dryRun ? 'plan' : 'done'}       ${r.summary}`);
  if (r.revert)
    lines.push(
      `  revert     ${r.revert.path}${r.revert.created ? (r.dryRun ? ' (would be created)' : ' (created)') : ''}${r.revert.commit ? `, committed ${r.revert.commit.slice(0, 12)}` : ''}`,
    );
  if (r.timeouts)
    lines.push(
      `  timeouts   lock_timeout ${r.timeouts.lockTimeout}, statement_timeout ${r.timeouts.statementTimeout}`,
    );
  if (r.commit) lines.push(`  ledger     committed ${r.commit.slice(0, 12)}`);
  if (r.backup) {
    lines.push(`  backup     ${r.backup.dir}/ (production data: not committed)`);
    lines.push(`  restore    ${r.backup.restore}`);
  }

  if (r.parts.length > 0 || r.unchecked.length > 0) {
    lines.push('', c.bold('Parts of the migration in the database (before the rollback)'));
    for (const p of r.parts)
      lines.push(
        `  ${p.present ? c.yellow('present') : 'absent '}  ${p.object} (${p.change === 'adds' ? 'added' : 'removed'} by statement ${p.statement})`,
      );
    for (const u of r.unchecked)
      lines.push(`  ${c.dim('unknown')}  statement ${u.statement}: ${flat(u.sql)} (${u.why})`);
  }
  if (r.steps.length > 0 && r.action !== 'roll-forward') {
    lines.push('', c.bold(r.action === 'finish-revert' ? 'Revert migration' : 'down.sql'));
    for (const s of r.steps)
      lines.push(
        `  ${s.run ? c.green('run ') : 'skip'}  ${s.statement}. ${flat(s.sql)}  ${c.dim(`-- ${s.why}`)}`,
      );
  }
  if (r.sql && (r.dryRun || r.action === 'roll-forward')) {
    lines.push(
      '',
      c.bold(r.action === 'roll-forward' ? `-- ${r.revert?.path ?? 'revert'}` : '-- SQL to run'),
      indent(r.sql),
    );
  }
  if (r.lint && r.lint.findings.some((f) => f.severity !== 'info' || f.suppressed)) {
    const shown = r.lint.findings.filter((f) => f.severity !== 'info' || f.suppressed);
    lines.push(
      '',
      `${c.bold('Lint')}: ${r.lint.errors} error(s), ${r.lint.warnings} warning(s), ${r.lint.suppressed} suppressed`,
      ...renderLintFindings(c, shown, '  '),
    );
  }
  if (r.dryRun) lines.push('', ...renderPlan(c, r.plan));
  if (r.next.length > 0) lines.push('', c.bold('Next'), ...r.next.map((step, i) => `  ${i + 1}. ${step}`));
  if (!r.dryRun) lines.push('', ...renderChecklist(c, 'rollback', r.checklist));
  return `${lines.join('\n')}\n`;
}
