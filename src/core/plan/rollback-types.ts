import type { SqlStatement } from '../sql/statement.js';
import type { Provider } from '../target.js';
import type { RowCount } from './confirm-summary.js';
import type { EnvFacts, LintSummary, PlanBase, RestoredItem, Step } from './types.js';

/**
 * What rollback's plans decide from (core/plan/rollback.ts, rollback-in-place.ts,
 * roll-forward.ts), apart from the plans, so they do not import each other in a circle.
 */

/** What the database showed for the hotfix's migration when the command started. */
export type RollbackFound =
  'absent' | 'failed' | 'applied' | 'rolled-back' | 'rolled-forward' | 'revert-failed';
/**
 * - revert: run the needed parts of down.sql, check, `migrate resolve --rolled-back`
 * - manual: check a revert done by hand, `migrate resolve --rolled-back`
 * - roll-forward: new migration `<ts>_revert_<slug>` from down.sql, `migrate deploy`
 * - finish-revert: the revert migration failed part way: run its missing parts, `resolve --applied` it
 */
export type RollbackAction =
  'none' | 'revert' | 'revert-here' | 'restore' | 'manual' | 'roll-forward' | 'finish-revert';

/**
 * What a rollback of an applied hotfix reaches. Prisma's history is one line for every
 * environment: `here` undoes it in this environment only (down.sql, then its row marked rolled
 * back, so its next deploy applies it again); `everywhere` is the revert migration that every
 * environment runs on its next deploy.
 */
export type RollbackScope = 'here' | 'everywhere';

export interface AnalyzedSql {
  /** Relative to the project root, for messages. */
  path: string;
  text: string;
  statements: SqlStatement[];
}

export type DownFacts = AnalyzedSql | { path: string; missing: 'file' | 'template' | 'empty' };

export interface PartFacts {
  migration: string;
  migrationSql: AnalyzedSql;
  /** Its down.sql, or why it cannot be used. */
  down: DownFacts;
}

export interface RollbackFacts extends EnvFacts {
  provider: Exclude<Provider, 'mysql'>;
  manual: boolean;
  includePending: boolean;
  acceptRisk: boolean;
  timeouts: { lockTimeout: string; statementTimeout: string };
  /** --backup: save what the revert drops or rewrites before it runs. */
  backup: boolean;
  /**
   * --restore: the backup `deploy --backup` took in this environment (its restore.sql split in
   * statements), to put back; with --manual, only checked (a restore done by hand).
   */
  restore:
    | {
        backup: { dir: string; restoreFile: string; statements: string[]; items: RestoredItem[] } | undefined;
      }
    | undefined;
  /** --here / --everywhere (asked at a terminal); undefined: not said. */
  scope: RollbackScope | undefined;
  /** The other configured environments and where the hotfix stands there (ledger and config). */
  others: { name: string; state: string; protected?: boolean | undefined }[];
  /** The branch checked out now (a new revert migration is committed on the hotfix branch). */
  currentBranch: string | undefined;
  /** Each migration of the hotfix (the first, then its parts), with its own down.sql. */
  parts: PartFacts[];
  /** A revert migration of this hotfix that already exists (written for another environment). */
  revert: (AnalyzedSql & { migration: string }) | undefined;
  /** The revert migration rollback would write now, when none exists and down.sql is usable. */
  newRevert:
    | (AnalyzedSql & {
        migration: string;
        timeouts: { lockTimeout: string; statementTimeout: string } | null;
        note: string | null;
      })
    | undefined;
  /** Lint of the revert migration that would run (existing or new). */
  revertLint: LintSummary | undefined;
  /** Lint of the hotfix's down.sql files, each as the reverse of its migration.sql. */
  downLint: LintSummary | undefined;
  /** The rows each DELETE/UPDATE of the SQL that may run would touch now (protected environments). */
  rowCounts: RowCount[];
  /** Whether each object the SQL touches exists now, by objectKey. */
  catalog: ReadonlyMap<string, boolean>;
}

export interface RollbackPlan extends PlanBase {
  command: 'rollback';
  found: RollbackFound;
  action: RollbackAction;
  /** For an applied hotfix: which environments the rollback reaches. */
  scope: RollbackScope | null;
  /** Nothing to undo: never applied there, or already rolled back / forward. */
  alreadyDone: boolean;
  /** What the run would do (a dry run prints it); `done` is what it says once it did. */
  summary: string;
  done: string;
  /** The migration's parts and whether each is in the database (as found, before anything ran). */
  parts: { object: string; change: 'adds' | 'removes'; statement: number; present: boolean }[];
  /** Migration statements whose effect the catalog cannot show (data changes...). */
  unchecked: { statement: number; sql: string; why: string }[];
  /** down.sql (or the revert migration) statement by statement: run or not, and why. */
  steps: { statement: number; sql: string; run: boolean; why: string }[];
  /** The SQL that runs. */
  sql: string | null;
  revert: { migration: string; path: string; created: boolean } | null;
  timeouts: { lockTimeout: string; statementTimeout: string } | null;
  lint: LintSummary | null;
}

export type RollbackBase = Omit<RollbackPlan, 'plan'> & { plan: Step[] };

/** The statements of the parts applied there, numbered on: what a roll forward undoes. */
export function appliedSql(f: RollbackFacts): AnalyzedSql {
  const applied = f.parts.filter((p) => f.db.stateOf(p.migration) === 'applied');
  const statements = applied.flatMap((p, k) => {
    const offset = applied.slice(0, k).reduce((n, q) => n + q.migrationSql.statements.length, 0);
    return p.migrationSql.statements.map((st) => ({ ...st, index: st.index + offset }));
  });
  return {
    path: applied.map((p) => p.migrationSql.path).join(' + ') || f.parts[0]!.migrationSql.path,
    text: applied.map((p) => p.migrationSql.text).join('\n'),
    statements,
  };
}
