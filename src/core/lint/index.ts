import { lineAt, lineStarts } from '../sql/lexer.js';
import { loadParser } from '../sql/parser.js';
import { excerpt } from '../text.js';
import { lintBasic } from './basic.js';
import { lintPostgres } from './postgres.js';
import { getRule, severityOf } from './rules.js';
import { applySuppressions, parseSuppressions } from './suppress.js';
import type { LintFinding, LintOptions, Provider, RawFinding, Severity } from './types.js';
import { analyzeSqlSync } from '../sql/analyze.js';
import { objectKey } from '../sql/objects.js';

export type { LintFinding, LintOptions, Provider, Severity } from './types.js';
export { RULES, getRule, isRuleId, severityOf, type LintRule, type RuleId } from './rules.js';
export { isParserLoaded, loadParser } from '../sql/parser.js';
export { SUPPRESS_DIRECTIVE, parseSuppressions, type Suppression } from './suppress.js';
export {
  DEFAULT_TIMEOUTS,
  PREAMBLE_MARKER,
  addTimeoutsPreamble,
  planConcurrentlySplit,
  type ConcurrentlySplit,
  type TimeoutOptions,
} from './preamble.js';

const SEVERITY_ORDER: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

/**
 * Lints one migration file. Pure and synchronous; for PostgreSQL the parser must have been
 * loaded first (`await loadParser()`), or use lintSqlAsync.
 */
export function lintSql(sql: string, opts: LintOptions): LintFinding[] {
  const raw: RawFinding[] =
    opts.provider === 'postgresql' ? lintPostgres(sql, opts.file) : lintBasic(sql, opts.provider);
  const sups = parseSuppressions(sql, opts.provider);
  const reversed = opts.reverseOf === undefined ? raw : asReverse(raw, sql, opts.reverseOf, opts.provider);
  const applied = sups.length > 0 ? applySuppressions(reversed, sups).findings : reversed;
  if (applied.length === 0) return [];
  const starts = lineStarts(sql);
  const findings = applied.map((f): LintFinding => {
    const finding: LintFinding = {
      rule: f.rule,
      severity: f.severity ?? severityOf(f.rule, opts.hotfix),
      ...(opts.file !== undefined ? { file: opts.file } : {}),
      line: lineAt(starts, f.start),
      statement: excerpt(sql.slice(f.start, f.end)),
      message: f.message,
      fix: f.fix ?? getRule(f.rule)?.safe ?? '',
    };
    const by = (f as { suppressedBy?: string }).suppressedBy;
    if (by !== undefined) finding.suppressed = { reason: by };
    return finding;
  });
  return findings.sort(
    (a, b) =>
      a.line - b.line ||
      SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
      (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0),
  );
}

/** Rules that a down.sql dropping what its migration creates triggers by design, and what they become. */
const REVERSE: Partial<Record<string, { severity: Severity; note: string }>> = {
  'drop-table': {
    severity: 'warning',
    note: 'expected in down.sql: it removes the table migration.sql creates; rows written to it since the hotfix go with it',
  },
  'drop-column': {
    severity: 'warning',
    note: 'expected in down.sql: it removes the column migration.sql adds; values written to it since the hotfix go with it',
  },
  'drop-index-non-concurrently': {
    severity: 'info',
    note: 'expected in down.sql: it removes the index migration.sql creates',
  },
  'drop-not-null': {
    severity: 'info',
    note: 'expected in down.sql: it undoes the NOT NULL migration.sql sets',
  },
};

// The finding asks for no edit: down.sql is right as it is.
const REVERSE_FIX =
  'Nothing to change in down.sql. If what goes with it matters when you roll back, roll back with --backup: it saves those rows first.';

/**
 * down.sql judged as a reverse: rollback runs it with lock_timeout/statement_timeout on the
 * session (and a roll-forward revert migration carries the preamble), so the timeout rules do
 * not apply; a drop of what the migration creates is the point of the file, not a danger.
 */
function asReverse(raw: RawFinding[], sql: string, migrationSql: string, provider: Provider): RawFinding[] {
  const created = new Set(
    analyzeSqlSync(migrationSql, provider)
      .flatMap((s) => s.effects)
      .filter((e) => e.exists)
      .map((e) => objectKey(e.object)),
  );
  const out: RawFinding[] = [];
  for (const f of raw) {
    if (f.rule === 'require-lock-timeout' || f.rule === 'require-statement-timeout') continue;
    const reverse = REVERSE[f.rule];
    const drops = reverse
      ? analyzeSqlSync(sql.slice(f.start, f.end), provider).flatMap((s) => s.effects.filter((e) => !e.exists))
      : [];
    // NOT NULL is keyed by its column; a dropped column takes its NOT NULL and default with it.
    const undoes =
      drops.length > 0 &&
      drops.every(
        (e) => created.has(objectKey(e.object)) || created.has(objectKey({ ...e.object, kind: 'column' })),
      );
    out.push(
      reverse && undoes
        ? { ...f, severity: reverse.severity, message: `${f.message} (${reverse.note})`, fix: REVERSE_FIX }
        : f,
    );
  }
  return out;
}

export async function lintSqlAsync(sql: string, opts: LintOptions): Promise<LintFinding[]> {
  if (opts.provider === 'postgresql') await loadParser();
  return lintSql(sql, opts);
}

/** Counts that decide exit codes: suppressed findings do not count. */
export function countFindings(findings: readonly LintFinding[]): {
  errors: number;
  warnings: number;
  infos: number;
  suppressed: number;
} {
  let errors = 0;
  let warnings = 0;
  let infos = 0;
  let suppressed = 0;
  for (const f of findings) {
    if (f.suppressed) suppressed += 1;
    else if (f.severity === 'error') errors += 1;
    else if (f.severity === 'warning') warnings += 1;
    else infos += 1;
  }
  return { errors, warnings, infos, suppressed };
}

/** The suppressed findings, with their reasons: what `hotfix verify` lists. */
export function suppressedFindings(findings: readonly LintFinding[]): LintFinding[] {
  return findings.filter((f) => f.suppressed !== undefined);
}

/** Findings that block deploy/rollback on a protected environment (unless --accept-risk). */
export function blockingFindings(findings: readonly LintFinding[]): LintFinding[] {
  return findings.filter((f) => f.severity === 'error' && !f.suppressed);
}
