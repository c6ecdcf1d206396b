import { beforeAll, describe, expect, it } from 'vitest';
import { addTimeoutsPreamble } from '../../../src/core/lint/index.js';
import { revertHeader } from '../../../src/core/plan/roll-forward.js';
import { planRollback, type AnalyzedSql, type RollbackFacts } from '../../../src/core/plan/rollback.js';
import { analyzeSql } from '../../../src/core/sql/analyze.js';
import { objectKey } from '../../../src/core/sql/objects.js';
import { loadParser } from '../../../src/core/sql/parser.js';
import {
  envEvent,
  envFacts,
  HOTFIX,
  INIT,
  MIGRATION,
  refusal,
  rows,
  shape,
  type FactsOptions,
} from '../../support/plan-facts.js';

const DIR = `prisma/migrations/${MIGRATION}`;
const UP = 'ALTER TABLE "User" ADD COLUMN "flag" BOOLEAN;\n';
const DOWN = 'ALTER TABLE "User" DROP COLUMN "flag";\n';
const REVERT = '20261122000000_revert_fix_orders';
const flag = objectKey({ kind: 'column', table: 'User', name: 'flag' });

const sql = async (path: string, text: string): Promise<AnalyzedSql> => ({
  path,
  text,
  statements: await analyzeSql(text, 'postgresql'),
});

let up: AnalyzedSql;
let down: AnalyzedSql;
let newRevert: RollbackFacts['newRevert'];
beforeAll(async () => {
  await loadParser();
  up = await sql(`${DIR}/migration.sql`, UP);
  down = await sql(`${DIR}/down.sql`, DOWN);
  const text =
    revertHeader(MIGRATION, HOTFIX, `${DIR}/down.sql`) +
    addTimeoutsPreamble(DOWN, { lockTimeout: '5s', statementTimeout: '60s', provider: 'postgresql' });
  newRevert = {
    migration: REVERT,
    timeouts: { lockTimeout: '5s', statementTimeout: '60s' },
    note: null,
    ...(await sql(`prisma/migrations/${REVERT}/migration.sql`, text)),
  };
});

interface Options extends FactsOptions {
  flagThere?: boolean;
  manual?: boolean;
  branch?: string;
  down?: AnalyzedSql | 'missing' | 'template';
  revert?: boolean;
  scope?: 'here' | 'everywhere';
}

function facts(o: Options = {}): RollbackFacts {
  const d = o.down ?? down;
  return {
    ...envFacts(o),
    provider: 'postgresql',
    manual: o.manual ?? false,
    includePending: false,
    acceptRisk: false,
    backup: false,
    // Most cases are about an applied hotfix rolled back everywhere (the revert migration).
    scope: 'scope' in o ? o.scope : 'everywhere',
    others: [{ name: 'staging', state: 'deployed' }],
    timeouts: { lockTimeout: '5s', statementTimeout: '60s' },
    currentBranch: o.branch ?? `hotfix/${HOTFIX}`,
    parts: [
      {
        migration: MIGRATION,
        migrationSql: up,
        down:
          typeof d === 'string'
            ? { path: `${DIR}/down.sql`, missing: d === 'missing' ? 'file' : 'template' }
            : d,
      },
    ],
    revert: o.revert ? { ...newRevert!, migration: REVERT } : undefined,
    newRevert: o.revert ? undefined : newRevert,
    revertLint: { errors: 0, warnings: 0, infos: 0, suppressed: 0, findings: [] },
    downLint: undefined,
    rowCounts: [],
    restore: undefined,
    catalog: new Map([[flag, o.flagThere ?? false]]),
  };
}

const failed = rows({ [INIT]: 'applied', [MIGRATION]: 'failed' });
const applied = rows({ [INIT]: 'applied', [MIGRATION]: 'applied' });

