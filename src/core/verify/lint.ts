import path from 'node:path';
import { deriveState, type LedgerFile } from '../ledger.js';
import type { LintFinding } from '../lint/index.js';
import { finding, type VerifyFinding } from './findings.js';

/** Why a hotfix migration's lint findings are history: what accepted them, and which rules. */
export interface Acceptance {
  why: string;
  /** The rules it covers; 'all' once the migration ran everywhere it matters. */
  rules: 'all' | readonly string[];
}

/**
 * A lint finding asks for a change before the migration runs. Once it ran in every protected
 * environment, or its risk was accepted on record (--accept-risk --reason), editing the file
 * would only break its checksum: the findings are reported as history (info), naming the event.
 */
export function acceptances(file: LedgerFile, protectedEnvs: ReadonlySet<string>): Acceptance[] {
  const out: Acceptance[] = [];
  const envs = deriveState(file).envs;
  const ran = [...protectedEnvs].map((name) =>
    envs.find((e) => e.name === name && ['deployed', 'resolved', 'rolled-forward'].includes(e.state)),
  );
  if (protectedEnvs.size > 0 && ran.every(Boolean)) {
    out.push({
      why: `applied in every protected environment (${ran.map((e) => `${e!.name}: ${e!.state} ${e!.lastEvent.at} by ${e!.lastEvent.actor}`).join('; ')})`,
      rules: 'all',
    });
  }
  for (const e of file.events) {
    const rules = e.details?.acceptedRisk;
    if ((e.type !== 'intent' && e.type !== 'linted') || !Array.isArray(rules)) continue;
    out.push({
      why: `risk accepted for ${e.command} on ${e.env?.name ?? '?'} by ${e.actor} at ${e.at}${e.reason ? `: "${e.reason}"` : ''}`,
      rules: rules.filter((r): r is string => typeof r === 'string'),
    });
  }
  return out;
}

/**
 * `hotfix lint --hotfix-only` as verify findings: its errors fail the gate, its warnings warn,
 * and suppressions are listed with their reasons; in a migration whose findings were accepted
 * (see acceptances), they are info. `hotfixOf` names the hotfix of a migration.
 */
export function lintFindings(
  findings: readonly LintFinding[],
  hotfixOf: (migration: string | null) => { name: string; accepted: readonly Acceptance[] } | undefined,
): VerifyFinding[] {
  const out: VerifyFinding[] = [];
  for (const f of findings) {
    const migration = f.file ? path.basename(path.dirname(f.file)) : null;
    const owner = hotfixOf(migration);
    const hotfix = owner?.name;
    const at = `${f.file ?? '(sql)'}:${f.line}`;
    const details = { rule: f.rule, file: f.file ?? null, line: f.line, statement: f.statement };
    // down.sql has not run anywhere yet: its findings still matter for a rollback.
    const accepted = f.file?.endsWith('/down.sql')
      ? undefined
      : owner?.accepted.find((a) => a.rules === 'all' || a.rules.includes(f.rule));
    if (accepted && !f.suppressed && f.severity !== 'info') {
      out.push(
        finding('LINT_ACCEPTED', {
          migration,
          hotfix,
          message: `${at} ${f.rule}: ${f.message} (${f.statement}); accepted: ${accepted.why}`,
          details: { ...details, severity: f.severity, accepted: accepted.why },
        }),
      );
    } else if (f.suppressed) {
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
