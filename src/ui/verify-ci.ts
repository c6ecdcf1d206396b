import type { VerifyResult } from '../commands/verify.js';
import { sha256Hex } from '../core/checksum.js';
import type { HotfixError } from '../core/errors.js';
import type { FindingLocation, VerifyFinding, VerifySeverity } from '../core/verify/findings.js';
import { counts, failedBecause, where } from './verify.js';

// `hotfix verify` where CI shows it: GitHub workflow commands (annotations on the files of a pull
// request, a Markdown job summary) and GitLab's code-quality report (Code Climate JSON).

// ---------------------------------------------------------------------------------------------
// GitHub: https://docs.github.com/actions/reference/workflows-and-actions/workflow-commands

const COMMAND: Record<VerifySeverity, 'error' | 'warning' | 'notice'> = {
  error: 'error',
  warning: 'warning',
  info: 'notice',
};

/** A command's message: `%`, CR and LF escaped (what @actions/core's escapeData does). */
export const escapeData = (s: string) =>
  s.replaceAll('%', '%25').replaceAll('\r', '%0D').replaceAll('\n', '%0A');

/** A command's property value: escapeData, and `:` and `,`, which end a value. */
export const escapeProperty = (s: string) => escapeData(s).replaceAll(':', '%3A').replaceAll(',', '%2C');

function command(name: string, properties: Record<string, string | number>, message: string): string {
  const props = Object.entries(properties)
    .map(([key, value]) => `${key}=${escapeProperty(String(value))}`)
    .join(',');
  return `::${name}${props ? ` ${props}` : ''}::${escapeData(message)}`;
}

const findingText = (f: VerifyFinding) => (f.fix ? `${f.message}\nFix: ${f.fix}` : f.message);

/** `file:line`, with the branch in front when only that branch has the file. */
const placeOf = (at: FindingLocation) =>
  `${at.elsewhere?.branch ? `${at.elsewhere.branch}:` : ''}${at.file}:${at.line}`;

/**
 * One annotation per finding, on its file and line: `::error file=...,line=...,title=...::...`.
 * Only on a file the checkout has: GitHub would pin the others to nothing (a hotfix's files on
 * its branch only), so they are annotations of the run that say where the file is.
 */
export function githubAnnotations(r: VerifyResult): string[] {
  return r.findings.map((f) => {
    const at = f.location;
    return command(
      COMMAND[f.severity],
      {
        ...(at && !at.elsewhere ? { file: at.file, line: at.line } : {}),
        title: `hotfix verify: ${f.code}${f.env ? ` on ${f.env}` : ''}`,
      },
      at?.elsewhere ? `${findingText(f)}\nIn ${placeOf(at)}, not in this checkout.` : findingText(f),
    );
  });
}

/**
 * What `--format github` prints: the annotations, then the text report for the log. The report
 * quotes database logs and SQL, so the runner is told not to read commands in it
 * (`::stop-commands::`, resumed with a token only this run knows).
 */
export function renderGithub(r: VerifyResult, report: string, token: string, notes: string[] = []): string {
  return [
    ...githubAnnotations(r),
    ...notes.map((note) => command('warning', { title: 'hotfix verify' }, note)),
    `::stop-commands::${token}`,
    report.trimEnd(),
    `::${token}::`,
    '',
  ].join('\n');
}

/** A table cell: one line, no HTML, no column break. */
const cell = (s: string) =>
  s
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('|', '\\|')
    .trim()
    .replaceAll(/\r?\n/g, '<br>');

const ICON: Record<VerifySeverity, string> = {
  error: ':x:',
  warning: ':warning:',
  info: ':information_source:',
};

