import { describe, expect, it } from 'vitest';
import {
  intentOf,
  openIntent,
  settleIntent,
  type IntentAction,
  type RowState,
} from '../../src/core/intent.js';
import { appendEvents } from '../../src/core/ledger.js';
import { envEvent, envFacts, MIGRATION } from '../support/plan-facts.js';

const REVERT = '20261122000000_revert_fix_orders';

describe('settling an interrupted step from its row', () => {
  // Every action, every state its row can be in: the event recorded and the note shown.
  it.each<[IntentAction, RowState, string, string]>([
    ['deploy', 'applied', 'deployed:ok', 'recorded as done'],
    ['deploy', 'failed', 'deployed:failed', 'recorded as failed'],
    ['deploy', 'absent', 'deployed:skipped', 'no change'],
    ['resolve-applied', 'applied', 'resolved:ok', 'recorded as done'],
    ['resolve-applied', 'failed', 'resolved:skipped', 'no change'],
    ['resolve-applied', 'absent', 'resolved:skipped', 'recorded as not run'],
    ['resolve-rolled-back', 'rolled-back', 'rolled-back:ok', 'recorded as done'],
    ['resolve-rolled-back', 'failed', 'rolled-back:skipped', 'recorded as not run'],
    ['revert', 'rolled-back', 'rolled-back:ok', 'recorded as done'],
    ['revert', 'failed', 'rolled-back:skipped', 'still failed: recorded as not finished'],
    ['manual', 'failed', 'rolled-back:skipped', 'recorded as not finished'],
    ['roll-forward', 'applied', 'rolled-forward:ok', `${REVERT} applied: recorded as done`],
    ['roll-forward', 'failed', 'rolled-forward:failed', `${REVERT} failed: recorded as failed`],
    ['roll-forward', 'absent', 'rolled-forward:skipped', `${REVERT} not applied: recorded as not finished`],
    ['finish-revert', 'applied', 'rolled-forward:ok', 'recorded as done'],
    ['finish-revert', 'failed', 'rolled-forward:skipped', 'still failed'],
  ])('%s with its row %s -> %s', (action, row, event, note) => {
    const settled = settleIntent(
      { action, migration: MIGRATION, revert: REVERT },
      row,
      'an earlier run was interrupted',
    );
    expect(`${settled.event.type}:${settled.event.outcome}`).toBe(event);
    expect(settled.event.migration).toBe(MIGRATION);
    expect(settled.note).toContain(note);
  });
});

it.each<RowState>(['failed', 'absent'])(
  'a row %s while another session holds the migration lock is a migration in progress (exit 4)',
  (row) => {
    const settle = () =>
      settleIntent(
        { action: 'deploy', migration: MIGRATION, revert: undefined },
        row,
        'an earlier deploy was interrupted',
        {
          lockHolder: 'backend pid 4242',
          env: 'production',
        },
      );
    expect(settle).toThrow(
      /still running on production: Prisma's migration lock is held by backend pid 4242/,
    );
  },
);

it('a finished row settles even while the lock is held by someone else', () => {
  const settled = settleIntent(
    { action: 'deploy', migration: MIGRATION, revert: undefined },
    'applied',
    'x',
    {
      lockHolder: 'backend pid 4242',
    },
  );
  expect(settled.event.outcome).toBe('ok');
});

describe('reading intents', () => {
  const intent = (command: string, action: string) => ({
    ...envEvent('intent', 'pending', { action }, command),
  });

  it.each([
    ['deploy', 'migrate deploy', 'deploy'],
    ['resolve', 'migrate resolve --applied', 'resolve-applied'],
    ['resolve', 'migrate resolve --rolled-back', 'resolve-rolled-back'],
    ['rollback', 'revert', 'revert'],
    ['rollback', 'roll-forward', 'roll-forward'],
    ['resolve', 'resolve-applied', 'resolve-applied'],
  ])('%s "%s" (as older ledgers wrote it) is %s', (command, raw, action) => {
    const file = appendEvents(envFacts().ledger, [intent(command, raw)]);
    expect(openIntent(file, 'production', '.hotfix/x.json')?.action).toBe(action);
  });

  it('an intent this version cannot settle is a ledger error (exit 3), never guessed', () => {
    const file = appendEvents(envFacts().ledger, [intent('deploy', 'teleport')]);
    const event = file.events.at(-1)!;
    expect(() => intentOf(event, '.hotfix/x.json')).toThrow(/cannot settle/);
    try {
      intentOf(event, '.hotfix/x.json');
    } catch (error) {
      expect((error as { exitCode: number }).exitCode).toBe(3);
    }
  });

  it('an answered intent is not open', () => {
    const file = appendEvents(envFacts().ledger, [intent('deploy', 'deploy'), envEvent('deployed', 'ok')]);
    expect(openIntent(file, 'production', 'x')).toBeUndefined();
  });
});
