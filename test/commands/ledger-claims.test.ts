// A ledger claim the database contradicts is never trusted (issue 17): a hand-added "deployed
// to production" event makes finish refuse, and status and checklist show it; an environment
// that cannot be read is named, not assumed.
import { describe, expect, it } from 'vitest';
import { AS_IS, fakeProject, snapshot, startWithSql, type FakeProject } from '../support/fakes/index.js';

const INDEX = 'CREATE INDEX "Post_authorId_idx" ON "Post"("authorId");\n';

/** Deployed to staging for real, then a "deployed to production" event added by hand and committed. */
async function fakeClaim(): Promise<{ fx: FakeProject; migration: string }> {
  const fx = fakeProject();
  const migration = await startWithSql(fx, 'x', INDEX, 'DROP INDEX "Post_authorId_idx";\n', AS_IS);
  expect((await fx.run(['deploy', 'x', '--env', 'staging'])).exitCode).toBe(0);
  const rel = '.hotfix/x.json';
  const ledger = JSON.parse(fx.read(rel)!);
  const staged = ledger.events.findLast((e: { type: string }) => e.type === 'deployed');
  ledger.events.push({
    ...staged,
    seq: ledger.events.at(-1).seq + 1,
    at: '2026-12-07T11:00:00.000Z',
    actor: 'someone@example.com',
    env: { name: 'production', fingerprint: 'bbbbbbbbbbbb' },
  });
  fx.write(rel, `${JSON.stringify(ledger, null, 2)}\n`);
  fx.git.commitAll('production done (by hand)');
  return { fx, migration };
}

describe('a hand-added "deployed to production" event that production does not have', () => {
  it('finish refuses with LEDGER_DB_MISMATCH (exit 1): no merge, no bump, no tag', async () => {
    const { fx } = await fakeClaim();
    const before = await snapshot(fx);
    const r = await fx.run(['finish', 'x', '--json']);
    expect(r.exitCode, r.stdout).toBe(1);
    expect(r.json.error.code).toBe('LEDGER_DB_MISMATCH');
    expect(r.json.error.message).toContain(
      'production: the ledger says deployed (2026-12-07T11:00:00.000Z, someone@example.com), but _prisma_migrations has no row of it',
    );
    expect(r.json.error.message).not.toContain('staging:');
    expect(r.json.error.hint).toContain('hotfix verify --env production');
    expect(await snapshot(fx)).toEqual(before);
  });

  it('status shows it; staging, which matches, says so', async () => {
    const { fx } = await fakeClaim();
    const r = await fx.run(['status', 'x', '--json']);
    expect(r.exitCode).toBe(0);
    const envs = Object.fromEntries(r.json.hotfixes[0].envs.map((e: { name: string }) => [e.name, e]));
    expect(envs.production.db).toEqual({ check: 'LEDGER_DB_MISMATCH', found: 'absent' });
    expect(envs.staging.db).toEqual({ check: 'matches' });
    const text = await fx.run(['status', 'x']);
    expect(text.stdout).toContain('LEDGER_DB_MISMATCH: _prisma_migrations has no row of it');
  });

  it('checklist leaves the claim unticked and says why', async () => {
    const { fx } = await fakeClaim();
    const r = await fx.run(['checklist', 'x', '--phase', 'post-deploy', '--json']);
    expect(r.exitCode).toBe(0);
    expect(r.json.mismatches).toEqual([
      expect.stringContaining('LEDGER_DB_MISMATCH production: the ledger says deployed'),
    ]);
    const text = await fx.run(['checklist', 'x', '--phase', 'post-deploy']);
    expect(text.stdout).toContain('not ticked');
  });

  it('once production really has it, finish goes on', async () => {
    const { fx, migration } = await fakeClaim();
    fx.prod.row(migration, INDEX);
    const r = await fx.run(['finish', 'x', '--json']);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
  });

  it('production unreadable: named, not assumed', async () => {
    const { fx, migration } = await fakeClaim();
    fx.prod.row(migration, INDEX);
    const status = await fx.run(['status', 'x', '--json'], { PRODUCTION_DATABASE_URL: undefined });
    const prod = status.json.hotfixes[0].envs.find((e: { name: string }) => e.name === 'production');
    expect(prod.db).toEqual({ check: 'unread', why: '$PRODUCTION_DATABASE_URL is not set' });
    fx.prod.unreachable = true;
    const finish = await fx.run(['finish', 'x']);
    expect(finish.exitCode, finish.stderr).toBe(0);
    expect(finish.stdout).toMatch(
      /production not checked against its database \(.+\): its ledger record is taken as it is/,
    );
  });
});