/** The Markdown appended to $GITHUB_STEP_SUMMARY: the verdict, the findings, the environments. */
export function githubSummary(r: VerifyResult): string {
  const lines = [
    r.ok
      ? `### :white_check_mark: hotfix verify passed`
      : `### :x: hotfix verify failed: exit ${r.exitCode}, ${failedBecause(r.exitCode)}`,
    '',
    `${counts(r)}${r.strict ? ' (--strict: warnings count as errors)' : ''}; checked ${r.checked.hotfixes} hotfix(es), ${r.checked.migrations} migration folder(s).`,
  ];
  if (r.findings.length > 0) {
    lines.push(
      '',
      '| | Code | Where | File | What happened | Fix |',
      '| --- | --- | --- | --- | --- | --- |',
    );
    for (const f of r.findings) {
      const at = f.location;
      const file = at
        ? `\`${cell(placeOf(at))}\`${at.elsewhere ? (at.elsewhere.branch ? ' (on that branch only)' : ' (not in this checkout)') : ''}`
        : '';
      lines.push(
        `| ${ICON[f.severity]} ${f.severity} | \`${f.code}\` | ${cell(where(f))} | ${file} | ${cell(f.message)} | ${cell(f.fix ?? '')} |`,
      );
    }
  }
  if (r.checked.envs.length > 0) {
    lines.push('', '| Environment | Database | Applied | Pending | Failed | Drift | Time |');
    lines.push('| --- | --- | --- | --- | --- | --- | --- |');
    for (const e of r.checked.envs) {
      const checked = e.checked ? '' : ' (not fully checked)';
      lines.push(
        `| ${cell(e.name)}${checked} | ${cell(e.database)} | ${e.applied} | ${e.pending} | ${e.failed} | ${e.drift} | ${(e.durationMs / 1000).toFixed(1)} s |`,
      );
    }
  }
  return `${lines.join('\n')}\n\n`;
}

/** An error that stopped verify before it could report (a bad flag, an unknown environment). */
export function githubError(error: HotfixError): string {
  const text = error.hint ? `${error.message}\nWhat to do: ${error.hint}` : error.message;
  return `${command('error', { title: `hotfix: ${error.code} (exit ${error.exitCode})` }, text)}\n`;
}

// ---------------------------------------------------------------------------------------------
// GitLab: https://docs.gitlab.com/ci/testing/code_quality/#code-quality-report-format

export type CodeClimateSeverity = 'info' | 'minor' | 'major' | 'critical' | 'blocker';

export interface CodeClimateIssue {
  description: string;
  check_name: string;
  fingerprint: string;
  severity: CodeClimateSeverity;
  location: { path: string; lines: { begin: number } };
}

const SEVERITY: Record<VerifySeverity, CodeClimateSeverity> = {
  error: 'major',
  warning: 'minor',
  info: 'info',
};

/**
 * The code-quality report: one issue per finding. The fingerprint identifies a finding across
 * pipelines (GitLab compares them to show what a merge request adds or fixes), so it is built
 * from what the finding is about, not from its wording.
 */
export function codeClimate(r: VerifyResult): CodeClimateIssue[] {
  const seen = new Map<string, number>();
  return r.findings.map((f) => {
    const path = f.location?.file ?? '.';
    const line = f.location?.line ?? 1;
    const rule = typeof f.details?.rule === 'string' ? f.details.rule : '';
    const key = [f.code, f.env, f.hotfix, f.migration, path, line, rule].join('\u0000');
    const n = seen.get(key) ?? 0;
    seen.set(key, n + 1);
    const first = f.message.split(/\r?\n/)[0]!;
    return {
      description: `${f.env ? `[${f.env}] ` : ''}${first}${f.fix ? ` Fix: ${f.fix}` : ''}`,
      check_name: f.code,
      fingerprint: sha256Hex(n === 0 ? key : `${key}\u0000${n}`),
      severity: SEVERITY[f.severity],
      location: { path, lines: { begin: line } },
    };
  });
}

/** An error that stopped verify, as a report GitLab can still read: one blocker issue. */
export function codeClimateError(error: HotfixError, path: string): CodeClimateIssue[] {
  return [
    {
      description: `${error.message}${error.hint ? ` What to do: ${error.hint}` : ''}`,
      check_name: error.code,
      fingerprint: sha256Hex(`${error.code}\u0000${error.message}`),
      severity: 'blocker',
      location: { path, lines: { begin: 1 } },
    },
  ];
}
