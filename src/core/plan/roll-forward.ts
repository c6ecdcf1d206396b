import { sha256Hex } from '../checksum.js';
import { findingsError } from '../errors.js';
import { revertBranch } from './revert-branch.js';
import { planRevert } from './revert-sql.js';
import { rollbackSummary } from './confirm-summary.js';
import {
  acceptedRisk,
  backupStep,
  commitStep,
  confirmStep,
  failedMigrationError,
  lintGateStep,
  otherPendingError,
} from './common.js';
import {
  describeRevert,
  existingIn,
  leftoverText,
  removedCheck,
  usableDown,
  wouldFail,
} from './rollback-in-place.js';
import { appliedSql, type RollbackBase, type RollbackFacts, type RollbackPlan } from './rollback-types.js';
import type { Step } from './types.js';

/** First line of a revert migration: how a later run (or another environment) finds it. */
export const REVERT_MARKER = '-- hotfix:revert-of';

/** The header of a revert migration, before down.sql's text. */
export function revertHeader(migration: string, hotfix: string, downRel: string): string {
  return (
    `${REVERT_MARKER} ${migration} (hotfix ${hotfix})\n` +
    `-- Prisma cannot un-apply a finished migration, so hotfix rollback applies ${downRel} as this new one.\n`
  );
}

/** Does a revert migration's text say it reverts `migration`? */
export function isRevertOf(sql: string, migration: string): boolean {
  const head = sql.split('\n', 1)[0] ?? '';
  return head.startsWith(`${REVERT_MARKER} ${migration} `) || head === `${REVERT_MARKER} ${migration}`;
}

/**
 * An applied migration: roll forward with a revert migration (down.sql as a new migration),
 * as safely as hotfix deploy. Both stay in the history.
 */
export function planRollForward(f: RollbackFacts, base: RollbackBase): RollbackPlan {
  const { name, migration } = f.hotfix;
  const env = f.env.name;
  const existing = f.revert;
  const applied = f.parts.filter((p) => f.db.stateOf(p.migration) === 'applied');
  // An existing revert is applied as it is: down.sql is read only to write a new one, and must
  // be usable for every part that ran.
  const downs = existing ? [] : applied.map((p) => usableDown(p.down));
  const down = { path: existing ? f.parts[0]!.down.path : downs.map((d) => d.path).join(' + ') };
  const revert = existing ?? f.newRevert;
  if (!revert) throw new Error('planRollForward: no revert migration in the facts'); // gathered with down.sql
  const undone = appliedSql(f);
  const created = existing === undefined;
  const note = created && f.newRevert?.note ? ` (${f.newRevert.note})` : '';

  // Check the revert against the database first: a revert migration that fails becomes a
  // failed migration that blocks every later deploy (P3009).
  const plan = planRevert(undone.statements, revert.statements, existingIn(f), 'all');
  if (plan.conflicts.length > 0) {
    throw findingsError(
      'DOWN_WOULD_FAIL',
      `The revert (${down.path}) would fail on ${env} as the database stands:\n${wouldFail(plan)}\nNothing was created or run.`,
      {
        hint: `Someone changed the database by hand? Compare it with ${migration}, fix ${down.path} (IF EXISTS), and run again.`,
        details: { conflicts: plan.conflicts.map((c) => ({ statement: c.statement.index, why: c.why })) },
      },
    );
  }
  if (plan.leftovers.length > 0) {
    throw findingsError(
      'LEFTOVER',
      `${down.path} does not undo all of ${migration}; after it this would still be in the ${env} database:\n${leftoverText(plan.leftovers, f.provider)}\nNothing was created or run.`,
      {
        hint: `Add the missing statements to ${down.path}, commit, and run again.`,
        details: { leftover: plan.leftovers.map((p) => p.label) },
      },
    );
  }
  if (f.db.failed.length > 0) {
    const names = f.db.failed.map((r) => r.migrationName);
    throw failedMigrationError(
      env,
      names,
      `Settle ${names.join(', ')} first (prisma migrate resolve, after reverting or completing it by hand).`,
    );
  }
  const others = f.db.pending.filter((m) => m !== revert.migration);
  if (others.length > 0 && !f.includePending)
    throw otherPendingError('Applying the revert', env, others, 'the revert');
  // The hotfix branch while it is open; after finish, hotfix/<name>-revert from the base.
  const home = created ? revertBranch(f) : undefined;

  const applies = [...others, revert.migration].sort();
  const lint = f.revertLint ?? null;
  const gate = lint
    ? lintGateStep(lint, {
        protected: f.env.protected,
        acceptRisk: f.acceptRisk,
        what: 'the revert that would run',
        file: down.path,
      })
    : [];
  const steps: Step[] = [
    ...gate,
    ...confirmStep(
      f,
      `Roll back ${migration} everywhere by applying ${revert.migration}`,
      rollbackSummary({
        provider: f.provider,
        env,
        sql: [{ migration: revert.migration, sql: revert.text }],
        rowCounts: f.rowCounts.filter((c) => c.migration === revert.migration),
        scope: 'everywhere',
        others: f.others,
        lint,
      }),
      // The revert reaches every environment: a protected one among them is asked for here.
      f.others
        .filter((o) => o.protected && o.state !== 'never' && o.state !== 'rolled-forward')
        .map((o) => o.name)
        .join(', ') || undefined,
    ),
    ...(created
      ? [
          {
            kind: 'write-migration' as const,
            migration: revert.migration,
            path: revert.path,
            sql: revert.text,
            alsoCommit: downs.map((d) => d.path),
            message: `hotfix(${name}): ${revert.migration}, the revert of ${migration} (rollback on ${env})`,
            ...(home?.create ? { createBranch: { name: home.branch, from: home.create.from } } : {}),
          },
        ]
      : []),
    ...backupStep(f.backup, f.provider, [revert.text]),
    {
      kind: 'recorded',
      action: 'roll-forward',
      intent: { revert: revert.migration, migrations: applies, scope: 'everywhere', ...acceptedRisk(gate) },
      actions: [
        { kind: 'prisma-deploy', migrations: applies },
        removedCheck(undone.statements, revert.migration, migration, true),
      ],
      confirm: { migration: revert.migration, expect: 'applied' },
      outcome: 'rolled-forward',
      // The decision is for every environment: verify reports the revert pending elsewhere as a
      // rollback in progress, not as a stray migration.
      details: {
        revert: revert.migration,
        revertChecksum: sha256Hex(revert.text),
        migrations: applies,
        scope: 'everywhere',
      },
      label: `roll forward on ${env}`,
    },
    commitStep(`hotfix(${name}): ${migration} rolled forward on ${env} (${revert.migration})`),
  ];
  return {
    ...base,
    ...describeRevert(plan),
    summary: created
      ? `Would create ${revert.migration} from ${down.path} and apply ${applies.join(', ')} to ${env}${note}; ${migration} stays in the history.`
      : `Would apply the existing ${revert.migration} to ${env}; ${migration} stays in the history.`,
    done:
      `${migration} is rolled forward on ${env}: ${revert.migration} applied; both stay in _prisma_migrations. Every other environment applies ${revert.migration} on its next deploy.` +
      (home?.create
        ? ` The revert is committed on ${home.branch}, created from ${home.create.from}; you are on it now.`
        : ''),
    sql: revert.text,
    revert: { migration: revert.migration, path: revert.path, created },
    timeouts: created ? (f.newRevert?.timeouts ?? null) : null,
    lint,
    plan: steps,
  };
}
