import { usageError } from '../errors.js';
import type { SqlStatement } from '../sql/statement.js';
import type { Provider } from '../target.js';
import { withRolledBack } from '../migration-state.js';
import { commitStep, knownState } from './common.js';
import { planInPlace } from './rollback-in-place.js';
import { planRollForward } from './roll-forward.js';
import type { EnvFacts, LintSummary, PlanBase, Step } from './types.js';

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

/**
 * `hotfix rollback`: Prisma has no down migrations and marks only a FAILED migration rolled
 * back. What fits depends on the state the database shows.
 */
export function planRollback(f: RollbackFacts): RollbackPlan {
  // A later part that failed (its earlier ones applied): revert it in place with its own
  // down.sql, then roll the applied ones forward, as if the failed part had never run.
  const failedPart = f.parts.findIndex((p, i) => i > 0 && f.db.stateOf(p.migration) === 'failed');
  if (failedPart > 0) return planFailedPart(f, failedPart);
  const { name, migration } = f.hotfix;
  const env = f.env.name;
  const current = f.db.stateOf(migration);
  const known = knownState(f);
  const base = emptyBase(f);
  const record = (type: 'rolled-back' | 'rolled-forward', found: string, details = {}): Step[] => [
    {
      kind: 'record',
      event: { type, outcome: 'ok', migration, details: { found, ...details } },
      why: `${migration} is ${found} on ${env}`,
    },
  ];

  if (current === 'absent') {
    const summary = `${migration} was never applied to ${env}: there is nothing to undo.`;
    return {
      ...base,
      alreadyDone: true,
      summary,
      done: summary,
      plan: [commitStep(`hotfix(${name}): ${env} never had ${migration}`)],
    };
  }
  if (current === 'rolled-back') {
    const summary = `${migration} is already rolled back on ${env}: nothing to do.`;
    return {
      ...base,
      found: 'rolled-back',
      alreadyDone: true,
      summary,
      done: summary,
      plan: [
        ...(known === 'rolled-back' ? [] : record('rolled-back', 'already rolled back')),
        commitStep(`hotfix(${name}): ${env} already rolled back`),
      ],
    };
  }
  if (current === 'failed') {
    return planInPlace(
      f,
      { ...base, found: 'failed' },
      {
        kind: f.manual ? 'manual' : 'revert',
        migrationSql: f.parts[0]!.migrationSql,
        down: f.parts[0]!.down,
        resolve: { action: 'rolled-back', migration },
        event: 'rolled-back',
      },
    );
  }

  // Applied: Prisma cannot un-apply it; roll forward with a revert migration.
  const revert = f.revert;
  const revertState = revert ? f.db.stateOf(revert.migration) : 'absent';
  if (revert && revertState === 'applied') {
    const summary = `${migration} is already rolled forward on ${env} by ${revert.migration}: nothing to do.`;
    return {
      ...base,
      found: 'rolled-forward',
      alreadyDone: true,
      revert: { migration: revert.migration, path: revert.path, created: false },
      summary,
      done: summary,
      plan: [
        ...(known === 'rolled-forward'
          ? []
          : record('rolled-forward', 'already rolled forward', { revert: revert.migration })),
        commitStep(`hotfix(${name}): ${env} already rolled forward`),
      ],
    };
  }
  if (revert && revertState === 'failed') {
    return planInPlace(
      f,
      {
        ...base,
        found: 'revert-failed',
        revert: { migration: revert.migration, path: revert.path, created: false },
      },
      {
        kind: f.manual ? 'manual' : 'finish-revert',
        migrationSql: appliedSql(f),
        down: revert,
        resolve: { action: 'applied', migration: revert.migration },
        event: 'rolled-forward',
      },
    );
  }
  if (f.manual) {
    throw usageError(
      'MANUAL_NEEDS_FAILED',
      `${migration} is applied on ${env}, not failed: --manual only checks a FAILED migration that was reverted by hand.`,
      {
        hint: `Prisma cannot mark an applied migration rolled back (P3012). Roll forward instead: hotfix rollback ${name} --env ${env}`,
      },
    );
  }
  return planRollForward(f, { ...base, found: 'applied', action: 'roll-forward' });
}

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

function planFailedPart(f: RollbackFacts, index: number): RollbackPlan {
  const part = f.parts[index]!;
  const inPlace = planInPlace(
    f,
    { ...emptyBase(f), found: 'failed' },
    {
      kind: f.manual ? 'manual' : 'revert',
      migrationSql: part.migrationSql,
      down: part.down,
      resolve: { action: 'rolled-back', migration: part.migration },
      event: 'rolled-back',
    },
  );
  // What the earlier parts left is undone as if the failed one had never run.
  const rest = planRollback({
    ...f,
    db: withRolledBack(f.db, part.migration),
    parts: f.parts.slice(0, index),
  });
  const confirm = inPlace.plan.filter((st) => st.kind === 'confirm');
  const drop = (steps: Step[]) => steps.filter((st) => st.kind !== 'confirm' && st.kind !== 'commit');
  return {
    ...rest,
    summary: `${part.migration} failed: ${inPlace.summary} Then: ${rest.summary}`,
    done: `${inPlace.done} ${rest.done}`,
    plan: [...confirm, ...drop(inPlace.plan), ...rest.plan.filter((st) => st.kind !== 'confirm')],
  };
}

function emptyBase(f: RollbackFacts): RollbackBase {
  return {
    command: 'rollback',
    hotfix: f.hotfix.name,
    env: f.env.name,
    database: f.env.database,
    migration: f.hotfix.migration,
    found: 'absent',
    action: 'none',
    alreadyDone: false,
    summary: '',
    done: '',
    parts: [],
    unchecked: [],
    steps: [],
    sql: null,
    revert: null,
    timeouts: null,
    lint: null,
    plan: [],
  };
}
