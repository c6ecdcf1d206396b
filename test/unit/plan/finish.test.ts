import { beforeAll, describe, expect, it } from 'vitest';
import { mergeGuard } from '../../../src/core/merge-guard.js';
import { planFinish, type FinishFacts } from '../../../src/core/plan/finish.js';
import { analyzeSql } from '../../../src/core/sql/analyze.js';
import { loadParser } from '../../../src/core/sql/parser.js';
import {
  envEvent,
  envFacts,
  HOTFIX,
  MIGRATION,
  refusal,
  type FactsOptions,
} from '../../support/plan-facts.js';

const staging = (type: 'deployed' | 'resolved' = 'deployed') => ({
  ...envEvent(type, 'ok'),
  env: { name: 'staging', fingerprint: 'bbbbbbbbbbbb' },
});
const everywhere = [envEvent('resolved', 'ok', undefined, 'resolve'), staging()];

interface Options extends FactsOptions {
  git?: Partial<FinishFacts['git']>;
  input?: Partial<FinishFacts['input']>;
  version?: FinishFacts['version'];
}

function facts(o: Options = {}): FinishFacts {
  return {
    ledger: envFacts({ events: everywhere, ...o }).ledger,
    base: 'main',
    develop: 'develop',
    environments: ['production', 'staging'],
    claims: { mismatches: [], checked: [], unread: [] },
    git: {
      current: `hotfix/${HOTFIX}`,
      dirty: [],
      mergeInProgress: false,
      branchExists: true,
      baseExists: true,
      developExists: true,
      merged: { base: false, develop: false },
      tagsTaken: [],
      remote: 'origin',
      ...o.git,
    },
    version: 'version' in o ? o.version : { file: 'package.json', base: '1.2.0', branch: '1.2.0' },
    input: { allowPartial: false, reason: undefined, bump: true, tag: true, push: false, ...o.input },
    guard: [],
  };
}

const kinds = (f: FinishFacts) =>
  planFinish(f).plan.map((s) => (s.kind === 'merge' ? `merge:${s.into}` : s.kind));

describe('planFinish', () => {
  it.each([
    {
      state: 'everywhere settled: merge both, bump, record, tag, delete',
      o: {},
      steps: ['merge:main', 'merge:develop', 'checkout', 'bump', 'record-finished', 'tag', 'delete-branch'],
    },
    {
      state: 'again after a conflict in develop was committed: only what is left',
      o: { git: { merged: { base: true, develop: true } } },
      steps: ['checkout', 'bump', 'record-finished', 'tag', 'delete-branch'],
    },
    {
      state: '--no-bump --no-tag',
      o: { input: { bump: false, tag: false } },
      steps: ['merge:main', 'merge:develop', 'checkout', 'record-finished', 'delete-branch'],
    },
    {
      state: '--push',
      o: { input: { push: true } },
      steps: [
        'merge:main',
        'merge:develop',
        'checkout',
        'bump',
        'record-finished',
        'tag',
        'delete-branch',
        'push',
      ],
    },
    {
      state: 'production rolled forward counts as settled',
      o: { events: [envEvent('rolled-forward', 'ok', undefined, 'rollback'), staging()] },
      steps: ['merge:main', 'merge:develop', 'checkout', 'bump', 'record-finished', 'tag', 'delete-branch'],
    },
  ])('$state', ({ o, steps }) => {
    expect(kinds(facts(o))).toEqual(steps);
  });

  it('bumps the patch version and tags it', () => {
    const plan = planFinish(facts());
    expect([plan.version, plan.tag]).toEqual([{ from: '1.2.0', to: '1.2.1' }, 'v1.2.1']);
  });

  it('a version bumped by hand on the hotfix branch is released as it is', () => {
    const plan = planFinish(facts({ version: { file: 'package.json', base: '1.2.0', branch: '1.2.1' } }));
    expect([plan.version?.to, plan.tag, plan.plan.some((s) => s.kind === 'bump')]).toEqual([
      '1.2.1',
      'v1.2.1',
      false,
    ]);
  });

  it('--allow-partial --reason records the environments left', () => {
    const plan = planFinish(
      facts({ events: [staging()], input: { allowPartial: true, reason: 'production patched next week' } }),
    );
    expect(plan.partial).toEqual([{ env: 'production', state: 'never' }]);
    const record = plan.plan.find((s) => s.kind === 'record-finished');
    expect(record).toMatchObject({ on: ['main', 'develop'], details: { partial: plan.partial } });
  });

  it('already finished: nothing to do', () => {
    const f = facts({ events: [...everywhere, { ...envEvent('finished', 'ok'), env: undefined }] });
    expect(planFinish(f)).toMatchObject({ alreadyDone: true, plan: [] });
  });

  it.each([
    { state: 'production unresolved', o: { events: [staging()] }, code: 'NOT_EVERYWHERE' },
    {
      state: 'production failed',
      o: { events: [envEvent('deployed', 'failed'), staging()] },
      code: 'NOT_EVERYWHERE',
    },
    {
      state: '--allow-partial without --reason',
      o: { events: [staging()], input: { allowPartial: true } },
      code: 'ALLOW_PARTIAL_NEEDS_REASON',
    },
    { state: 'a dirty tree', o: { git: { dirty: ['src/a.ts'] } }, code: 'DIRTY_TREE' },
    { state: 'a merge in progress', o: { git: { mergeInProgress: true } }, code: 'MERGE_IN_PROGRESS' },
    { state: 'no develop branch', o: { git: { developExists: false } }, code: 'BRANCH_MISSING' },
    {
      state: 'the hotfix branch gone, not merged',
      o: { git: { branchExists: false } },
      code: 'HOTFIX_BRANCH_MISSING',
    },
    { state: 'the tag exists', o: { git: { tagsTaken: ['v1.2.1'] } }, code: 'TAG_EXISTS' },
    { state: 'no version', o: { version: undefined }, code: 'VERSION_MISSING' },
    {
      state: 'not semver',
      o: { version: { file: 'package.json', base: 'one', branch: 'one' } },
      code: 'VERSION_INVALID',
    },
    {
      state: '--push without origin',
      o: { input: { push: true }, git: { remote: undefined } },
      code: 'NO_REMOTE',
    },
  ])('refused: $state (exit 2)', ({ o, code }) => {
    const e = refusal(() => planFinish(facts(o)));
    expect([e.code, e.exitCode]).toEqual([code, 2]);
  });
});