describe('planRollback: what fits the state the database shows', () => {
  it.each([
    { state: 'never applied', o: {}, found: 'absent', action: 'none', steps: ['commit'] },
    {
      state: 'already rolled back, ledger silent',
      o: { rows: rows({ [MIGRATION]: 'rolled-back' }) },
      found: 'rolled-back',
      action: 'none',
      steps: ['record', 'commit'],
    },
    {
      state: 'failed, nothing of it in the database: only mark it',
      o: { rows: failed },
      found: 'failed',
      action: 'revert',
      steps: ['confirm', 'recorded:revert', 'commit'],
    },
    {
      state: 'failed, its column there: down.sql runs',
      o: { rows: failed, flagThere: true },
      found: 'failed',
      action: 'revert',
      steps: ['confirm', 'recorded:revert', 'commit'],
    },
    {
      state: 'failed, reverted by hand (--manual)',
      o: { rows: failed, manual: true },
      found: 'failed',
      action: 'manual',
      steps: ['confirm', 'recorded:manual', 'commit'],
    },
    {
      state: 'applied: roll forward with a new revert migration',
      o: { rows: applied, flagThere: true },
      found: 'applied',
      action: 'roll-forward',
      steps: ['confirm', 'write-migration', 'recorded:roll-forward', 'commit'],
    },
    {
      state: 'applied, --here: down.sql here, then its row marked rolled back here',
      o: { rows: applied, flagThere: true, scope: 'here' as const },
      found: 'applied',
      action: 'revert-here',
      steps: ['confirm', 'recorded:revert-here', 'commit'],
    },
    {
      state: 'applied, a revert exists (written for another environment): applied as it is',
      o: { rows: applied, flagThere: true, revert: true, folders: [INIT, MIGRATION, REVERT] },
      found: 'applied',
      action: 'roll-forward',
      steps: ['confirm', 'recorded:roll-forward', 'commit'],
    },
    {
      state: 'rolled forward already',
      o: {
        rows: rows({ [INIT]: 'applied', [MIGRATION]: 'applied', [REVERT]: 'applied' }),
        revert: true,
        events: [envEvent('rolled-forward', 'ok', { revert: REVERT }, 'rollback')],
      },
      found: 'rolled-forward',
      action: 'none',
      steps: ['commit'],
    },
    {
      state: 'the revert migration failed part way: finish it',
      o: {
        rows: rows({ [INIT]: 'applied', [MIGRATION]: 'applied', [REVERT]: 'failed' }),
        revert: true,
        flagThere: true,
      },
      found: 'revert-failed',
      action: 'finish-revert',
      steps: ['confirm', 'recorded:finish-revert', 'commit'],
    },
  ])('$state', ({ o, found, action, steps }) => {
    const plan = planRollback(facts(o));
    expect(plan.found).toBe(found);
    expect(plan.action).toBe(action);
    expect(shape(plan.plan)).toEqual(steps);
  });

  it('a revert in place runs only what is there, then checks, then marks it', () => {
    const there = planRollback(facts({ rows: failed, flagThere: true }));
    const step = there.plan.find((s) => s.kind === 'recorded');
    expect(step).toMatchObject({
      actions: [
        { kind: 'run-sql', statements: [{ index: 1, sql: 'ALTER TABLE "User" DROP COLUMN "flag"' }] },
        { kind: 'check-removed', afterApplying: false },
        { kind: 'prisma-resolve', action: 'rolled-back', migration: MIGRATION },
      ],
      confirm: { migration: MIGRATION, expect: 'rolled-back' },
      outcome: 'rolled-back',
    });
    const gone = planRollback(facts({ rows: failed, flagThere: false }));
    expect(gone.summary).toContain('Nothing of');
    expect(gone.steps).toEqual([expect.objectContaining({ run: false })]);
  });

  it('--here runs what is there, checks nothing is left, marks the row rolled back in the table', () => {
    const plan = planRollback(facts({ rows: applied, flagThere: true, scope: 'here' }));
    expect(plan.scope).toBe('here');
    expect(plan.done).toContain('the next deploy there applies it again');
    expect(plan.plan.find((s) => s.kind === 'recorded')).toMatchObject({
      action: 'revert-here',
      actions: [
        { kind: 'run-sql', statements: [{ index: 1, sql: 'ALTER TABLE "User" DROP COLUMN "flag"' }] },
        { kind: 'check-removed', afterApplying: false },
        { kind: 'mark-rolled-back', migrations: [MIGRATION] },
      ],
      confirm: { migration: MIGRATION, expect: 'rolled-back' },
      outcome: 'rolled-back',
      details: { scope: 'here' },
    });
  });

  it('a roll forward writes the revert, deploys it and confirms the revert row', () => {
    const plan = planRollback(facts({ rows: applied, flagThere: true }));
    expect(plan.revert).toMatchObject({ migration: REVERT, created: true });
    expect(plan.sql).toContain("SET lock_timeout = '5s';");
    expect(plan.plan.find((s) => s.kind === 'recorded')).toMatchObject({
      intent: { revert: REVERT, migrations: [REVERT] },
      actions: [{ kind: 'prisma-deploy' }, { kind: 'check-removed', afterApplying: true }],
      confirm: { migration: REVERT, expect: 'applied' },
    });
  });

  it.each([
    {
      state: 'a new revert on the base branch (the dry run refuses like the real run)',
      o: { rows: applied, flagThere: true, branch: 'main' },
      code: 'NOT_ON_HOTFIX_BRANCH',
      exit: 2,
    },
    {
      state: 'down.sql still the template',
      o: { rows: failed, down: 'template' as const },
      code: 'DOWN_TEMPLATE',
      exit: 2,
    },
    { state: 'no down.sql', o: { rows: applied, down: 'missing' as const }, code: 'DOWN_MISSING', exit: 2 },
    {
      state: '--manual but the column is still there',
      o: { rows: failed, manual: true, flagThere: true },
      code: 'LEFTOVER',
      exit: 1,
    },
    {
      state: 'applied, and no scope said (--json, CI)',
      o: { rows: applied, flagThere: true, scope: undefined },
      code: 'ROLLBACK_SCOPE_NEEDED',
      exit: 2,
    },
    {
      state: '--here where a revert migration exists (decided for every environment)',
      o: {
        rows: applied,
        flagThere: true,
        revert: true,
        scope: 'here' as const,
        folders: [INIT, MIGRATION, REVERT],
      },
      code: 'ROLLBACK_DECIDED_EVERYWHERE',
      exit: 2,
    },
    {
      state: '--manual on an applied migration',
      o: { rows: applied, manual: true },
      code: 'MANUAL_NEEDS_FAILED',
      exit: 2,
    },
    {
      state: 'another migration failed there too',
      o: { rows: rows({ [INIT]: 'failed', [MIGRATION]: 'failed' }) },
      code: 'OTHER_FAILED',
      exit: 2,
    },
    {
      state: 'applied, but its column is gone: the revert would fail',
      o: { rows: applied, flagThere: false },
      code: 'DOWN_WOULD_FAIL',
      exit: 1,
    },
    {
      state: 'other migrations would go out with the revert',
      o: { rows: applied, flagThere: true, folders: [INIT, MIGRATION, '20261121200000_other'] },
      code: 'OTHER_PENDING',
      exit: 2,
    },
  ])('refuses: $state', ({ o, code, exit }) => {
    const error = refusal(() => planRollback(facts(o)));
    expect(error.code).toBe(code);
    expect(error.exitCode).toBe(exit);
  });

  it('a data change in down.sql cannot be matched to the database: refused, never guessed', async () => {
    const data = await sql(
      `${DIR}/down.sql`,
      'UPDATE "User" SET "name" = NULL;\nALTER TABLE "User" DROP COLUMN "flag";\n',
    );
    const error = refusal(() => planRollback(facts({ rows: failed, flagThere: true, down: data })));
    expect(error.code).toBe('DOWN_UNMATCHED');
    expect(error.hint).toContain('--manual');
  });
});
