import { beforeAll, describe, expect, it } from 'vitest';
import { loadParser } from '../../../src/core/sql/parser.js';
import { planDeploy, type DeployFacts } from '../../../src/core/plan/deploy.js';
import type { LintFinding } from '../../../src/core/lint/types.js';
import {
  envEvent,
  envFacts,
  INIT,
  MIGRATION,
  refusal,
  rows,
  shape,
  type FactsOptions,
} from '../../support/plan-facts.js';

const OTHER = '20261120000000_other';
const blocking: LintFinding = {
  rule: 'create-index-non-concurrently',
  severity: 'error',
  file: 'prisma/migrations/x/migration.sql',
  line: 1,
  statement: 'CREATE INDEX ...',
  message: 'locks writes',
  fix: 'CONCURRENTLY',
};

function facts(
  o: FactsOptions & {
    lint?: LintFinding[];
    includePending?: boolean;
    acceptRisk?: boolean;
    verifyQueries?: number;
    down?: 'filled' | 'template' | 'missing';
    noRollbackPlan?: boolean;
  } = {},
): DeployFacts {
  const base = envFacts(o);
  const findings = o.lint ?? [];
  return {
    ...base,
    pendingSql: base.db.pending.map((migration) => ({ migration, sql: 'SELECT 1;' })),
    checksums: {},
    lint: { errors: findings.length, warnings: 0, infos: 0, suppressed: 0, findings },
    file: `prisma/migrations/${MIGRATION}/migration.sql`,
    includePending: o.includePending ?? false,
    acceptRisk: o.acceptRisk ?? false,
    verifyQueries: o.verifyQueries ?? 0,
    backup: false,
    provider: 'postgresql',
    rowCounts: [],
    down: o.down ?? 'filled',
    noRollbackPlan: o.noRollbackPlan ?? false,
  };
}

// The confirmation names the tables of the SQL through PostgreSQL's parser.
beforeAll(() => loadParser());

