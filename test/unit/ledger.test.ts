import { describe, expect, it } from 'vitest';
import {
  appendEvents,
  createLedger,
  deriveState,
  LEDGER_SCHEMA_VERSION,
  parseLedger,
  serializeLedger,
  type NewEvent,
} from '../../src/core/ledger.js';
import { HotfixError } from '../../src/core/errors.js';

const at = '2026-11-21T10:00:00.000Z';
const base: NewEvent = { type: 'started', at, actor: 'a@example.com', command: 'start', outcome: 'ok' };
const env = { name: 'production', fingerprint: '0123456789ab' };

function file(events: NewEvent[] = []) {
  return createLedger(
    { name: 'fix', branch: 'hotfix/fix', base: 'main', migration: '20261121100000_fix', createdAt: at },
    [
      base,
      { ...base, type: 'migration-created', checksum: 'a'.repeat(64), migration: '20261121100000_fix' },
      ...events,
    ],
  );
}

function ledgerFailure(text: string): HotfixError {
  try {
    parseLedger(text, '.hotfix/fix.json');
  } catch (error) {
    return error as HotfixError;
  }
  throw new Error('expected a failure');
}

describe('ledger', () => {
  it('a bad ledger on another branch gets a git log that git accepts (branch, then the path)', () => {
    let error: HotfixError | undefined;
    try {
      parseLedger('{ not json', 'hotfix/x:.hotfix/x.json');
    } catch (e) {
      error = e as HotfixError;
    }
    expect(error?.hint).toContain('git log -p hotfix/x -- .hotfix/x.json');
    expect(ledgerFailure('{ not json').hint).toContain('git log -p -- .hotfix/fix.json');
  });

  it('round-trips and numbers events in order', () => {
    const f = file();
    const parsed = parseLedger(serializeLedger(f), '.hotfix/fix.json');
    expect(parsed).toEqual(f);
    expect(parsed.events.map((e) => e.seq)).toEqual([1, 2]);
    expect(parsed.schemaVersion).toBe(LEDGER_SCHEMA_VERSION);
  });

  it('serializes one key order whatever order the objects were built in: read and written back, the bytes stay', () => {
    const f = file();
    const text = serializeLedger(f);
    // A new event is built actor-first (the recorder's stamp); one read back comes in schema order.
    const shuffled = {
      ...f,
      events: f.events.map((e) => Object.fromEntries(Object.entries(e).reverse())),
    } as typeof f;
    expect(serializeLedger(shuffled)).toBe(text);
    expect(serializeLedger(parseLedger(text, '.hotfix/fix.json'))).toBe(text);
    expect(text.indexOf('"seq"')).toBeLessThan(text.indexOf('"type"'));
  });

  it('a checked event parses in schemaVersion 1 and changes no environment state', () => {
    const f = file([
      { ...base, type: 'checked', command: 'checklist', details: { phase: 'pre-deploy', item: 'team' } },
    ]);
    const parsed = parseLedger(serializeLedger(f), '.hotfix/fix.json');
    expect(parsed.schemaVersion).toBe(1);
    expect(deriveState(parsed)).toMatchObject({ phase: 'open', envs: [] });
  });

  it('an event type this version does not know is refused (exit 3), never skipped', () => {
    const text = JSON.stringify({
      ...file(),
      events: [...file().events, { ...base, seq: 3, type: 'later' }],
    });
    expect(ledgerFailure(text).code).toBe('LEDGER_INVALID');
  });

  it('appendEvents does not mutate its input', () => {
    const f = file();
    const next = appendEvents(f, [{ ...base, type: 'verified' }]);
    expect(f.events).toHaveLength(2);
    expect(next.events).toHaveLength(3);
  });

  it.each([
    ['corrupt', '{"schemaVersion": 1, ', 'LEDGER_CORRUPT'],
    [
      'conflicted',
      `<<<<<<< HEAD\n${serializeLedger(file())}=======\n{}\n>>>>>>> hotfix/x\n`,
      'LEDGER_CONFLICTED',
    ],
    ['newer', JSON.stringify({ ...file(), schemaVersion: 99 }), 'LEDGER_NEWER_VERSION'],
    ['invalid', JSON.stringify({ ...file(), events: [] }), 'LEDGER_INVALID'],
    ['unknown key', JSON.stringify({ ...file(), extra: 1 }), 'LEDGER_INVALID'],
    ['reordered', JSON.stringify({ ...file(), events: [...file().events].reverse() }), 'LEDGER_INVALID'],
  ])('a %s file is a ledger error (exit 3) naming the file', (_label, text, code) => {
    const error = ledgerFailure(text);
    expect(error.code).toBe(code);
    expect(error.exitCode).toBe(3);
    expect(error.message).toContain('.hotfix/fix.json');
  });

  it('derives per-environment state from events', () => {
    const f = file([
      { ...base, type: 'intent', command: 'deploy', outcome: 'pending', env },
      { ...base, type: 'deployed', command: 'deploy', outcome: 'failed', env, details: { code: 'P3018' } },
      {
        ...base,
        type: 'intent',
        command: 'rollback',
        outcome: 'pending',
        env: { name: 'staging', fingerprint: 'ffffffffffff' },
      },
      {
        ...base,
        type: 'rolled-back',
        command: 'rollback',
        outcome: 'skipped',
        env: { name: 'staging', fingerprint: 'ffffffffffff' },
      },
      {
        ...base,
        type: 'intent',
        command: 'resolve',
        outcome: 'pending',
        env: { name: 'eu', fingerprint: 'eeeeeeeeeeee' },
      },
    ]);
    const state = deriveState(f);
    expect(state.checksum).toBe('a'.repeat(64));
    expect(state.phase).toBe('open');
    expect(state.envs.map((e) => [e.name, e.state])).toEqual([
      ['production', 'failed'],
      // staging: the rollback intent ended 'skipped' (nothing ran), so it is back to no state.
      ['eu', 'in-progress'],
    ]);
  });

  it('text read from a ledger reaches no terminal as escape sequences; the rest is kept', () => {
    const f = file([
      { ...base, type: 'checked', actor: '\u001b[31mmallory\u001b[0m', reason: 'why\nline\u202e' },
    ]);
    const read = parseLedger(serializeLedger(f), '.hotfix/fix.json');
    const last = read.events.at(-1)!;
    expect(last.actor).toBe('\uFFFD[31mmallory\uFFFD[0m');
    expect(last.reason).toBe('why\nline\uFFFD');
  });

  it.each([
    ['../../../tmp/x', 'name'],
    ['fix', 'migration', '../../etc'],
  ])(
    'a ledger naming a path outside (%s) is invalid, exit 3',
    (name, where, migration = '20261121100000_fix') => {
      const f = { ...file(), name, migration };
      const error = ledgerFailure(serializeLedger(f));
      expect(error.code).toBe('LEDGER_INVALID');
      expect(error.exitCode).toBe(3);
      expect(error.message).toContain(`${where}:`);
    },
  );
});
