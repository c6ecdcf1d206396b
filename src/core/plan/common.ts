import { backupItems } from '../backup.js';
import { usageError } from '../errors.js';
import type { Provider } from '../target.js';
import { deriveState, type EnvState } from '../ledger.js';
import { blockingFindings } from '../lint/index.js';
import type { LintFinding } from '../lint/types.js';
import type { EnvFacts, LintSummary, Step } from './types.js';

/** What the ledger says about this environment (after any interrupted step was settled). */
export function knownState(facts: Pick<EnvFacts, 'ledger' | 'env'>): EnvState | undefined {
  return deriveState(facts.ledger).envs.find((e) => e.name === facts.env.name)?.state;
}

/** A protected environment needs a yes; the step says whether --yes already gave it. */
export function confirmStep(
  facts: Pick<EnvFacts, 'env' | 'input'>,
  action: string,
  details?: string[],
  /** A protected environment it reaches besides this one (a rollback everywhere): asked too. */
  reaches?: string,
): Step[] {
  if (!facts.env.protected && !reaches) return [];
  return [
    {
      kind: 'confirm',
      action,
      question: facts.env.protected
        ? `${action} on protected environment "${facts.env.name}" (${facts.env.database})?`
        : `${action} on "${facts.env.name}", and on protected ${reaches} at its next deploy?`,
      given: facts.input.yes,
      ...(details && details.length > 0 ? { details } : {}),
    },
  ];
}

/**
 * Dangerous SQL blocks only where it hurts: on a protected environment an unsuppressed error
 * finding needs the risk accepted on record (--accept-risk --reason).
 */
export function lintGateStep(
  lint: LintSummary,
  opts: { protected: boolean; acceptRisk: boolean; what: string; file: string },
): Step[] {
  const blocking = blockingFindings(lint.findings);
  if (!opts.protected || blocking.length === 0) return [];
  return [{ kind: 'lint-gate', blocking, accepted: opts.acceptRisk, what: opts.what, file: opts.file }];
}

/** What the intent records when error findings run anyway: the rules accepted. */
export function acceptedRisk(steps: readonly Step[]): { acceptedRisk?: string[] } {
  const blocking: LintFinding[] = steps.flatMap((s) => (s.kind === 'lint-gate' ? s.blocking : []));
  return blocking.length > 0 ? { acceptedRisk: [...new Set(blocking.map((f) => f.rule))] } : {};
}

/** Prisma's P3009: migrate deploy runs nothing while a failed migration is recorded. */
export function failedMigrationError(env: string, names: string[], hint: string) {
  return usageError(
    'FAILED_MIGRATION',
    `${env} has a failed migration (Prisma P3009): ${names.join(', ')}. migrate deploy will not run until it is settled.`,
    { hint, details: { failed: names } },
  );
}

/** Other migrations would go out with ours: the person must say so (--include-pending). */
export function otherPendingError(what: string, env: string, others: string[], with_: string) {
  return usageError(
    'OTHER_PENDING',
    `${what} to ${env} would also apply ${others.length} other migration(s): ${others.join(', ')}.`,
    {
      hint: `Deploy those first, or pass --include-pending to apply them together with ${with_}.`,
      details: { pending: others },
    },
  );
}

/** The ledger commit of a plan that only caught the ledger up (or changed nothing). */
export const commitStep = (message: string): Step => ({ kind: 'commit', message });

/**
 * --backup: the step that saves what the SQL about to run drops or rewrites (PostgreSQL), or the
 * database file (SQLite). Nothing to save: no step. MySQL: refused before anything runs.
 */
export function backupStep(wanted: boolean, provider: Provider, sql: readonly string[]): Step[] {
  if (!wanted) return [];
  if (provider === 'mysql') {
    throw usageError('BACKUP_UNSUPPORTED', '--backup supports PostgreSQL and SQLite, not MySQL.', {
      hint: 'Back up the affected tables with mysqldump first, then run without --backup.',
    });
  }
  if (provider === 'sqlite') return [{ kind: 'backup', items: [] }];
  const items = sql.flatMap((text) => backupItems(text));
  return items.length > 0 ? [{ kind: 'backup', items }] : [];
}

/** What the ledger records of a lint: counts, suppressions with their reasons, the rules hit. */
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
