import { scanSql } from '../sql/lexer.js';
import { isRuleId } from './rules.js';
import type { Provider, RawFinding } from './types.js';

export const SUPPRESS_DIRECTIVE = 'hotfix-lint-disable-next-line';

/**
 * `-- hotfix-lint-disable-next-line <rule>[,<rule>...] -- <reason>` (or the same inside a
 * block comment). It covers the next statement, however many comment lines sit in between.
 */
export interface Suppression {
  /** Offset of the comment. */
  start: number;
  end: number;
  rules: string[];
  unknownRules: string[];
  reason: string | undefined;
  /** Start offset of the statement it covers, or undefined at the end of the file. */
  target: number | undefined;
}

const DIRECTIVE = /^\s*hotfix-lint-disable-next-line\b(.*)$/s;

export function parseSuppressions(sql: string, provider: Provider): Suppression[] {
  if (!sql.includes(SUPPRESS_DIRECTIVE)) return [];
  const { statements, comments } = scanSql(sql, provider);
  const out: Suppression[] = [];
  for (const comment of comments) {
    const m = DIRECTIVE.exec(comment.text);
    if (!m) continue;
    const body = m[1] ?? '';
    const sep = body.indexOf('--');
    const rulePart = sep === -1 ? body : body.slice(0, sep);
    const reason = sep === -1 ? '' : body.slice(sep + 2).trim();
    const names = rulePart
      .split(/[\s,]+/)
      .map((r) => r.trim())
      .filter((r) => r.length > 0);
    const target = statements.find((s) => s.start >= comment.end)?.start;
    out.push({
      start: comment.start,
      end: comment.end,
      rules: names.filter((r) => isRuleId(r)),
      unknownRules: names.filter((r) => !isRuleId(r)),
      reason: reason.length > 0 ? reason : undefined,
      target,
    });
  }
  return out;
}

export interface Applied {
  findings: (RawFinding & { suppressedBy?: string })[];
}

/**
 * Marks the findings a valid suppression covers, and adds findings for suppressions that are
 * invalid (no reason, unknown rule, nothing after them) or unused.
 */
export function applySuppressions(findings: RawFinding[], sups: Suppression[]): Applied {
  const out: (RawFinding & { suppressedBy?: string })[] = findings.map((f) => ({ ...f }));
  for (const sup of sups) {
    const at = { start: sup.start, end: sup.end };
    const problems: string[] = [];
    if (sup.rules.length === 0 && sup.unknownRules.length === 0) problems.push('names no rule');
    if (sup.unknownRules.length > 0) problems.push(`names unknown rule(s) ${sup.unknownRules.join(', ')}`);
    if (!sup.reason) problems.push('gives no reason (add "-- <why this is safe here>")');
    if (sup.target === undefined) problems.push('has no statement after it');
    if (problems.length > 0) {
      out.push({
        rule: 'invalid-suppression',
        ...at,
        message: `This ${SUPPRESS_DIRECTIVE} comment ${problems.join(', ')}${sup.reason ? '' : '; it suppresses nothing'}.`,
      });
    }
    if (!sup.reason || sup.target === undefined) continue;
    for (const rule of sup.rules) {
      const covered = out.filter(
        (f) => f.rule === rule && f.start === sup.target && f.suppressedBy === undefined,
      );
      for (const f of covered) f.suppressedBy = sup.reason;
      if (covered.length === 0) {
        out.push({
          rule: 'unused-suppression',
          ...at,
          message: `${rule} does not fire on the statement after this comment; the suppression hides nothing.`,
        });
      }
    }
  }
  return { findings: out };
}
