import { usageError } from '../errors.js';
import { withRolledBack } from '../migration-state.js';
import { commitStep, knownState } from './common.js';
import { planInPlace } from './rollback-in-place.js';
import { planRollForward } from './roll-forward.js';
import { planHere, planRestore } from './rollback-here.js';
import { appliedSql, type RollbackBase, type RollbackFacts, type RollbackPlan } from './rollback-types.js';
import type { Step } from './types.js';

export type {
  AnalyzedSql,
  DownFacts,
  PartFacts,
  RollbackAction,
  RollbackBase,
  RollbackFacts,
  RollbackFound,
  RollbackPlan,
} from './rollback-types.js';

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
  if (f.restore) restorable(f, current);
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
  if (f.restore) return planRestore(f, base, revert !== undefined);
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
  // An existing revert migration is a decision already made for every environment.
  const scope = f.scope ?? (revert ? 'everywhere' : undefined);
  if (!scope) {
    throw usageError(
      'ROLLBACK_SCOPE_NEEDED',
      `${migration} is applied on ${env}. Prisma's history is one line for every environment, so say how far the rollback reaches: --here (${env} only: down.sql runs here and ${env}'s row is marked rolled back; its next deploy applies it again) or --everywhere (a revert migration that every environment runs on its next deploy).`,
      {
        hint: `hotfix rollback ${name} --env ${env} --here, or hotfix rollback ${name} --env ${env} --everywhere`,
      },
    );
  }
  if (scope === 'here') {
    if (revert) {
      throw usageError(
        'ROLLBACK_DECIDED_EVERYWHERE',
        `${migration} already has a revert migration (${revert.migration}): it was rolled back for every environment, and ${env}'s next deploy applies the revert.`,
        { hint: `Apply it here now: hotfix rollback ${name} --env ${env} --everywhere` },
      );
    }
    return planHere(f, { ...base, found: 'applied', action: 'revert-here', scope: 'here' });
  }
  return planRollForward(f, { ...base, found: 'applied', action: 'roll-forward', scope: 'everywhere' });
}

/** --restore is for an applied data fix whose backup is on record, on PostgreSQL. */
function restorable(f: RollbackFacts, current: string): void {
  const { name, migration } = f.hotfix;
  const env = f.env.name;
  if (f.provider === 'sqlite') {
    throw usageError(
      'RESTORE_UNSUPPORTED',
      `--restore puts rows back on PostgreSQL; on SQLite the backup is a copy of the whole database file.`,
      {
        hint: `Stop the app, copy the file back (the restore command deploy printed, also in .hotfix/${name}.json), then: hotfix rollback ${name} --env ${env} --here`,
      },
    );
  }
  if (current !== 'applied') {
    throw usageError(
      'RESTORE_NOT_APPLIED',
      `${migration} is ${current === 'absent' ? 'not applied' : current} on ${env}: there is nothing to restore after.`,
      {
        hint: `See where it stands: hotfix status ${name}`,
      },
    );
  }
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
    scope: null,
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
