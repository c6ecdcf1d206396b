import type { SqlStatement } from '../sql/statement.js';
import type { Provider } from '../target.js';
import type { EnvFacts, LintSummary, PlanBase, Step } from './types.js';

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
export type RollbackAction = 'none' | 'revert' | 'manual' | 'roll-forward' | 'finish-revert';

export interface AnalyzedSql {
  /** Relative to the project root, for messages. */
  path: string;
  text: string;
  statements: SqlStatement[];
}

export type DownFacts = AnalyzedSql | { path: string; missing: 'file' | 'template' };

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
  /** Whether each object the SQL touches exists now, by objectKey. */
  catalog: ReadonlyMap<string, boolean>;
}

export interface RollbackPlan extends PlanBase {
  command: 'rollback';
  found: RollbackFound;
  action: RollbackAction;
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
