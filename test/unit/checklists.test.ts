import { describe, expect, it } from 'vitest';
import { checklist } from '../../src/core/checklists.js';
import { createLedger, deriveState, type NewEvent } from '../../src/core/ledger.js';

const at = '2026-11-21T10:00:00.000Z';
const ev = (e: Partial<NewEvent>): NewEvent => ({
  type: 'started',
  at,
  actor: 'a@x',
  command: 'start',
  outcome: 'ok',
  ...e,
});
const stateWith = (events: NewEvent[]) =>
  deriveState(
    createLedger({ name: 'f', branch: 'hotfix/f', base: 'main', migration: 'm', createdAt: at }, [
      ev({}),
      ...events,
    ]),
  );
const done = (items: { id: string; done: boolean }[]) => items.filter((i) => i.done).map((i) => i.id);

describe('checklists are ticked from the ledger, never by default', () => {
  it('pre-deploy: only what the ledger proves', () => {
    expect(done(checklist('pre-deploy', undefined))).toEqual([]);
    expect(done(checklist('pre-deploy', stateWith([]), { downWritten: false }))).toEqual(['branch']);
    const staged = stateWith([
      ev({ type: 'deployed', env: { name: 'staging', fingerprint: '0'.repeat(12) } }),
    ]);
    expect(done(checklist('pre-deploy', staged, { downWritten: true }))).toEqual([
      'branch',
      'staging',
      'rollback-plan',
    ]);
  });

  it('post-deploy "every environment" counts the configured ones, not only those touched', () => {
    const prodOnly = stateWith([
      ev({ type: 'resolved', env: { name: 'production', fingerprint: '1'.repeat(12) } }),
    ]);
    expect(done(checklist('post-deploy', prodOnly, { environments: ['production', 'staging'] }))).toEqual([]);
    const both = stateWith([
      ev({ type: 'resolved', env: { name: 'production', fingerprint: '1'.repeat(12) } }),
      ev({ type: 'deployed', env: { name: 'staging', fingerprint: '2'.repeat(12) } }),
    ]);
    expect(done(checklist('post-deploy', both, { environments: ['production', 'staging'] }))).toEqual([
      'recorded',
    ]);
  });

  it('rollback and merge-back items need their events', () => {
    const rolled = stateWith([
      ev({ type: 'rolled-forward', env: { name: 'production', fingerprint: '1'.repeat(12) } }),
    ]);
    expect(done(checklist('rollback', rolled))).toEqual(['revert']);
    expect(done(checklist('merge-back', rolled))).toEqual([]);
    expect(done(checklist('merge-back', stateWith([ev({ type: 'finished' })])))).toEqual([
      'main',
      'develop',
      'version',
    ]);
  });
});
