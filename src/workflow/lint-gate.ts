import { countFindings, lintSqlAsync, type LintFinding } from '../core/lint/index.js';
import type { LintSummary } from '../core/plan/types.js';
import { providerOf } from './migration-lock.js';
import type { Files } from './ports.js';

export type { LintSummary } from '../core/plan/types.js';

/**
 * Lints SQL that a command is about to write or run, with the provider of the migrations
 * folder and the hotfix severities. Shared by start (migration.sql, down.sql) and deploy.
 */
export async function lintFiles(
  files: { file: string; sql: string; hotfix: boolean; reverseOf?: string }[],
  migrationsDir: string,
  projectRoot: string,
  fs: Files,
): Promise<LintSummary> {
  const provider = (await providerOf(fs, migrationsDir, projectRoot)) ?? 'postgresql';
  const findings: LintFinding[] = [];
  for (const f of files)
    findings.push(
      ...(await lintSqlAsync(f.sql, { provider, hotfix: f.hotfix, file: f.file, reverseOf: f.reverseOf })),
    );
  return { ...countFindings(findings), findings };
}

export { lintDetails } from '../core/plan/common.js';
