import { describe, expect, it } from 'vitest';
import { checklist, currentPhase, ledgerChecklist, nextItem, phaseOf } from '../../src/core/checklists.js';
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

describe('manual ticks and the next item', () => {
  const file = (events: NewEvent[]) =>
    createLedger({ name: 'f', branch: 'hotfix/f', base: 'main', migration: 'm', createdAt: at }, [
      ev({}),
      ...events,
    ]);
  const checked = (phase: string, item: string, note?: string) =>
    ev({ type: 'checked', command: 'checklist', details: { phase, item, ...(note ? { note } : {}) } });

  it('a checked event ticks its item, with who, when and the note; a ledger-proven item is never ticked by one', () => {
    const items = ledgerChecklist(
      'pre-deploy',
      file([checked('pre-deploy', 'team', 'posted'), checked('pre-deploy', 'staging')]),
    );
    expect(done(items)).toEqual(['branch', 'team']);
    expect(items.find((i) => i.id === 'team')).toMatchObject({
      by: 'person',
      tick: { actor: 'a@x', at, note: 'posted' },
    });
    expect(items.find((i) => i.id === 'branch')?.by).toBe('ledger');
  });

  it('a tick counts only in its own phase', () => {
    expect(done(ledgerChecklist('merge-back', file([checked('pre-deploy', 'review')])))).toEqual([]);
  });

  it('the next item names the command that does it', () => {
    const items = ledgerChecklist('pre-deploy', file([checked('pre-deploy', 'review')]));
    expect(nextItem('pre-deploy', items, 'f')).toMatchObject({
      id: 'backup',
      command: 'hotfix checklist f --done pre-deploy.backup --note TEXT',
    });
    const deploy = ledgerChecklist('deploy', file([checked('deploy', 'maintenance')]));
    expect(nextItem('deploy', deploy, 'f')?.command).toContain('hotfix resolve f --env production');
  });

  it('a partial finish ticks the base merge only', () => {
    const partial = file([ev({ type: 'finished', outcome: 'failed', details: { merged: ['main'] } })]);
    expect(done(ledgerChecklist('merge-back', partial))).toEqual(['main']);
  });

  it.each([
    { events: [], phase: 'pre-deploy' },
    {
      events: [ev({ type: 'deployed', env: { name: 'staging', fingerprint: '2'.repeat(12) } })],
      phase: 'deploy',
    },
    {
      events: [ev({ type: 'resolved', env: { name: 'production', fingerprint: '1'.repeat(12) } })],
      phase: 'post-deploy',
    },
    {
      events: [ev({ type: 'rolled-forward', env: { name: 'production', fingerprint: '1'.repeat(12) } })],
      phase: 'rollback',
    },
    { events: [ev({ type: 'finished' })], phase: 'merge-back' },
  ])('current phase: $phase', ({ events, phase }) => {
    expect(currentPhase(stateWith(events))).toBe(phase);
  });

  it('phase names: short and full', () => {
    expect(phaseOf('pre')).toBe('pre-deploy');
    expect(phaseOf('merge-back')).toBe('merge-back');
    expect(phaseOf('later')).toBeUndefined();
  });
});
