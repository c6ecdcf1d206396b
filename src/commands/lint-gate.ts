import path from 'node:path';
import { countFindings, lintSqlAsync, type LintFinding } from '../core/lint/index.js';
import { providerOf } from './lint.js';

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

export const relativeTo = (root: string, file: string) => path.relative(root, file).split(path.sep).join('/');

/** What the intent records when error findings run anyway (--accept-risk): the rules accepted. */
export function acceptedRisk(blocking: readonly LintFinding[]): { acceptedRisk?: string[] } {
  return blocking.length > 0 ? { acceptedRisk: [...new Set(blocking.map((f) => f.rule))] } : {};
}
