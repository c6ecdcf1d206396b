// What a stopped step says, for the cases the fault suite cannot bring about on demand: a
// connection lost at COMMIT, a CONCURRENTLY statement cut off, a resolve --rolled-back that lost
// its connection. Each message claims only what was checked, and its command is the one to rerun.
import { describe, expect, test } from 'vitest';
import {
  downSqlFailure,
  failureError,
  prismaNothingRan,
  type RecordedStep,
  type StepContext,
} from '../../src/workflow/step-errors.js';

const ctx: StepContext = {
  hotfix: 'fix-x',
  env: 'production',
  migration: '20261128000000_fix_x',
  ran: [],
  migrationsRel: 'prisma/migrations',
  urlEnv: 'DATABASE_URL',
};
const down = 'prisma/migrations/20261128000000_fix_x/down.sql';
const terminated = { code: '57P01', message: 'terminating connection due to administrator command' };

describe('downSqlFailure', () => {
  test('lost at COMMIT: the outcome is said to be unknown, never "nothing stayed"', () => {
    const { error } = downSqlFailure(ctx, down, { index: 2, ...terminated, atCommit: true }, []);
    expect(error.code).toBe('DB_CONNECTION_LOST');
    expect(error.exitCode).toBe(4);
    expect(error.message).toContain('whether that committed is not known here');
    expect(error.message).not.toContain('nothing of it stayed');
    expect(error.hint).toContain('hotfix rollback fix-x --env production');
  });

  test('a CONCURRENTLY statement cut off may leave an INVALID index, said so', () => {
    const { error } = downSqlFailure(ctx, down, { index: 1, ...terminated, concurrent: true }, []);
    expect(error.code).toBe('DB_CONNECTION_LOST');
    expect(error.message).toContain('an index left INVALID');
    expect(error.message).not.toContain('rolls back');
  });

  test('lost inside a transaction after earlier statements committed: both said', () => {
    const { error, details } = downSqlFailure(ctx, down, { index: 3, ...terminated }, [1]);
    expect(error.message).toContain('Statements 1 were committed before it');
    expect(error.message).toContain('nothing of it stayed');
    expect(details).toMatchObject({ statement: 3, code: '57P01', committed: [1] });
  });

  test('an ordinary SQL error still asks to fix down.sql (exit 1)', () => {
    const { error } = downSqlFailure(
      ctx,
      down,
      { index: 1, code: '42703', message: 'column "x" does not exist' },
      [],
    );
    expect(error.code).toBe('ROLLBACK_SQL_FAILED');
    expect(error.exitCode).toBe(1);
    expect(error.message).toContain('the database is as it was');
  });
});

describe('failureError for a resolve that lost its connection', () => {
  const step = (expect: 'applied' | 'rolled-back'): RecordedStep => ({
    kind: 'recorded',
    action: expect === 'applied' ? 'resolve-applied' : 'resolve-rolled-back',
    intent: {},
    actions: [],
    confirm: { migration: ctx.migration, expect },
    outcome: 'resolved',
    details: {},
    label: 'resolve on production',
  });
  const lost = {
    kind: 'error',
    code: 'P1017',
    message: 'Error: P1017\nServer has closed the connection.',
  } as const;

  test.each([
    ['applied', 'hotfix resolve fix-x --env production'],
    ['rolled-back', 'hotfix resolve fix-x --env production --rolled-back'],
  ] as const)('--%s: DB_CONNECTION_LOST, and the hint reruns the same resolve', (expect_, again) => {
    const error = failureError(step(expect_), ctx, lost, {});
    expect(error.code).toBe('DB_CONNECTION_LOST');
    expect(error.message).toContain(`is not marked ${expect_}`);
    expect(error.message).toContain('Server has closed the connection.');
    expect(error.hint).toMatch(new RegExp(`${again.replace(/-/g, '\\-')}$`));
  });
});

describe("a prisma step's failure: Prisma's code and message, never its banner", () => {
  const resolveStep: RecordedStep = {
    kind: 'recorded',
    action: 'resolve-applied',
    intent: {},
    actions: [],
    confirm: { migration: ctx.migration, expect: 'applied' },
    outcome: 'resolved',
    details: {},
    label: 'resolve on production',
  };
  const banner =
    'Loaded Prisma config from prisma.config.ts.\n\nPrisma schema loaded from prisma/schema.prisma.\n';

  test('nothing ran: "prisma said" gives the code and message', () => {
    const error = prismaNothingRan(resolveStep, ctx, {
      kind: 'error',
      code: 'P1010',
      message: 'Error: P1010\n\nUser `app` was denied access on the database `shop`',
    });
    expect(error.code).toBe('PRISMA_FAILED');
    expect(error.message).toContain(
      'prisma said:\n  P1010: User `app` was denied access on the database `shop`',
    );
  });

  test('no code: the first line that is not a banner', () => {
    const error = prismaNothingRan(resolveStep, ctx, {
      kind: 'error',
      code: undefined,
      message: `${banner}Error: Could not find Prisma Schema that is required for this command.`,
    });
    expect(error.message).toContain('prisma said:\n  Could not find Prisma Schema');
    expect(error.message).not.toContain('Loaded Prisma config');
  });

  test('resolve did not take effect: the code and message, not the banner', () => {
    const error = failureError(
      resolveStep,
      ctx,
      { kind: 'error', code: undefined, message: `${banner}Error: something broke in the engine` },
      {},
    );
    expect(error.code).toBe('RESOLVE_FAILED');
    expect(error.message).toContain('did not take effect on production: something broke in the engine');
    expect(error.message).not.toContain('Loaded Prisma config');
  });
});
