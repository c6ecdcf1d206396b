// hotfix deploy's decisions, in-process on fakes of the ports (no database, no git process).
import { describe, expect, it } from 'vitest';
import { fakeProject, type FakeProject } from '../support/fakes/index.js';

async function started(fx: FakeProject, name = 'post-author-index') {
  fx.write('fix.sql', 'CREATE INDEX "Post_authorId_idx" ON "Post"("authorId");\n');
  const r = await fx.run(['start', name, '--sql', 'fix.sql', '--json', '--no-schema-check']);
  expect(r.exitCode, r.stderr).toBe(0);
  return r.json.migration.name as string;
}

describe('deploy (in-process, fakes)', () => {
  it('applies the hotfix on staging and records it', async () => {
    const fx = fakeProject();
    const migration = await started(fx);
    const r = await fx.run(['deploy', 'post-author-index', '--env', 'staging', '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ ok: true, applied: [migration] });
    expect(fx.staging.latest(migration)?.finishedAt).toBeTruthy();
    expect(fx.prod.latest(migration)).toBeUndefined();
    expect(fx.ledger('post-author-index').events.map((e) => `${e.type}:${e.outcome}`)).toContain(
      'deployed:ok',
    );
    expect(await fx.git.dirtyPaths()).toEqual(['fix.sql']);
  });
});
