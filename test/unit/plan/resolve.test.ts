import { describe, expect, it } from 'vitest';
import { planResolve } from '../../../src/core/plan/resolve.js';
import { envEvent, envFacts, INIT, MIGRATION, refusal, rows, shape } from '../../support/plan-facts.js';

const CHECK = 'catalog check: index "x" present';

describe('planResolve', () => {
  it.each([
    {
      state: 'applied by hand, not yet recorded: confirm, then mark',
      action: 'applied' as const,
      rows: rows({ [INIT]: 'applied' }),
      steps: ['confirm', 'recorded:resolve-applied', 'commit'],
    },
    {
      state: 'already applied there: the ledger catches up (P3008 is not an error)',
      action: 'applied' as const,
      rows: rows({ [INIT]: 'applied', [MIGRATION]: 'applied' }),
      steps: ['record', 'commit'],
    },
    {
      state: 'failed, reverted by hand: mark rolled back',
      action: 'rolled-back' as const,
      rows: rows({ [INIT]: 'applied', [MIGRATION]: 'failed' }),
      steps: ['confirm', 'recorded:resolve-rolled-back', 'commit'],
    },
    {
      state: 'already rolled back: nothing to do',
      action: 'rolled-back' as const,
      rows: rows({ [INIT]: 'applied', [MIGRATION]: 'rolled-back' }),
      steps: ['commit'],
    },
  ])('$state', ({ action, rows: r, steps }) => {
    const plan = planResolve({ ...envFacts({ rows: r }), action, check: CHECK, proof: [] });
    expect(shape(plan.plan)).toEqual(steps);
  });

  it('records which check proved it, in the intent and the outcome', () => {
    const plan = planResolve({ ...envFacts({ yes: true }), action: 'applied', check: CHECK, proof: [] });
    expect(plan.check).toBe(CHECK);
    expect(plan.plan[1]).toMatchObject({
      kind: 'recorded',
      intent: { check: CHECK },
      details: { check: CHECK },
      actions: [{ kind: 'prisma-resolve', action: 'applied', migration: MIGRATION }],
      confirm: { migration: MIGRATION, expect: 'applied' },
      outcome: 'resolved',
    });
  });

  it('an already-applied migration the ledger knows as deployed records nothing', () => {
    const plan = planResolve({
      ...envFacts({
        rows: rows({ [INIT]: 'applied', [MIGRATION]: 'applied' }),
        events: [envEvent('deployed', 'ok')],
      }),
      action: 'applied',
      check: 'none',
      proof: [],
    });
    expect(shape(plan.plan)).toEqual(['commit']);
    expect(plan.alreadyDone).toBe(true);
  });

  it.each([
    { state: 'never applied (P3011)', rows: rows({ [INIT]: 'applied' }), text: 'never applied' },
    {
      state: 'applied, not failed (P3012)',
      rows: rows({ [INIT]: 'applied', [MIGRATION]: 'applied' }),
      text: 'hotfix rollback',
    },
  ])('--rolled-back refuses: $state', ({ rows: r, text }) => {
    const error = refusal(() =>
      planResolve({ ...envFacts({ rows: r }), action: 'rolled-back', check: 'none', proof: [] }),
    );
    expect(error.code).toBe('NOT_FAILED');
    expect(`${error.message} ${error.hint}`).toContain(text);
  });
});
