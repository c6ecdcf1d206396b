import type { IntentAction, OutcomeEventType } from '../intent.js';
import type { EventDraft, LedgerFile } from '../ledger.js';
import type { LintFinding } from '../lint/types.js';
import type { DbMigrationState } from '../migration-state.js';
import type { DbObject } from '../sql/objects.js';
import type { BackupItem } from '../backup.js';

/**
 * A plan is what a command that changes an environment will do, as data: the --dry-run and
 * --json output, and the only thing the apply step walks. Hard preconditions (wrong branch, a
 * failed migration in the way, an unfilled down.sql) are refusals of plan() itself, so a dry run
 * refuses exactly where the real run would. Acknowledgements (a protected environment's
 * confirmation, accepting lint risk) are steps: a dry run shows what the real run will ask for.
 */

export interface LintSummary {
  errors: number;
  warnings: number;
  infos: number;
  suppressed: number;
  findings: LintFinding[];
}

export type { EventBody, OutcomeEventType } from '../intent.js';

export interface SqlStep {
  /** Position in its file, for messages. */
  index: number;
  sql: string;
  /** Must run outside a transaction (CONCURRENTLY). */
  concurrent: boolean;
}

/** What runs between an intent and its outcome. */
export type Action =
  | { kind: 'prisma-deploy'; migrations: string[] }
  | { kind: 'prisma-resolve'; action: 'applied' | 'rolled-back'; migration: string }
  | { kind: 'run-sql'; file: string; statements: SqlStep[]; lockTimeout: string; statementTimeout: string }
  /**
   * Mark finished migrations rolled back in this environment's `_prisma_migrations` (a rollback
   * here only: Prisma's resolve refuses a finished row, P3012); its next deploy runs them again.
   */
  | { kind: 'mark-rolled-back'; migrations: string[] }
  /**
   * The rows a backup holds are back, each as it was (counted in the database; no value leaves
   * it): after `rollback --restore` ran restore.sql, or a restore done by hand (--manual).
   */
  | { kind: 'check-restored'; backup: string; items: RestoredItem[] }
  /**
   * Re-read the catalog: no part of `migration` may be left. Before marking (a revert in place),
   * a leftover fails the step and nothing is marked; after applying (a roll forward), the revert
   * has run and the leftover is recorded and reported.
   */
  | {
      kind: 'check-removed';
      migration: string;
      what: string;
      parts: RemovedPart[];
      afterApplying?: boolean;
    };

/** What a backup saved of one table: its rows (or a column of them) in a JSON file. */
export interface RestoredItem {
  table: string;
  /** The column an UPDATE rewrote (restored by key); null: whole rows. */
  column: string | null;
  rows: number;
  /** The JSON file, relative to the project root. */
  file: string;
}

/** A part of a migration that a revert must remove (or put back), and its state before it. */
export interface RemovedPart {
  object: DbObject;
  before: boolean;
  label: string;
  change: 'adds' | 'removes';
  statement: number;
}

/**
 * What a command does to the repository: every write of start, finish, rehash, checklist
 * --done and the reconcile of an interrupted step is one of these (paths relative to the
 * project root, forward slashes).
 */
export type RepoStep =
  | { kind: 'create-branch'; branch: string; from: string }
  | { kind: 'checkout'; branch: string }
  /** New files (`create`: refused if one exists, its folder made) or replaced ones. */
  | { kind: 'write-files'; files: { path: string; text: string; create: boolean }[]; why: string }
  /** A hotfix's first ledger (start). */
  | { kind: 'create-ledger'; ledger: LedgerFile }
  /** Commit the ledger's new events, and `paths` (unless --no-commit, which leaves them staged). */
  | { kind: 'commit'; message: string; paths?: string[] | undefined }
  /**
   * Merge `branch` into `into` (checked out first). A conflict stops there: the repository is
   * left mid-merge for a person, and the ledger in the merge records how far it got.
   */
  | { kind: 'merge'; into: string; branch: string; message: string; mergedBefore: string[] }
  /** package.json's version (and package-lock.json's), committed on `on`. */
  | { kind: 'bump'; file: string; from: string; to: string; on: string; message: string }
  /** The `finished` event, committed on each branch so both carry the same ledger. */
  | { kind: 'record-finished'; on: string[]; details: Record<string, unknown>; message: string }
  | { kind: 'tag'; name: string; on: string; message: string }
  | { kind: 'delete-branch'; branch: string }
  | { kind: 'push'; remote: string; refs: string[] };

export type Step =
  | RepoStep
  /** The ledger catches up with what the database already shows; nothing runs. */
  | { kind: 'record'; event: EventDraft; why: string }
  /** Error-severity lint findings on a protected environment: needs --accept-risk --reason. */
  | { kind: 'lint-gate'; blocking: LintFinding[]; accepted: boolean; what: string; file: string }
  /** A protected environment: a person says yes at a terminal, or --yes. */
  | { kind: 'confirm'; action: string; question: string; given: boolean; details?: string[] | undefined }
  /** Write and commit a new migration folder (the revert of a roll forward). */
  | {
      kind: 'write-migration';
      migration: string;
      /** migration.sql to write, relative to the project root. */
      path: string;
      sql: string;
      /** Other files (relative to the project root) committed with it when changed. */
      alsoCommit: string[];
      message: string;
      /** After finish: first create and check out this branch (hotfix/<name>-revert) from the base. */
      createBranch?: { name: string; from: string };
    }
  /** Intent in the ledger, the actions, then the outcome confirmed from `_prisma_migrations`. */
  | {
      kind: 'recorded';
      action: IntentAction;
      /** Facts the intent records (migrations, accepted risk, the check that proved it...). */
      intent: Record<string, unknown>;
      actions: Action[];
      /** The rows that must end in `expect` (the first names the step), and the outcome event recorded then. */
      confirm: { migration: string; also?: string[]; expect: 'applied' | 'rolled-back' };
      outcome: OutcomeEventType;
      /** Facts the outcome event carries. */
      details: Record<string, unknown>;
      /** "deploy to staging": for commit messages. */
      label: string;
    }
  /** --backup: save what the next step drops or rewrites (rows, a column; SQLite: the file). */
  | { kind: 'backup'; items: BackupItem[] }
  /**
   * Run the hotfix's verify.sql (read-only): after a deploy it must hold (else the step fails,
   * recorded); after a rollback it is only reported.
   */
  | { kind: 'verify-sql'; migrations: string[]; mode: 'require' | 'report' };

/** What every env-changing plan starts from. */
export interface EnvFacts {
  /** `migration` is the first of `migrations` (the parts a safe rewrite split it into, in order). */
  hotfix: { name: string; migration: string; migrations: string[]; branch: string };
  env: { name: string; protected: boolean; database: string };
  /** The ledger as read (after any interrupted step was settled). */
  ledger: LedgerFile;
  db: DbMigrationState;
  input: { yes: boolean; reason: string | undefined };
}

export interface PlanBase {
  hotfix: string;
  env: string;
  database: string;
  migration: string;
  /** What the command does, in order: the --dry-run and --json body. */
  plan: Step[];
}
