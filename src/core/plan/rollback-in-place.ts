import { findingsError, usageError } from '../errors.js';
import type { EventType } from '../ledger.js';
import {
  migrationParts,
  type Existing,
  planRevert,
  type MigrationPart,
  type RevertPlan,
} from './revert-sql.js';
import { objectKey, removalSql } from '../sql/objects.js';
import type { SqlStatement } from '../sql/statement.js';
import { oneLine } from '../text.js';
import { backupStep, commitStep, confirmStep } from './common.js';
import { rollbackSummary } from './confirm-summary.js';
import type { AnalyzedSql, DownFacts, RollbackBase, RollbackFacts, RollbackPlan } from './rollback-types.js';
import type { Action, RestoredItem } from './types.js';

/** A failed migration (or a failed revert migration): undo what is there, check, resolve. */
export interface InPlace {
  kind: 'revert' | 'revert-here' | 'restore' | 'manual' | 'finish-revert';
  /** The migration being undone (the failed part; the applied parts when finishing a revert). */
  migrationSql: AnalyzedSql;
  /** down.sql, or the revert migration's SQL when finishing it. */
  down: DownFacts;
  /**
   * How it is marked once undone: Prisma's resolve (a failed migration), or, for a finished
   * one undone here only, `rolled_back_at` set in this environment's table (`also`: its other
   * applied parts).
   */
  resolve:
    | { action: 'rolled-back' | 'applied'; migration: string }
    | { action: 'rolled-back-here'; migration: string; also: string[] };
  event: Extract<EventType, 'rolled-back' | 'rolled-forward' | 'restored'>;
  /**
   * --restore: the backup's restore.sql runs after down.sql (one transaction), then the rows are
   * checked; with --manual (a restore done by hand) only checked.
   */
  restore?:
    { dir: string; file: string; statements: string[]; items: RestoredItem[]; manual: boolean } | undefined;
}

/** The objects' state as the catalog shows it now. */
export const existingIn =
  (f: Pick<RollbackFacts, 'catalog'>): Existing =>
  (o) =>
    f.catalog.get(objectKey(o)) ?? false;

/** down.sql as analysed, or the refusal that says how to write it. */
export function usableDown(down: DownFacts): AnalyzedSql {
  if ('statements' in down) return down;
  const how =
    `Write in ${down.path} the SQL that undoes migration.sql, statement by statement in reverse order ` +
    '(CREATE INDEX -> DROP INDEX, ADD COLUMN -> ALTER TABLE ... DROP COLUMN, ADD CONSTRAINT -> DROP CONSTRAINT); ' +
    'for a schema change, prisma migrate diff --from-schema <edited schema> --to-migrations <folder> --script prints it. ' +
    'Delete the "-- hotfix:down-template" line, commit, and run the rollback again.';
  if (down.missing === 'file') {
    throw usageError(
      'DOWN_MISSING',
      `${down.path} does not exist: rollback needs the reverse of the migration.`,
      { hint: how },
    );
  }
  if (down.missing === 'empty') {
    throw usageError(
      'DOWN_EMPTY',
      `${down.path} holds only comments: there is no SQL to undo the migration with.`,
      {
        hint: how,
      },
    );
  }
  throw usageError('DOWN_TEMPLATE', `${down.path} is still the template: it holds no reverse SQL yet.`, {
    hint: how,
  });
}

export function leftoverText(parts: MigrationPart[], provider: RollbackFacts['provider']): string {
  return parts
    .map((p) => {
      const fix = p.change === 'adds' ? removalSql(p.object, provider) : undefined;
      return `  - ${p.label} (${p.change === 'adds' ? 'added' : 'removed'} by statement ${p.statement} of migration.sql)${fix ? `; to remove it: ${fix}` : ''}`;
    })
    .join('\n');
}

/** The plan's view of the parts and of down.sql, as the result shows them. */
export function describeRevert(plan: RevertPlan): Pick<RollbackPlan, 'parts' | 'unchecked' | 'steps'> {
  return {
    parts: plan.parts.map((p) => ({
      object: p.label,
      change: p.change,
      statement: p.statement,
      present: p.present,
    })),
    unchecked: plan.unchecked,
    steps: plan.steps.map((s) => ({
      statement: s.statement.index,
      sql: s.statement.sql,
      run: s.run,
      why: s.why,
    })),
  };
}

export function wouldFail(plan: RevertPlan): string {
  return plan.conflicts
    .map((c) => `  - statement ${c.statement.index}: ${oneLine(c.statement.sql)}: ${c.why}`)
    .join('\n');
}

