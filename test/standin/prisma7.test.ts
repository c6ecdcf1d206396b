// The real Prisma 7.10 CLI running offline through the schema-engine stand-in, against a real
// PostgreSQL database and a real SQLite file. The two suites run side by side (different
// databases); the steps inside each suite run in order and build on each other.
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import {
  createPgDatabase,
  pgColumns,
  pgQuery,
  pgTables,
  prismaMigrations,
  sqliteColumns,
  sqliteTables,
  sqliteUrl,
  type PgDatabase,
} from '../support/db.js';
import {
  INIT_MIGRATION,
  createPrismaProject,
  runPrisma,
  type PrismaProject,
} from '../support/prisma-project.js';

const DIFF = ['migrate', 'diff', '--from-migrations', 'prisma/migrations', '--to-config-datasource'];

describe.concurrent('Prisma 7.10 + stand-in, PostgreSQL', () => {
  let db: PgDatabase;
  let project: PrismaProject;
  const DO_MIGRATION = '20240102000000_do_block';
  const FAILING = '20240103000000_fails';

  beforeAll(async () => {
    db = await createPgDatabase('standin_p7');
    project = await createPrismaProject({ provider: 'postgresql', databaseUrl: db.url });
  });
  afterAll(async () => {
    await project?.cleanup();
    await db?.drop();
  });

  test.sequential('migrate status exits 1 while a migration is pending; P1001 when unreachable', async () => {
    const [r, down] = await Promise.all([
      runPrisma(project, ['migrate', 'status']),
      runPrisma(project, ['migrate', 'status'], {
        env: { DATABASE_URL: 'postgresql://postgres@127.0.0.1:1/nowhere' },
      }),
    ]);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain('Following migration have not yet been applied:');
    expect(r.stdout).toContain(INIT_MIGRATION);

    expect(down.exitCode).toBe(1);
    expect(down.all).toContain('P1001');
    expect(down.all).toContain("Can't reach database server at `127.0.0.1`:`1`");
  });

  test.sequential('migrate deploy applies it; migrate status then exits 0', async () => {
    const deploy = await runPrisma(project, ['migrate', 'deploy']);
    expect(deploy.exitCode, deploy.all).toBe(0);
    expect(deploy.stdout).toContain('All migrations have been successfully applied.');
    expect(await pgTables(db.url)).toEqual(['Post', 'User', '_prisma_migrations']);
    expect(await prismaMigrations(db.url)).toMatchObject([
      { migration_name: INIT_MIGRATION, finished: true, rolled_back: false, applied_steps_count: 1 },
    ]);

    const status = await runPrisma(project, ['migrate', 'status']);
    expect(status.exitCode, status.all).toBe(0);
    expect(status.stdout).toContain('Database schema is up to date!');
  });

  test.sequential('migrate diff --exit-code: 0 without drift', async () => {
    const r = await runPrisma(project, [...DIFF, '--exit-code']);
    expect(r.exitCode, r.all).toBe(0);
    expect(r.stdout).toContain('No difference detected.');
  });

  test.sequential(
    'db execute --stdin; the drift then gives exit code 2 and --script prints its SQL',
    async () => {
      const exec = await runPrisma(project, ['db', 'execute', '--stdin'], {
        input: 'ALTER TABLE "User" ADD COLUMN "nickname" TEXT;',
      });
      expect(exec.exitCode, exec.all).toBe(0);
      expect(exec.stdout).toContain('Script executed successfully.');
      expect(await pgColumns(db.url, 'User')).toContain('nickname');

      const script = await runPrisma(project, [...DIFF, '--script', '--exit-code']);
      expect(script.exitCode, script.all).toBe(2);
      expect(script.stdout).toMatch(/ALTER TABLE "public"\."User" ADD COLUMN\s+"nickname" TEXT;/);
    },
  );

  test.sequential('db execute --file', async () => {
    const file = path.join(project.dir, 'drop-nickname.sql');
    await writeFile(file, 'ALTER TABLE "User" DROP COLUMN "nickname";\n');
    const r = await runPrisma(project, ['db', 'execute', '--file', file]);
    expect(r.exitCode, r.all).toBe(0);
    expect(await pgColumns(db.url, 'User')).not.toContain('nickname');
  });

  test.sequential('a migration with a DO $$ ... $$ block applies', async () => {
    await project.addMigration(
      DO_MIGRATION,
      `DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'Mood') THEN
    CREATE TYPE "Mood" AS ENUM ('HAPPY', 'SAD');
  END IF;
END
$$;

ALTER TABLE "User" ADD COLUMN "mood" "Mood";
`,
    );
    const r = await runPrisma(project, ['migrate', 'deploy']);
    expect(r.exitCode, r.all).toBe(0);
    expect(r.stdout).toContain(DO_MIGRATION);
    expect(await pgColumns(db.url, 'User')).toContain('mood');
    expect(await pgQuery(db.url, `SELECT typname FROM pg_type WHERE typname = 'Mood'`)).toHaveLength(1);
  });

  test.sequential(
    'a failing migration: P3018 with the database error, nothing applied, recorded as failed',
    async () => {
      await project.addMigration(
        FAILING,
        'CREATE TABLE "Partial" ("id" INTEGER NOT NULL);\nINSERT INTO "DoesNotExist" ("id") VALUES (1);\n',
      );
      const r = await runPrisma(project, ['migrate', 'deploy']);
      expect(r.exitCode).not.toBe(0);
      expect(r.all).toContain('P3018');
      expect(r.all).toContain(`Migration name: ${FAILING}`);
      expect(r.all).toContain('Database error code: 42P01');
      expect(r.all).toContain('ERROR: relation "DoesNotExist" does not exist');
      // The file ran as one implicit transaction: its first statement is not applied either.
      expect(await pgTables(db.url)).not.toContain('Partial');
      const failed = (await prismaMigrations(db.url)).find((m) => m.migration_name === FAILING);
      expect(failed).toMatchObject({ finished: false, rolled_back: false, applied_steps_count: 0 });
      expect(failed?.logs).toContain('relation "DoesNotExist" does not exist');
    },
  );

  test.sequential(
    'migrate status reports the failed migration; migrate deploy refuses with P3009',
    async () => {
      const [status, deploy] = await Promise.all([
        runPrisma(project, ['migrate', 'status']),
        runPrisma(project, ['migrate', 'deploy']),
      ]);
      expect(status.exitCode).toBe(1);
      expect(status.all).toContain('Following migration have failed:');
      expect(status.all).toContain(FAILING);
      expect(deploy.exitCode).toBe(1);
      expect(deploy.all).toContain('P3009');
      expect(deploy.all).toContain(`The \`${FAILING}\` migration started at`);
    },
  );

  test.sequential('migrate resolve --rolled-back, then --applied (the hotfix path)', async () => {
    const rolledBack = await runPrisma(project, ['migrate', 'resolve', '--rolled-back', FAILING]);
    expect(rolledBack.exitCode, rolledBack.all).toBe(0);
    expect(rolledBack.stdout).toContain(`Migration ${FAILING} marked as rolled back.`);
    expect((await prismaMigrations(db.url)).filter((m) => m.migration_name === FAILING)).toMatchObject([
      { finished: false, rolled_back: true },
    ]);

    const applied = await runPrisma(project, ['migrate', 'resolve', '--applied', FAILING]);
    expect(applied.exitCode, applied.all).toBe(0);
    expect(applied.stdout).toContain(`Migration ${FAILING} marked as applied.`);
    expect((await prismaMigrations(db.url)).filter((m) => m.migration_name === FAILING)).toMatchObject([
      { finished: false, rolled_back: true },
      { finished: true, rolled_back: false },
    ]);

    const status = await runPrisma(project, ['migrate', 'status']);
    expect(status.exitCode, status.all).toBe(0);
  });

  test.sequential(
    'migrate resolve errors: P3008 (already applied), P3012 (not in a failed state)',
    async () => {
      const [p3008, p3012] = await Promise.all([
        runPrisma(project, ['migrate', 'resolve', '--applied', INIT_MIGRATION]),
        runPrisma(project, ['migrate', 'resolve', '--rolled-back', INIT_MIGRATION]),
      ]);
      expect(p3008.exitCode).toBe(1);
      expect(p3008.all).toContain('P3008');
      expect(p3008.all).toContain(
        `The migration \`${INIT_MIGRATION}\` is already recorded as applied in the database.`,
      );
      expect(p3012.exitCode).toBe(1);
      expect(p3012.all).toContain('P3012');
      expect(p3012.all).toContain(
        `Migration \`${INIT_MIGRATION}\` cannot be rolled back because it is not in a failed state.`,
      );
    },
  );
});

