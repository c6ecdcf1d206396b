// Real interruptions: a hotfix process killed between its intent and its outcome, and two
// hotfix processes racing for the same repository.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createPgDatabase, pgQuery, prismaMigrations, type PgDatabase } from '../support/db.js';
import { git, initRepo, snapshot } from '../support/git.js';
import { runHotfix, startHotfix } from '../support/hotfix.js';
import { createPrismaProject, prismaEnv, runPrisma, type PrismaProject } from '../support/prisma-project.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

describe.sequential('interruptions (PostgreSQL, real Prisma 7)', () => {
  let db: PgDatabase;
  let project: PrismaProject;
  let env: Record<string, string>;
  const lockFile = () => path.join(project.dir, '.git', 'hotfix.lock');
  const ledgerPath = (name: string) => path.join(project.dir, '.hotfix', `${name}.json`);

  let devDb: PgDatabase;

  beforeAll(async () => {
    db = await createPgDatabase('interrupted');
    // start --from-schema diffs through a development database, never production's.
    devDb = await createPgDatabase('interrupted_dev');
    project = await createPrismaProject({ provider: 'postgresql', databaseUrl: db.url });
    writeFileSync(
      path.join(project.dir, 'hotfix.config.json'),
      `${JSON.stringify({ environments: { production: { urlEnv: 'PRODUCTION_DATABASE_URL', protected: true } } })}\n`,
    );
    initRepo(project.dir);
    env = { ...prismaEnv(project), DATABASE_URL: devDb.url, PRODUCTION_DATABASE_URL: db.url };
    expect((await runPrisma(project, ['migrate', 'deploy'])).exitCode).toBe(0);
  });
  afterAll(async () => {
    await project?.cleanup();
    await db?.drop();
    await devDb?.drop();
  });

  test('two hotfix start at once: one proceeds, the other exits 4 naming the holder', async () => {
    writeFileSync(
      project.schemaPath,
      readFileSync(project.schemaPath, 'utf8').replace(
        /(model Post \{[\s\S]*?)(\n\})/,
        '$1\n\n  @@index([title])$2',
      ),
    );
    const [a, b] = await Promise.all([
      startHotfix(project.dir, ['start', 'race-a', '--from-schema'], env),
      startHotfix(project.dir, ['start', 'race-b', '--from-schema'], env),
    ]);
    const codes = [a.exitCode, b.exitCode].sort();
    expect(codes, `${String(a.stderr)}\n${String(b.stderr)}`).toEqual([0, 4]);
    const loser = a.exitCode === 4 ? a : b;
    expect(String(loser.stderr)).toMatch(
      /Another hotfix command holds the lock: pid \d+ on \S+ \(hotfix start race-[ab]\) since \d{4}-\d\d-\d\dT/,
    );
    // Exactly one hotfix exists, committed on its branch; the lock is gone.
    const branches = git(project.dir, 'branch', '--list', 'hotfix/*')
      .split('\n')
      .map((l) => l.replace(/^[*\s]+/, ''));
    expect(branches).toHaveLength(1);
    expect(git(project.dir, 'status', '--porcelain')).toBe('');
    expect(existsSync(lockFile())).toBe(false);
  });

  test('a deploy killed after its intent: stale lock reported, then reconciled from the database', async () => {
    const name = git(project.dir, 'branch', '--show-current').replace('hotfix/', '');
    const child = startHotfix(
      project.dir,
      ['deploy', name, '--env', 'production', '--yes', '--accept-risk', '--reason', 'test table'],
      env,
    );
    await until('the intent in the ledger', () =>
      readFileSync(ledgerPath(name), 'utf8').includes('"intent"') ? true : undefined,
    );
    child.kill('SIGKILL');
    await child;
    // Its prisma child may go on or die on the closed pipe: wait until nothing else is
    // connected to the database, so the table's state is final (whatever it is).
    const migration = JSON.parse(readFileSync(ledgerPath(name), 'utf8')).migration as string;
    await until('prisma to let go of the database', async () => {
      const rows = await pgQuery<{ n: string }>(
        db.url,
        'SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
      );
      return Number(rows[0]?.n) === 0 ? true : undefined;
    });

    const before = snapshot(project.dir);
    const stale = await runHotfix(
      project.dir,
      ['deploy', name, '--env', 'production', '--yes', '--accept-risk', '--reason', 'test table'],
      env,
    );
    expect(stale.exitCode, stale.stderr).toBe(4);
    expect(stale.stderr).toContain('stale hotfix lock');
    expect(stale.stderr).toContain(lockFile());
    expect(snapshot(project.dir)).toEqual(before);

    rmSync(lockFile());
    const again = await runHotfix(
      project.dir,
      ['deploy', name, '--env', 'production', '--yes', '--accept-risk', '--reason', 'test table'],
      env,
    );
    expect(again.exitCode, again.stderr).toBe(0);
    // Either prisma had finished (recorded as done) or it had not run (recorded, then applied now).
    expect(again.stdout).toMatch(
      /an earlier deploy was interrupted; the database shows (\S+ applied: recorded as done|no change for \S+: recorded as not run)/,
    );
    const events = JSON.parse(readFileSync(ledgerPath(name), 'utf8')).events.map(
      (e: { type: string; outcome: string }) => `${e.type}:${e.outcome}`,
    );
    expect(events.slice(-2)).toEqual(['intent:pending', 'deployed:ok']);
    expect(git(project.dir, 'status', '--porcelain')).toBe('');
    expect((await prismaMigrations(db.url)).filter((m) => m.migration_name === migration)).toHaveLength(1);
  });
});
