import { describe, expect, it } from 'vitest';
import { revertBranch } from '../../../src/core/plan/revert-branch.js';
import { envFacts, HOTFIX, refusal } from '../../support/plan-facts.js';

const finished = envFacts({
  events: [
    { type: 'finished', at: '2026-11-21T11:00:00.000Z', actor: 'a@x', command: 'finish', outcome: 'ok' },
  ],
}).ledger;
const open = envFacts().ledger;
const hotfix = { branch: `hotfix/${HOTFIX}` };

describe('revertBranch: where a new revert migration is committed', () => {
  it.each([
    {
      state: 'open, on the hotfix branch',
      ledger: open,
      current: hotfix.branch,
      branch: hotfix.branch,
      create: undefined,
    },
    {
      state: 'finished, on the base: a branch of its own from the base',
      ledger: finished,
      current: 'main',
      branch: `${hotfix.branch}-revert`,
      create: { from: 'main' },
    },
    {
      state: 'finished, already on the revert branch',
      ledger: finished,
      current: `${hotfix.branch}-revert`,
      branch: `${hotfix.branch}-revert`,
      create: undefined,
    },
  ])('$state', ({ ledger, current, branch, create }) => {
    expect(revertBranch({ ledger, hotfix, currentBranch: current })).toEqual({ branch, create });
  });

  it.each([
    { state: 'open, on the base', ledger: open, current: 'main', code: 'NOT_ON_HOTFIX_BRANCH' },
    { state: 'finished, on develop', ledger: finished, current: 'develop', code: 'NOT_ON_BASE_BRANCH' },
  ])('refused: $state (exit 2)', ({ ledger, current, code }) => {
    const e = refusal(() => revertBranch({ ledger, hotfix, currentBranch: current }));
    expect([e.code, e.exitCode]).toEqual([code, 2]);
  });
});