describe.concurrent('Prisma 7.10 + stand-in, SQLite', () => {
  let project: PrismaProject;
  let url: string; // absolute, for the test's own queries
  const PENDING = '20240102000000_tags';
  const FAILING = '20240103000000_fails';

  beforeAll(async () => {
    // Relative on purpose: Prisma 7 resolves it against prisma.config.ts's directory.
    project = await createPrismaProject({ provider: 'sqlite', databaseUrl: 'file:./dev.db' });
    url = sqliteUrl(project.dir, 'dev.db');
  });
  afterAll(async () => {
    await project?.cleanup();
  });

  test.sequential(
    'migrate deploy creates the database file next to prisma.config.ts and applies',
    async () => {
      // Run from elsewhere with --config: the file must still land in the config's directory.
      const r = await runPrisma(project, ['migrate', 'deploy', '--config', project.configPath], {
        cwd: os.tmpdir(),
      });
      expect(r.exitCode, r.all).toBe(0);
      expect(r.stdout).toContain('SQLite database dev.db created');
      expect(r.stdout).toContain('All migrations have been successfully applied.');
      expect(existsSync(path.join(project.dir, 'dev.db'))).toBe(true);
      expect(await sqliteTables(url)).toEqual(['Post', 'User', '_prisma_migrations']);
      expect(await prismaMigrations(url)).toMatchObject([{ migration_name: INIT_MIGRATION, finished: true }]);
    },
  );

  test.sequential(
    'migrate status 0, migrate diff --exit-code 0 (the shadow database gets every statement)',
    async () => {
      const [status, diff] = await Promise.all([
        runPrisma(project, ['migrate', 'status']),
        runPrisma(project, [...DIFF, '--exit-code']),
      ]);
      expect(status.exitCode, status.all).toBe(0);
      expect(status.stdout).toContain('Database schema is up to date!');
      expect(diff.exitCode, diff.all).toBe(0);
    },
  );

  test.sequential('db execute --stdin; drift: exit code 2 and --script prints the SQL', async () => {
    const exec = await runPrisma(project, ['db', 'execute', '--stdin'], {
      input: 'ALTER TABLE "User" ADD COLUMN "nickname" TEXT;',
    });
    expect(exec.exitCode, exec.all).toBe(0);
    expect(await sqliteColumns(url, 'User')).toContain('nickname');
    const diff = await runPrisma(project, [...DIFF, '--script', '--exit-code']);
    expect(diff.exitCode, diff.all).toBe(2);
    expect(diff.stdout).toContain('ALTER TABLE "User" ADD COLUMN "nickname" TEXT;');
  });

  test.sequential('migrate status exits 1 with a pending migration', async () => {
    await project.addMigration(PENDING, 'CREATE TABLE "Tag" ("id" INTEGER NOT NULL PRIMARY KEY);\n');
    const r = await runPrisma(project, ['migrate', 'status']);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain('Following migration have not yet been applied:');
    expect(r.stdout).toContain(PENDING);
  });

  test.sequential('a failing migration: P3018 with the SQLite error, recorded as failed', async () => {
    await project.addMigration(
      FAILING,
      'CREATE TABLE "Partial" ("id" INTEGER);\nINSERT INTO "DoesNotExist" VALUES (1);\n',
    );
    const r = await runPrisma(project, ['migrate', 'deploy']);
    expect(r.exitCode).not.toBe(0);
    expect(r.all).toContain('P3018');
    expect(r.all).toContain(`Migration name: ${FAILING}`);
    expect(r.all).toContain('no such table: DoesNotExist');
    expect(await sqliteTables(url)).toContain('Tag'); // the pending one before it applied
    const rows = await prismaMigrations(url);
    expect(rows.find((m) => m.migration_name === FAILING)).toMatchObject({
      finished: false,
      rolled_back: false,
    });

    const status = await runPrisma(project, ['migrate', 'status']);
    expect(status.exitCode).toBe(1);
    expect(status.all).toContain('Following migration have failed:');
  });

  test.sequential('migrate resolve --rolled-back / --applied, P3008', async () => {
    const rolledBack = await runPrisma(project, ['migrate', 'resolve', '--rolled-back', FAILING]);
    expect(rolledBack.exitCode, rolledBack.all).toBe(0);
    const applied = await runPrisma(project, ['migrate', 'resolve', '--applied', FAILING]);
    expect(applied.exitCode, applied.all).toBe(0);
    const p3008 = await runPrisma(project, ['migrate', 'resolve', '--applied', FAILING]);
    expect(p3008.exitCode).toBe(1);
    expect(p3008.all).toContain('P3008');
    expect((await prismaMigrations(url)).filter((m) => m.migration_name === FAILING)).toMatchObject([
      { finished: false, rolled_back: true },
      { finished: true, rolled_back: false },
    ]);
  });
});
