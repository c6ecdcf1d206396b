import { blockingFindings, countFindings, lintSqlAsync, type LintFinding } from '../core/lint/index.js';
import { findingsError } from '../core/errors.js';
import { providerOf } from '../adapters/migration-lock.js';

export interface LintSummary {
  errors: number;
  warnings: number;
  infos: number;
  suppressed: number;
  findings: LintFinding[];
}

/**
 * Lints SQL that a command is about to write or run, with the provider of the migrations
 * folder and the hotfix severities. Shared by start (migration.sql, down.sql) and deploy.
 */
export async function lintFiles(
  files: { file: string; sql: string; hotfix: boolean }[],
  migrationsDir: string,
  projectRoot: string,
): Promise<LintSummary> {
  const provider = (await providerOf(migrationsDir, projectRoot)) ?? 'postgresql';
  const findings: LintFinding[] = [];
  for (const f of files)
    findings.push(...(await lintSqlAsync(f.sql, { provider, hotfix: f.hotfix, file: f.file })));
  return { ...countFindings(findings), findings };
}

export function lintDetails(summary: LintSummary): Record<string, unknown> {
  return {
    errors: summary.errors,
    warnings: summary.warnings,
    suppressed: summary.findings
      .filter((f) => f.suppressed)
      .map((f) => ({
        rule: f.rule,
        file: f.file ?? null,
        line: f.line,
        reason: f.suppressed?.reason ?? null,
      })),
    rules: [
      ...new Set(summary.findings.filter((f) => !f.suppressed && f.severity !== 'info').map((f) => f.rule)),
    ],
  };
}

/** What the intent records when error findings run anyway (--accept-risk): the rules accepted. */
export function acceptedRisk(blocking: readonly LintFinding[]): { acceptedRisk?: string[] } {
  return blocking.length > 0 ? { acceptedRisk: [...new Set(blocking.map((f) => f.rule))] } : {};
}

/**
 * Dangerous SQL blocks only where it hurts: on a protected environment, an unsuppressed
 * error finding refuses the run unless the risk is accepted on record (--accept-risk --reason).
 * Returns the blocking findings (empty when none), for the intent to record.
 */
export function lintGate(
  lint: LintSummary,
  opts: { env: string; protected: boolean; acceptRisk?: boolean | undefined; what: string; file: string },
): LintFinding[] {
  const blocking = blockingFindings(lint.findings);
  if (opts.protected && blocking.length > 0 && !opts.acceptRisk) {
    const where = [...new Set(blocking.map((f) => `${f.rule} (${f.file ?? ''}:${f.line})`))].join(', ');
    throw findingsError(
      'LINT_BLOCKED',
      `${blocking.length} error-severity lint finding(s) in ${opts.what} on protected "${opts.env}": ${where}`,
      {
        hint: `Make ${opts.file} safe (hotfix lint ${opts.file} shows the fix), suppress a statement with a reason (-- hotfix-lint-disable-next-line <rule> -- <why>), or pass --accept-risk --reason TEXT.`,
        details: { findings: blocking },
      },
    );
  }
  return blocking;
}