describe('mergeGuard', () => {
  beforeAll(async () => {
    await loadParser();
  });
  const m = async (name: string, sql: string) => ({ name, statements: await analyzeSql(sql, 'postgresql') });

  it('names an older migration not applied where the hotfix went, and one touching the same table', async () => {
    const hotfix = await m(
      MIGRATION,
      'DELETE FROM "comments" WHERE "post_id" IS NULL;\nALTER TABLE "comments" ADD CONSTRAINT "fk" FOREIGN KEY ("post_id") REFERENCES "posts"("id");',
    );
    const older = await m('20261120000000_add_tags', 'CREATE TABLE "tags" (id int);');
    const same = await m('20261125000000_comment_body', 'ALTER TABLE "comments" ADD COLUMN "body" text;');
    const unrelated = await m('20261126000000_users', 'ALTER TABLE "users" ADD COLUMN "x" int;');
    const findings = mergeGuard({
      hotfix,
      develop: 'develop',
      developOnly: [older, same, unrelated],
      reached: [
        { env: 'production', applied: undefined },
        { env: 'staging', applied: new Set(['20261120000000_add_tags']) },
      ],
    });
    expect(findings.map((f) => [f.kind, f.migration, f.envs])).toEqual([
      ['out-of-order', '20261120000000_add_tags', ['production']],
      ['same-tables', '20261125000000_comment_body', []],
    ]);
    expect(findings[0]!.judgedFromLedger).toEqual(['production']);
    expect(findings[1]!.hotfixDoes).toEqual([
      'DELETE rows of table "comments"',
      'adds constraint "fk" on "comments"',
    ]);
    expect(findings[1]!.fix).toContain('20261125000000_comment_body');
  });

  it('an older migration applied everywhere the hotfix went is fine', async () => {
    const older = await m('20261120000000_add_tags', 'CREATE TABLE "tags" (id int);');
    expect(
      mergeGuard({
        hotfix: await m(MIGRATION, 'CREATE INDEX "i" ON "orders"("id");'),
        develop: 'develop',
        developOnly: [older],
        reached: [{ env: 'production', applied: new Set([older.name]) }],
      }),
    ).toEqual([]);
  });
});