describe('planDeploy', () => {
  it.each([
    {
      state: 'pending, protected, no --yes',
      o: {},
      steps: ['confirm', 'recorded:deploy', 'commit'],
    },
    { state: 'pending, not protected', o: { protected: false }, steps: ['recorded:deploy', 'commit'] },
    {
      state: 'pending, lint error on protected',
      o: { lint: [blocking] },
      steps: ['lint-gate', 'confirm', 'recorded:deploy', 'commit'],
    },
    {
      state: 'pending, lint error on an unprotected environment: no gate',
      o: { lint: [blocking], protected: false },
      steps: ['recorded:deploy', 'commit'],
    },
    {
      state: 'applied there, ledger silent: the ledger catches up',
      o: { rows: rows({ [INIT]: 'applied', [MIGRATION]: 'applied' }) },
      steps: ['record', 'commit'],
    },
    {
      state: 'applied there and recorded: nothing to record',
      o: {
        rows: rows({ [INIT]: 'applied', [MIGRATION]: 'applied' }),
        events: [envEvent('resolved', 'ok', undefined, 'resolve')],
      },
      steps: ['commit'],
    },
    {
      state: 'rolled back earlier, deployed again',
      o: { rows: rows({ [INIT]: 'applied', [MIGRATION]: 'rolled-back' }) },
      steps: ['confirm', 'recorded:deploy', 'commit'],
    },
  ])('$state', ({ o, steps }) => {
    expect(shape(planDeploy(facts(o)).plan)).toEqual(steps);
  });

  it('the recorded step deploys the pending migrations and confirms the hotfix row applied', () => {
    const plan = planDeploy(facts({ lint: [blocking], acceptRisk: true, yes: true }));
    expect(plan.applied).toEqual([MIGRATION]);
    expect(plan.plan[0]).toMatchObject({ kind: 'lint-gate', accepted: true });
    expect(plan.plan[1]).toMatchObject({ kind: 'confirm', given: true });
    expect(plan.plan[2]).toMatchObject({
      kind: 'recorded',
      action: 'deploy',
      intent: { migrations: [MIGRATION], acceptedRisk: ['create-index-non-concurrently'] },
      actions: [{ kind: 'prisma-deploy', migrations: [MIGRATION] }],
      confirm: { migration: MIGRATION, expect: 'applied' },
      outcome: 'deployed',
    });
  });

  it.each([
    {
      state: 'the hotfix failed there (P3009): points to rollback',
      o: { rows: rows({ [INIT]: 'applied', [MIGRATION]: 'failed' }) },
      code: 'FAILED_MIGRATION',
      hint: 'hotfix rollback fix-orders --env production',
    },
    {
      state: 'another migration failed there',
      o: { rows: rows({ [INIT]: 'failed' }) },
      code: 'FAILED_MIGRATION',
      hint: 'Settle 20240101000000_init first',
    },
    {
      state: 'other migrations would go out with it',
      o: { folders: [INIT, OTHER, MIGRATION] },
      code: 'OTHER_PENDING',
      hint: '--include-pending',
    },
    {
      state: 'protected, down.sql still the template: no way back',
      o: { down: 'template' as const },
      code: 'NO_ROLLBACK_PLAN',
      hint: '--no-rollback-plan --reason',
    },
    {
      state: 'protected, no down.sql',
      o: { down: 'missing' as const },
      code: 'NO_ROLLBACK_PLAN',
      hint: 'down.sql',
    },
  ])('refuses: $state', ({ o, code, hint }) => {
    const error = refusal(() => planDeploy(facts(o)));
    expect(error.code).toBe(code);
    expect(error.exitCode).toBe(2);
    expect(error.hint).toContain(hint);
  });

  it('without a down.sql: deploys where nobody is asked, or on record with --no-rollback-plan', () => {
    expect(planDeploy(facts({ down: 'template', protected: false })).plan.map((st) => st.kind)).toContain(
      'recorded',
    );
    expect(planDeploy(facts({ down: 'template', noRollbackPlan: true })).plan.map((st) => st.kind)).toContain(
      'recorded',
    );
  });

  it('the confirmation shows the SQL, the tables, the rows it would touch, the way back and the lint verdict', () => {
    const f = facts();
    f.pendingSql = [
      { migration: MIGRATION, sql: 'SET lock_timeout = 5s;\nDELETE FROM "Post" WHERE "authorId" IS NULL;\n' },
    ];
    f.rowCounts = [
      { migration: MIGRATION, statement: 'DELETE FROM "Post" WHERE "authorId" IS NULL', rows: 1234 },
    ];
    const step = planDeploy(f).plan.find((st) => st.kind === 'confirm');
    expect(step && step.kind === 'confirm' && step.details).toEqual([
      `Will run ${MIGRATION} (2 lines of SQL):`,
      '  | SET lock_timeout = 5s;',
      '  | DELETE FROM "Post" WHERE "authorId" IS NULL;',
      'Tables: "Post"',
      'Rows: 1,234 row(s) now for DELETE FROM "Post" WHERE "authorId" IS NULL',
      'Way back: down.sql is filled in (hotfix rollback runs it)',
      'Lint: no findings',
    ]);
  });

  it('a verify.sql with queries is run after applying, and must hold', () => {
    expect(shape(planDeploy(facts({ protected: false, verifyQueries: 2 })).plan)).toEqual([
      'recorded:deploy',
      'verify-sql',
      'commit',
    ]);
  });

  it('a hotfix in parts: every part is its own, deployed together and confirmed', () => {
    const part = '20261121100001_fix_orders_part2';
    const plan = planDeploy(facts({ parts: [MIGRATION, part], folders: [INIT, MIGRATION, part] }));
    expect(plan.applied).toEqual([MIGRATION, part]);
    expect(plan.plan.find((s) => s.kind === 'recorded')).toMatchObject({
      confirm: { migration: MIGRATION, also: [part], expect: 'applied' },
    });
    const done = planDeploy(
      facts({
        parts: [MIGRATION, part],
        rows: rows({ [INIT]: 'applied', [MIGRATION]: 'applied' }),
        folders: [INIT, MIGRATION, part],
      }),
    );
    expect(done.alreadyApplied).toBe(false);
  });

  it('--include-pending takes the others along, in order', () => {
    const plan = planDeploy(facts({ folders: [INIT, OTHER, MIGRATION], includePending: true }));
    expect(plan.applied).toEqual([OTHER, MIGRATION]);
  });
});