/** What the re-read of the catalog checks after the revert: every part of the migration gone. */
export function removedCheck(
  migration: SqlStatement[],
  what: string,
  name: string,
  afterApplying = false,
): Extract<Action, { kind: 'check-removed' }> {
  const { parts } = migrationParts(migration, () => false);
  return {
    kind: 'check-removed',
    migration: name,
    what,
    afterApplying,
    parts: parts.map((p) => ({
      object: p.object,
      before: p.before,
      label: p.label,
      change: p.change,
      statement: p.statement,
    })),
  };
}

export function planInPlace(f: RollbackFacts, base: RollbackBase, how: InPlace): RollbackPlan {
  const { name, migration } = f.hotfix;
  const env = f.env.name;
  // A restore by hand is checked like a revert by hand: nothing runs.
  const manual = how.kind === 'manual' || how.restore?.manual === true;
  const down: AnalyzedSql = manual
    ? { path: '', text: '', statements: [] }
    : how.restore && !('statements' in how.down)
      ? // A data fix's way back is its backup: down.sql is needed only for what it changed besides.
        { path: how.down.path, text: '', statements: [] }
      : usableDown(how.down);
  const downRel = manual ? usableDownPath(how.down) : down.path;
  const others = f.db.failed.map((r) => r.migrationName).filter((m) => m !== how.resolve.migration);
  if (others.length > 0) {
    throw usageError(
      'OTHER_FAILED',
      `${env} has other failed migrations too (Prisma P3009): ${others.join(', ')}.`,
      { hint: 'Settle those first (prisma migrate resolve after reverting or completing them by hand).' },
    );
  }
  const plan = planRevert(how.migrationSql.statements, down.statements, existingIn(f), 'needed');
  const toRun = plan.steps.filter((s) => s.run).map((s) => s.statement);
  if (!manual && plan.unmatched.length > 0) {
    throw usageError(
      'DOWN_UNMATCHED',
      `${downRel} has statements whose effect cannot be read from the database, so hotfix cannot tell whether they are needed:\n` +
        plan.unmatched
          .map((s) => `  - statement ${s.index} (line ${s.line}): ${oneLine(s.sql)} (${s.note ?? 'unknown'})`)
          .join('\n') +
        '\nNothing was run.',
      {
        hint: `Check the database and revert by hand what ${migration} left, then: hotfix rollback ${name} --env ${env} --manual --reason "<what you did>"`,
        details: { unmatched: plan.unmatched.map((s) => ({ statement: s.index, sql: s.sql })) },
      },
    );
  }
  if (plan.conflicts.length > 0) {
    throw findingsError(
      'DOWN_WOULD_FAIL',
      `${downRel} does not fit what is in the ${env} database:\n${wouldFail(plan)}\nNothing was run.`,
      {
        hint: `Fix ${downRel} (IF EXISTS, or one statement per change), or revert by hand and run with --manual.`,
        details: { conflicts: plan.conflicts.map((c) => ({ statement: c.statement.index, why: c.why })) },
      },
    );
  }
  if (plan.leftovers.length > 0) {
    const left = leftoverText(plan.leftovers, f.provider);
    throw findingsError(
      'LEFTOVER',
      manual
        ? `${migration} is not reverted on ${env}: the database still has\n${left}\nNothing was marked.`
        : `${downRel} does not remove everything ${migration} left on ${env}; this would still be there:\n${left}\nNothing was run or marked.`,
      {
        hint: manual
          ? `Remove it by hand and run again, or let hotfix run down.sql: drop --manual.`
          : `Add the missing statements to ${downRel} (or remove the objects by hand and use --manual), then run again.`,
        details: { leftover: plan.leftovers.map((p) => p.label) },
      },
    );
  }

  const here = how.resolve.action === 'rolled-back-here';
  const marksRolledBack = how.resolve.action !== 'applied';
  const verb = marksRolledBack ? 'mark it rolled back' : `mark ${how.resolve.migration} applied`;
  const changes = toRun.filter((s) => s.kind !== 'session').length;
  const summary =
    toRun.length > 0
      ? `Would run ${changes} statement(s) of ${downRel}, check that nothing of ${migration} is left, then ${verb}.`
      : `Nothing of ${migration} is in the ${env} database: would ${verb}.`;
  // Only what the catalog shows is claimed: a data change, say, is named as not checked.
  const left =
    plan.unchecked.length === 0
      ? 'nothing of it is left'
      : `nothing of it the catalog can show is left (not checked there: ${plan.unchecked.map((u) => `statement ${u.statement}, ${u.why}`).join('; ')}; check by hand)`;
  const restored = how.restore
    ? `the ${how.restore.items.reduce((n, i) => n + i.rows, 0)} row(s) of ${how.restore.dir} are back as saved (checked in the database); `
    : '';
  const done = here
    ? `${restored}${migration} is rolled back on ${env} only: ${changes > 0 ? `${changes} statement(s) of down.sql run` : 'nothing of it was in the database'}, ${left}, and ${env}'s _prisma_migrations marks it rolled back, so the next deploy there applies it again. No other environment changed.`
    : marksRolledBack
      ? `${migration} is rolled back on ${env}: ${manual ? 'the manual revert checked' : changes > 0 ? `${changes} statement(s) of down.sql run` : 'nothing of it was in the database'}, ${left}, and _prisma_migrations marks it rolled back.`
      : `The revert ${how.resolve.migration} is finished on ${env}: ${changes} statement(s) run, nothing of ${migration} is left, and it is marked applied.`;
  const present = plan.parts.filter((p) => p.present).map((p) => p.label);
  const revertOf = how.event === 'rolled-forward' ? { revert: how.resolve.migration } : {};
  const ran = toRun.map((s) => s.index);
  const actions: Action[] = [
    ...(toRun.length > 0
      ? [
          {
            kind: 'run-sql' as const,
            file: downRel,
            statements: toRun.map((s) => ({ index: s.index, sql: s.sql, concurrent: s.concurrent })),
            ...f.timeouts,
          },
        ]
      : []),
    ...(how.restore && !how.restore.manual
      ? [
          {
            kind: 'run-sql' as const,
            file: how.restore.file,
            statements: how.restore.statements.map((sql, k) => ({ index: k + 1, sql, concurrent: false })),
            ...f.timeouts,
          },
        ]
      : []),
    ...(how.restore
      ? [{ kind: 'check-restored' as const, backup: how.restore.dir, items: how.restore.items }]
      : []),
    removedCheck(how.migrationSql.statements, manual ? 'the manual revert' : downRel, how.resolve.migration),
    how.resolve.action === 'rolled-back-here'
      ? { kind: 'mark-rolled-back', migrations: [how.resolve.migration, ...how.resolve.also] }
      : { kind: 'prisma-resolve', action: how.resolve.action, migration: how.resolve.migration },
  ];
  return {
    ...base,
    ...describeRevert(plan),
    action: how.kind,
    summary,
    done,
    sql: toRun.length > 0 ? toRun.map((s) => `${s.sql};`).join('\n') : null,
    timeouts: toRun.length > 0 ? f.timeouts : null,
    plan: [
      ...confirmStep(
        f,
        here
          ? `Roll back ${migration} on ${env} only (down.sql here; the next deploy here applies it again)`
          : marksRolledBack
            ? `Revert ${migration} and mark it rolled back`
            : `Finish the revert ${how.resolve.migration} and mark it applied`,
        rollbackSummary({
          provider: f.provider,
          env,
          sql:
            toRun.length > 0 ? [{ migration: downRel, sql: toRun.map((s) => `${s.sql};`).join('\n') }] : [],
          rowCounts: f.rowCounts.filter((c) => toRun.some((s) => c.statement.includes(s.sql.trim()))),
          scope: here ? 'here' : how.kind === 'finish-revert' ? 'everywhere' : 'failed',
          others: f.others,
          lint: manual ? null : (f.downLint ?? null),
        }),
      ),
      ...backupStep(
        f.backup,
        f.provider,
        toRun.length > 0 ? [toRun.map((st) => `${st.sql};`).join('\n')] : [],
      ),
      {
        kind: 'recorded',
        action: how.kind,
        intent: { ...revertOf, run: ran, present },
        actions,
        confirm: {
          migration: how.resolve.migration,
          ...(how.resolve.action === 'rolled-back-here' ? { also: how.resolve.also } : {}),
          expect: marksRolledBack ? 'rolled-back' : 'applied',
        },
        outcome: how.event,
        details: {
          action: how.kind,
          ran,
          reverted: present,
          unchecked: plan.unchecked.map((u) => u.statement),
          ...revertOf,
          ...(here ? { scope: 'here' } : {}),
        },
        label: `rollback on ${env}`,
      },
      commitStep(
        `hotfix(${name}): ${migration} ${marksRolledBack ? 'rolled back' : 'rolled forward'} on ${env}`,
      ),
    ],
  };
}

const usableDownPath = (down: DownFacts) => down.path;
