import path from 'node:path';
import type { LintFinding } from '../lint/index.js';
import { finding, type VerifyFinding } from './findings.js';

/**
 * `hotfix lint --hotfix-only` as verify findings: its errors fail the gate, its warnings warn,
 * and suppressions are listed with their reasons. `hotfixOf` names the hotfix of a migration.
 */
export function lintFindings(
  findings: readonly LintFinding[],
  hotfixOf: (migration: string | null) => string | undefined,
): VerifyFinding[] {
  const out: VerifyFinding[] = [];
  for (const f of findings) {
    const migration = f.file ? path.basename(path.dirname(f.file)) : null;
    const hotfix = hotfixOf(migration);
    const at = `${f.file ?? '(sql)'}:${f.line}`;
    const details = { rule: f.rule, file: f.file ?? null, line: f.line, statement: f.statement };
    if (f.suppressed) {
      out.push(
        finding('LINT_SUPPRESSED', {
          migration,
          hotfix,
          message: `${at} ${f.rule} is suppressed: ${f.suppressed.reason}`,
          details: { ...details, reason: f.suppressed.reason },
        }),
      );
    } else if (f.severity !== 'info') {
      out.push(
        finding(f.severity === 'error' ? 'LINT_ERROR' : 'LINT_WARNING', {
          migration,
          hotfix,
          message: `${at} ${f.rule}: ${f.message} (${f.statement})`,
          fix: `${f.fix} (or, if it is safe here: -- hotfix-lint-disable-next-line ${f.rule} -- <why>)`,
          details,
        }),
      );
    }
  }
  return out;
}

/** The migrations could not be linted (a provider lint does not know): said, not failed. */
export const lintSkipped = (reason: string): VerifyFinding =>
  finding('LINT_SKIPPED', { message: `Hotfix migrations were not linted: ${reason}` });
