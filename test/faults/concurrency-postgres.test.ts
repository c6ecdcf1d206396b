// Ten hotfix processes at once in one repository (real PostgreSQL, git, Prisma CLI): deploys,
// resolves, checklist ticks and rollbacks mixed, several on the same hotfix. One holds the lock
// at a time; without --wait the others exit 4 naming the holder, with --wait they queue. The
// ledger parses afterwards and holds every event a process reported as recorded.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { pgQuery, prismaMigrations } from '../support/db.js';
import { git } from '../support/git.js';
import { startHotfix, startWithSql } from '../support/hotfix.js';
import { useTwoEnvProject } from '../support/scenario.js';

describe.sequential('ten processes at once', () => {
  let migration: string;
  const ledger = () =>
    JSON.parse(readFileSync(path.join(s.project.dir, '.hotfix', 'busy.json'), 'utf8')) as {
      events: { type: string; outcome: string; details?: Record<string, unknown> }[];
    };

  const s = useTwoEnvProject({ provider: 'postgresql', prefix: 'ten' }, async (s) => {
    migration = await startWithSql(
      s,
      'busy',
      'CREATE INDEX CONCURRENTLY "User_name_idx" ON "User"("name");\n',
      'DROP INDEX CONCURRENTLY IF EXISTS "User_name_idx";\n',
    );
    await pgQuery(s.prodUrl, 'CREATE INDEX "User_name_idx" ON "User"("name")');
  });

  const mix = (extra: string[]): string[][] => [
    [...extra, 'deploy', 'busy', '--env', 'staging'],
    [...extra, 'deploy', 'busy', '--env', 'staging'],
    [...extra, 'resolve', 'busy', '--env', 'production', '--yes'],
    [...extra, 'resolve', 'busy', '--env', 'production', '--yes'],
    [...extra, 'checklist', 'busy', '--done', 'pre-deploy.team', '--note', 'paged'],
    [...extra, 'checklist', 'busy', '--done', 'post-deploy.metrics', '--note', 'graphs calm'],
    [...extra, 'status', 'busy'],
    [...extra, 'status'],
    [...extra, 'verify'],
    [...extra, 'checklist', 'busy'],
  ];

  test('without --wait: each finishes or exits 4 naming the holder; the ledger holds what was reported', async () => {
    const runs = await Promise.all(mix([]).map((args) => startHotfix(s.project.dir, args, s.env)));
    for (const r of runs) {
      expect([0, 1, 4], `${r.command}\n${r.stderr}`).toContain(r.exitCode);
      if (r.exitCode === 4) expect(r.stderr).toMatch(/LOCK_HELD|holds the lock: pid \d+/);
      expect(r.stderr).not.toMatch(/bug|Unexpected/i);
    }
    expect(runs.filter((r) => r.exitCode === 0).length).toBeGreaterThanOrEqual(1);
    const events = ledger().events;
    const deployed = runs.slice(0, 2).some((r) => r.exitCode === 0);
    if (deployed) expect(events.some((e) => e.type === 'deployed' && e.outcome === 'ok')).toBe(true);
    const resolved = runs.slice(2, 4).some((r) => r.exitCode === 0);
    if (resolved) expect(events.some((e) => e.type === 'resolved' && e.outcome === 'ok')).toBe(true);
    expect(git(s.project.dir, 'status', '--porcelain')).toBe('');
  });

  test('with --wait 120: every one of them finishes, in turn', async () => {
    const runs = await Promise.all(
      mix(['--wait', '120']).map((args) => startHotfix(s.project.dir, args, s.env)),
    );
    for (const r of runs) {
      expect(r.exitCode, `${r.command}\n${r.stdout}\n${r.stderr}`).toBe(0);
    }
    expect(runs.some((r) => /Waiting up to 120 s/.test(String(r.stderr)))).toBe(true);
    const events = ledger().events;
    expect(events.some((e) => e.type === 'deployed' && e.outcome === 'ok')).toBe(true);
    expect(events.some((e) => e.type === 'resolved' && e.outcome === 'ok')).toBe(true);
    const ticks = events.filter((e) => e.type === 'checked').map((e) => e.details?.item);
    expect(ticks).toEqual(expect.arrayContaining(['team', 'metrics']));
    // Applied once on each environment, whatever the number of tries.
    for (const url of [s.stagingUrl, s.prodUrl]) {
      const rows = (await prismaMigrations(url)).filter((m) => m.migration_name === migration);
      expect(rows.map((m) => m.finished)).toEqual([true]);
    }
    expect(git(s.project.dir, 'status', '--porcelain')).toBe('');
  });
});
