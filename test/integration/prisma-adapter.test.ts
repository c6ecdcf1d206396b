// The Prisma adapter's argv, run against both real CLIs (Prisma 7.10 through the schema-engine
// stand-in, Prisma 6.19 through its JS engine) on SQLite files: what the commands build is what
// each major accepts, and P-codes come back as typed outcomes.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { exec } from '../../src/adapters/exec.js';
import { openPrisma, type Prisma, type PrismaTarget } from '../../src/adapters/prisma.js';
import { prismaMigrations, sqliteColumns } from '../support/db.js';
import { createPrismaProject, prismaEnv, type PrismaProject } from '../support/prisma-project.js';

describe.each([7, 6] as const)('Prisma %i through the adapter (SQLite)', (major) => {
  let project: PrismaProject;
  let prisma: Prisma;
  let target: PrismaTarget;
  const saved = { ...process.env };

  beforeAll(async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), `hotfix-adapter-p${major}-`));
    project = await createPrismaProject({
      provider: 'sqlite',
      prismaMajor: major,
      databaseUrl: `file:${path.join(dir, 'app.db')}`,
    });
    // The child inherits these (offline engine settings); the URL itself goes through `target`.
    const env = prismaEnv(project);
    delete process.env.PRISMA_SCHEMA_ENGINE_BINARY;
    for (const [key, value] of Object.entries(env)) if (key !== 'DATABASE_URL') process.env[key] = value;
    delete process.env.DATABASE_URL;
    prisma = await openPrisma(project.dir, 'prisma/schema.prisma', exec);
    target = { url: project.databaseUrl, urlEnv: 'DATABASE_URL' };
  });
  afterAll(async () => {
    process.env = saved;
    await project?.cleanup();
  });

  test('reads the version of the project’s own prisma', () => {
    expect(prisma.major).toBe(major);
    expect(prisma.version).toMatch(major === 7 ? /^7\.10\./ : /^6\.19\./);
  });

  test('deploy applies, status is then up to date', async () => {
    const deploy = await prisma.run({ kind: 'deploy' }, target);
    expect(deploy.outcome, deploy.stderr).toEqual({ kind: 'ok' });
    expect((await prismaMigrations(project.databaseUrl)).map((m) => m.finished)).toEqual([true]);
    const status = await prisma.run({ kind: 'status' }, target);
    expect(status.exitCode, status.stdout + status.stderr).toBe(0);
    expect(status.stdout).toContain('Database schema is up to date');
  });

  test('db execute --file runs a script', async () => {
    const file = path.join(project.dir, 'patch.sql');
    writeFileSync(file, 'ALTER TABLE "User" ADD COLUMN "nickname" TEXT;\n');
    const r = await prisma.run({ kind: 'execute', file }, target);
    expect(r.outcome, r.stderr).toEqual({ kind: 'ok' });
    expect(await sqliteColumns(project.databaseUrl, 'User')).toContain('nickname');
  });

  test('resolve --applied records without running; again is P3008; --rolled-back on it is P3012', async () => {
    const name = '20250101000000_nickname';
    await project.addMigration(name, 'ALTER TABLE "User" ADD COLUMN "nickname" TEXT;\n');
    const first = await prisma.run({ kind: 'resolve', action: 'applied', migration: name }, target);
    expect(first.outcome, first.stderr).toEqual({ kind: 'ok' });
    expect(
      (await prismaMigrations(project.databaseUrl)).find((m) => m.migration_name === name),
    ).toMatchObject({
      finished: true,
      applied_steps_count: 0,
    });
    const again = await prisma.run({ kind: 'resolve', action: 'applied', migration: name }, target);
    expect(again.outcome).toMatchObject({ kind: 'already-applied', code: 'P3008', migration: name });
    // Prisma 6's --rolled-back first checks the connection through the native engine binary,
    // which cannot be downloaded here (measured in test/standin/prisma6.test.ts).
    if (major === 7) {
      const rolled = await prisma.run({ kind: 'resolve', action: 'rolled-back', migration: name }, target);
      expect(rolled.outcome).toMatchObject({ kind: 'not-failed', code: 'P3012', migration: name });
    }
  });

  test('an unknown migration is P3017', async () => {
    const r = await prisma.run(
      { kind: 'resolve', action: 'applied', migration: '20990101000000_nope' },
      target,
    );
    expect(r.outcome).toMatchObject({ kind: 'migration-not-found', code: 'P3017' });
  });
});
