import { ExitCode, type ErrorKind, type HotfixError } from '../errors.js';

/**
 * What `hotfix verify` reports. Codes are part of the contract (CI scripts match on them in
 * the --json document); the severity is the default one, before --strict.
 */
export type VerifySeverity = 'error' | 'warning' | 'info';

export const FINDING_CODES = {
  // Offline: the repository.
  HOTFIX_MIGRATION_MISSING: 'error',
  HOTFIX_MIGRATION_EDITED: 'error',
  HOTFIX_MIGRATION_TEMPLATE: 'error',
  HOTFIX_MIGRATION_UNPINNED: 'info',
  HOTFIX_DOWN_MISSING: 'error',
  HOTFIX_DOWN_TEMPLATE: 'error',
  HOTFIX_DOWN_EMPTY: 'error',
  HOTFIX_DOWN_WAIVED: 'info',
  HOTFIX_NOT_MERGED: 'warning',
  VERIFY_SQL_MISSING: 'warning',
  VERIFY_SQL_TEMPLATE: 'error',
  VERIFY_SQL_NOT_READ_ONLY: 'error',
  VERIFY_SQL_EDITED: 'warning',
  MERGE_CHECK_SKIPPED: 'info',
  MIGRATION_NAME_INVALID: 'warning',
  MIGRATION_ORDER_AMBIGUOUS: 'warning',
  MIGRATION_SQL_MISSING: 'error',
  LOCK_FILE_MISSING: 'warning',
  LOCK_PROVIDER_MISMATCH: 'error',
  LINT_ERROR: 'error',
  LINT_WARNING: 'warning',
  LINT_SUPPRESSED: 'info',
  LINT_ACCEPTED: 'info',
  LINT_SKIPPED: 'info',
  // With --env: one database.
  MIGRATION_TABLE_MISSING: 'warning',
  MIGRATION_FAILED: 'error',
  MIGRATION_PENDING: 'warning',
  ROLLED_BACK_HERE: 'warning',
  ROLLBACK_IN_PROGRESS: 'warning',
  REVERT_UNDECIDED: 'error',
  MIGRATION_OUT_OF_ORDER: 'warning',
  APPLIED_MIGRATION_MISSING: 'error',
  CHECKSUM_MISMATCH: 'error',
  DRIFT: 'error',
  INVALID_INDEX: 'error',
  DRIFT_NOT_COMPUTABLE: 'info',
  DRIFT_CHECK_FAILED: 'warning',
  LEDGER_DB_MISMATCH: 'error',
  LEDGER_BEHIND: 'warning',
  LEDGER_IN_PROGRESS: 'warning',
  VERIFY_SQL_FAILED: 'error',
  VERIFY_SQL_ERROR: 'error',
} as const satisfies Record<string, VerifySeverity>;
export type FindingCode = keyof typeof FINDING_CODES;

export interface VerifyFinding {
  /** A FindingCode, or the code of the error that stopped an environment's checks (DB_UNREACHABLE...). */
  code: string;
  severity: VerifySeverity;
  /** null: an offline (repository) finding. */
  env: string | null;
  migration: string | null;
  hotfix: string | null;
  message: string;
  /** The command (or edit) that fixes it; null when there is nothing to do. */
  fix: string | null;
  /** Machine-readable extras: failed migration logs, drift SQL, lint rule and line. */
  details?: Record<string, unknown>;
  /** The file and line it points at (see location.ts), set once all checks have run. */
  location?: FindingLocation;
}

/** A path relative to the repository root, forward slashes, and a 1-based line. */
export interface FindingLocation {
  file: string;
  line: number;
  /**
   * Set when this checkout lacks the file (a hotfix whose files are only on its branch): the
   * branch its ledger was read from, or null when none is known. CI annotations go on a file
   * only when the checkout has it.
   */
  elsewhere?: { branch: string | null } | undefined;
}

export interface FindingFields {
  env?: string | null | undefined;
  migration?: string | null | undefined;
  hotfix?: string | null | undefined;
  message: string;
  fix?: string | null | undefined;
  details?: Record<string, unknown> | undefined;
}

export function finding(code: FindingCode, fields: FindingFields): VerifyFinding {
  return {
    code,
    severity: FINDING_CODES[code],
    env: fields.env ?? null,
    migration: fields.migration ?? null,
    hotfix: fields.hotfix ?? null,
    message: fields.message,
    fix: fields.fix ?? null,
    ...(fields.details ? { details: fields.details } : {}),
  };
}

/** An error that stopped a check, reported among the findings (it also decides the exit code). */
export function errorFinding(error: HotfixError, env: string | null): VerifyFinding {
  return {
    code: error.code,
    severity: 'error',
    env,
    migration: null,
    hotfix: null,
    message: error.message,
    fix: error.hint ?? null,
  };
}

/** --strict: every warning fails the gate; infos stay infos. */
export function applyStrict(findings: readonly VerifyFinding[], strict: boolean): VerifyFinding[] {
  return strict
    ? findings.map((f) => (f.severity === 'warning' ? { ...f, severity: 'error' as const } : f))
    : [...findings];
}

const RANK: Record<VerifySeverity, number> = { error: 0, warning: 1, info: 2 };

/** Errors first; offline findings before environments'; then by migration (= apply order). */
export function sortFindings(findings: readonly VerifyFinding[]): VerifyFinding[] {
  const key = (v: string | null) => v ?? '';
  return [...findings].sort(
    (a, b) =>
      RANK[a.severity] - RANK[b.severity] ||
      key(a.env).localeCompare(key(b.env)) ||
      key(a.migration).localeCompare(key(b.migration)) ||
      a.code.localeCompare(b.code),
  );
}

export function countSeverities(findings: readonly VerifyFinding[]): {
  errors: number;
  warnings: number;
  infos: number;
} {
  return {
    errors: findings.filter((f) => f.severity === 'error').length,
    warnings: findings.filter((f) => f.severity === 'warning').length,
    infos: findings.filter((f) => f.severity === 'info').length,
  };
}

/**
 * One exit code for the whole run. A check that could not run (usage, ledger or infrastructure
 * error inside an environment) outranks findings: the verification is incomplete, and CI must
 * not read "1" (fix your code) when the truth is "4" (the database was not there).
 */
export function verifyExitCode(findings: readonly VerifyFinding[], failures: readonly ErrorKind[]): ExitCode {
  if (failures.includes('usage')) return ExitCode.usage;
  if (failures.includes('ledger')) return ExitCode.ledger;
  if (failures.includes('infra')) return ExitCode.infra;
  if (findings.some((f) => f.severity === 'error')) return ExitCode.findings;
  return ExitCode.ok;
}
