import type { ChalkInstance } from 'chalk';
import type { VerifyResult } from '../commands/verify.js';
import type { VerifyFinding, VerifySeverity } from '../core/verify/findings.js';
import { indent } from '../core/text.js';

function paint(c: ChalkInstance, severity: VerifySeverity, text: string): string {
  return severity === 'error' ? c.red(text) : severity === 'warning' ? c.yellow(text) : c.blue(text);
}

export const where = (f: VerifyFinding) =>
  [f.env ?? 'repo', f.migration ?? f.hotfix].filter(Boolean).join('  ');

const plural = (n: number, word: string, many = `${word}s`) => `${n} ${n === 1 ? word : many}`;

/** "2 errors, 1 warning, 0 info". */
export const counts = (r: VerifyResult) =>
  `${plural(r.summary.errors, 'error')}, ${plural(r.summary.warnings, 'warning')}, ${r.summary.infos} info`;

/** Why verify failed, from its exit code. */
export function failedBecause(exitCode: number): string {
  return exitCode === 1
    ? 'findings of error severity'
    : exitCode === 4
      ? 'a check could not run (infrastructure)'
      : exitCode === 3
        ? 'a ledger is unreadable'
        : 'usage or configuration';
}

/**
 * The findings as a table (severity, code, where), each followed by what happened and the
 * command that fixes it; then what was checked, and the verdict with its exit code.
 */
export function renderVerify(c: ChalkInstance, r: VerifyResult): string {
  const lines: string[] = [];
  if (r.findings.length > 0) {
    const codeWidth = Math.max(4, ...r.findings.map((f) => f.code.length));
    lines.push(c.bold(`${'SEVERITY'.padEnd(8)}  ${'CODE'.padEnd(codeWidth)}  WHERE`));
    for (const f of r.findings) {
      lines.push(`${paint(c, f.severity, f.severity.padEnd(8))}  ${f.code.padEnd(codeWidth)}  ${where(f)}`);
      lines.push(indent(f.message, '          '));
      if (f.fix) lines.push(`          ${c.green('fix:')} ${f.fix}`);
    }
    lines.push('');
  }
  lines.push(c.bold('Checked'));
  lines.push(
    `  repository   ${plural(r.checked.hotfixes, 'hotfix', 'hotfixes')} (ledger, files, lint, merge-back), ${plural(r.checked.migrations, 'migration folder')}`,
  );
  for (const e of r.checked.envs) {
    const state = e.checked
      ? `${e.applied} applied, ${e.pending} pending, ${e.failed} failed, drift: ${e.drift}`
      : 'NOT fully checked (see above)';
    lines.push(`  ${e.name.padEnd(12)} ${e.database}: ${state} (${(e.durationMs / 1000).toFixed(1)} s)`);
  }
  lines.push('');
  if (r.ok) lines.push(`${c.green('✔')} hotfix verify passed: ${counts(r)}${r.strict ? ' (--strict)' : ''}`);
  else {
    lines.push(
      `${c.red('✖')} hotfix verify failed: ${counts(r)}${r.strict ? ' (--strict: warnings count)' : ''}; exit ${r.exitCode}, ${failedBecause(r.exitCode)}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** The --json document: `{ok, findings: [{code, severity, env, migration, message, fix}], ...}`. */
export function verifyJson(r: VerifyResult): Record<string, unknown> {
  return {
    ok: r.ok,
    exitCode: r.exitCode,
    strict: r.strict,
    summary: r.summary,
    findings: r.findings.map((f) => ({
      code: f.code,
      severity: f.severity,
      env: f.env,
      migration: f.migration,
      hotfix: f.hotfix,
      message: f.message,
      fix: f.fix,
      ...(f.details ? { details: f.details } : {}),
    })),
    checked: r.checked,
  };
}
