import type { ChalkInstance } from 'chalk';
import type { LintSummary } from '../core/plan/types.js';
import type { LintResult } from '../commands/lint.js';
import type { LintFinding, Severity } from '../core/lint/index.js';

const LABEL: Record<Severity, string> = { error: 'error', warning: 'warning', info: 'info' };

function severity(c: ChalkInstance, f: LintFinding): string {
  const label = LABEL[f.severity].padEnd(7);
  if (f.suppressed) return c.dim(label);
  return f.severity === 'error' ? c.red(label) : f.severity === 'warning' ? c.yellow(label) : c.blue(label);
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Renders findings grouped by file: line, severity, rule, statement, then why and the fix. */
export function renderLintFindings(
  c: ChalkInstance,
  findings: readonly LintFinding[],
  indent = '',
): string[] {
  const lines: string[] = [];
  const byFile = new Map<string, LintFinding[]>();
  for (const f of findings) {
    const key = f.file ?? '(sql)';
    const list = byFile.get(key) ?? [];
    list.push(f);
    byFile.set(key, list);
  }
  const lineWidth = Math.max(1, ...findings.map((f) => String(f.line).length));
  const ruleWidth = Math.max(4, ...findings.map((f) => f.rule.length));
  for (const [file, list] of byFile) {
    lines.push(`${indent}${c.bold(file)}`);
    for (const f of list) {
      const head = `${indent}  ${String(f.line).padStart(lineWidth)}  ${severity(c, f)}  ${f.rule.padEnd(ruleWidth)}  ${f.statement}`;
      lines.push(f.suppressed ? c.dim(head) : head);
      const pad = `${indent}  ${' '.repeat(lineWidth)}  `;
      if (f.suppressed) {
        lines.push(c.dim(`${pad}suppressed: ${f.suppressed.reason}`));
        continue;
      }
      lines.push(`${pad}${f.message}`);
      const [first, ...rest] = f.fix.split('\n');
      lines.push(`${pad}${c.green('fix:')} ${first ?? ''}`);
      for (const more of rest) lines.push(`${pad}     ${more}`);
    }
  }
  return lines;
}

export function renderLint(c: ChalkInstance, r: LintResult): string {
  const lines: string[] = [];
  const hotfixFiles = r.files.filter((f) => f.hotfix).length;
  if (r.files.length === 0) {
    lines.push('No migration files to lint.');
  } else {
    lines.push(...renderLintFindings(c, r.findings));
    if (r.findings.length > 0) lines.push('');
    const summary = [
      plural(r.errors, 'error'),
      plural(r.warnings, 'warning'),
      `${r.infos} info`,
      ...(r.suppressed > 0 ? [`${r.suppressed} suppressed`] : []),
    ].join(', ');
    const scope = `${plural(r.files.length, 'file')}${hotfixFiles > 0 ? ` (${hotfixFiles} hotfix)` : ''}`;
    const mark = r.errors > 0 ? c.red('✖') : c.green('✔');
    lines.push(`${mark} Linted ${scope}: ${summary}`);
    if (r.errors > 0) {
      lines.push(
        '  Fix the statements above, or suppress one with a reason on the line before it:',
        '  -- hotfix-lint-disable-next-line <rule> -- <why this is safe here>',
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

/** The `--json` document: the result itself, with `ok` false when an error finding is left. */
export function lintJson(r: LintResult): Record<string, unknown> {
  return { ok: r.errors === 0, ...r };
}

/** A command's lint verdict on what it writes or runs, with the findings. */
export function renderLintSection(c: ChalkInstance, lint: LintSummary): string[] {
  const shown = lint.findings.filter((f) => f.severity !== 'info' || f.suppressed);
  const head = `${c.bold('Lint')}: ${lint.errors} error(s), ${lint.warnings} warning(s), ${lint.infos} info, ${lint.suppressed} suppressed`;
  if (shown.length === 0) return [head];
  return [
    head,
    ...renderLintFindings(c, shown, '  '),
    ...(lint.infos > 0 ? ['  (hotfix lint <file> shows the info-level advice too)'] : []),
  ];
}
