import type { Provider } from '../target.js';

export type { Provider };
export type Severity = 'error' | 'warning' | 'info';

export interface LintOptions {
  provider: Provider;
  /** A hotfix migration (listed in a `.hotfix/*.json` ledger) is held to stricter severities. */
  hotfix: boolean;
  /** Shown in findings; the engine never reads files. */
  file?: string | undefined;
  /**
   * This file is the down.sql of a migration (its text here): dropping what the migration
   * creates is the expected reverse, not a danger, and rollback sets the timeouts itself.
   */
  reverseOf?: string | undefined;
}

export interface LintFinding {
  /** A rule id from RULES. */
  rule: string;
  severity: Severity;
  file?: string | undefined;
  /** 1-based line where the statement starts. */
  line: number;
  /** Short excerpt of the statement (one line, at most ~100 characters). */
  statement: string;
  /** What is wrong with this statement, with its table/column names. */
  message: string;
  /** The safe pattern to use instead, for this statement. */
  fix: string;
  /** Set when a `-- hotfix-lint-disable-next-line` comment with a reason covers this finding. */
  suppressed?: { reason: string } | undefined;
}

/** A finding before severities and suppressions are applied. */
export interface RawFinding {
  rule: string;
  /** Offset (UTF-16 index) of the statement's first character. */
  start: number;
  /** Offset just past the statement's last character. */
  end: number;
  message: string;
  fix?: string | undefined;
  /** Overrides the rule's severity (a down.sql that drops what its migration creates). */
  severity?: Severity | undefined;
}
