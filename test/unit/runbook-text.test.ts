import { describe, expect, it } from 'vitest';
import { createLedger, deriveState, type NewEvent } from '../../src/core/ledger.js';
import { defaultPhase, notice } from '../../src/core/notify.js';
import { timeline } from '../../src/core/timeline.js';
import { withVersion } from '../../src/core/version-file.js';

const started: NewEvent = { type: 'started', at: '', actor: 'a@x', command: 'start', outcome: 'ok' };

/** An event at `at` (a started event unless `e` says otherwise). */
const ev = (at: string, e: Partial<NewEvent> = {}): NewEvent => ({ ...started, at, ...e });
const prod = { name: 'production', fingerprint: '1'.repeat(12) };
const file = (events: NewEvent[]) =>
  createLedger(
    { name: 'f', branch: 'hotfix/f', base: 'main', migration: 'm1', createdAt: '2026-11-21T10:00:00.000Z' },
    [ev('2026-11-21T10:00:00.000Z'), ...events],
  );

describe('withVersion', () => {
  it("changes package.json and the lockfile's own versions, never a dependency that has the same one", () => {
    const pkg = '{\n  "name": "app",\n  "version": "1.2.0",\n  "dependencies": { "x": "1.2.0" }\n}\n';
    expect(withVersion(pkg, '1.2.0', '1.2.1')).toBe(pkg.replace('"version": "1.2.0"', '"version": "1.2.1"'));
    const lock = JSON.stringify(
      {
        name: 'app',
        version: '1.2.0',
        packages: { '': { version: '1.2.0' }, 'node_modules/x': { version: '1.2.0' } },
      },
      null,
      2,
    );
    const out = JSON.parse(withVersion(lock, '1.2.0', '1.2.1', 2));
    expect([out.version, out.packages[''].version, out.packages['node_modules/x'].version]).toEqual([
      '1.2.1',
      '1.2.1',
      '1.2.0',
    ]);
    expect(withVersion('{"name":"app"}', '1.2.0', '1.2.1')).toBe('{"name":"app"}');
  });
});

describe('timeline', () => {
  it('keeps the ledger order and places _prisma_migrations rows by time', () => {
    const f = file([
      ev('2026-11-21T10:05:00.000Z', { type: 'deployed', command: 'deploy', env: prod, migration: 'm1' }),
    ]);
    const row = {
      id: '1',
      migrationName: 'm1',
      checksum: 'c'.repeat(64),
      startedAt: '2026-11-21T10:04:00.000Z',
      finishedAt: '2026-11-21T10:04:30.000Z',
      rolledBackAt: null,
      appliedStepsCount: 1,
      logs: null,
    };
    const other = { ...row, id: '2', migrationName: 'init' };
    const t = timeline(f, ['m1'], [{ env: 'production', rows: [other, row] }]);
    expect(t.map((e) => e.event)).toEqual(['started', 'row-started', 'row-finished', 'deployed']);
    expect(t[3]!.what).toBe('Deployed on production (prisma migrate deploy)');
  });
});

describe('notify', () => {
  it('picks the message that fits and fills in real times', () => {
    const started = file([]);
    expect(defaultPhase(deriveState(started), ['production'])).toBe('alert');
    const done = file([
      ev('2026-11-21T10:42:10.000Z', { type: 'resolved', command: 'resolve', env: prod, migration: 'm1' }),
    ]);
    expect(defaultPhase(deriveState(done), ['production'])).toBe('resolved');
    const text = notice('resolved', { file: done, environments: ['production'], next: undefined }).text;
    expect(text).toContain('RESOLVED: hotfix f');
    expect(text).toContain('production: resolved at 2026-11-21 10:42 UTC');
    expect(text).toContain('Time to fix: 42 min (2026-11-21 10:00 UTC to 2026-11-21 10:42 UTC)');
  });
});
