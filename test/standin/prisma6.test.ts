// The real Prisma 6.19.3 CLI with its JS (Wasm) schema engine and a driver adapter configured in
// prisma.config.ts (`experimental.adapter`, `engine: 'js'`): no native engine, no stand-in,
// except where noted. Pins down what works with the Prisma 6 argv, and the limitations measured.
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import {
  createPgDatabase,
  pgColumns,
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

const SCHEMA = ['--schema', 'prisma/schema.prisma'];
const FAILING_SQL = 'CREATE TABLE "Partial" ("id" INTEGER);\nINSERT INTO "DoesNotExist" VALUES (1);\n';

describe.concurrent('Prisma 6.19 JS engine, PostgreSQL (adapter-pg)', () => {
  let db: PgDatabase;
  let project: PrismaProject;
  const FAILING = '20240103000000_fails';
  const HOTFIXED = '20240104000000_hotfixed';

  beforeAll(async () => {
    db = await createPgDatabase('standin_p6');
    project = await createPrismaProject({ provider: 'postgresql', prismaMajor: 6, databaseUrl: db.url });
  });
  afterAll(async () => {
    await project?.cleanup();
    await db?.drop();
  });

  test.sequential('migrate status exits 1 while a migration is pending', async () => {
    const r = await runPrisma(project, ['migrate', 'status']);
    expect(r.exitCode).toBe(1);
    expect(r.all).toContain('using driver adapter "@prisma/adapter-pg"');
    expect(r.stdout).toContain('Following migration have not yet been applied:');
  });

  test.sequential(
    'migrate deploy applies (--url / --to-schema-datasource are refused with an adapter)',
    async () => {
      // deploy is slow (~11 s): the Wasm engine's 10 s advisory-lock timeout timer keeps the CLI
      // alive. The refusals happen before any connection, so they run meanwhile.
      const [deploy, exec, diff] = await Promise.all([
        runPrisma(project, ['migrate', 'deploy']),
        runPrisma(project, ['db', 'execute', '--url', db.url, '--stdin'], { input: 'SELECT 1;' }),
        runPrisma(project, [
          'migrate',
          'diff',
          '--from-migrations',
          'prisma/migrations',
          '--to-schema-datasource',
          'prisma/schema.prisma',
          '--exit-code',
        ]),
      ]);
      expect(deploy.exitCode, deploy.all).toBe(0);
      expect(deploy.stdout).toContain('All migrations have been successfully applied.');
      expect(await pgTables(db.url)).toEqual(['Post', 'User', '_prisma_migrations']);
      expect(await prismaMigrations(db.url)).toMatchObject([
        { migration_name: INIT_MIGRATION, finished: true },
      ]);

      expect(exec.exitCode).toBe(1);
      expect(exec.all).toContain('Passing the --url flag to the prisma db execute command is not supported');
      expect(diff.exitCode).toBe(1);
      expect(diff.all).toContain(
        'Passing the --to-schema-datasource flag to the prisma migrate diff command is not supported',
      );
    },
  );

  test.sequential('migrate status exits 0; db execute --schema ... --stdin / --file', async () => {
    const [status, add] = await Promise.all([
      runPrisma(project, ['migrate', 'status']),
      runPrisma(project, ['db', 'execute', ...SCHEMA, '--stdin'], {
        input: 'ALTER TABLE "User" ADD COLUMN "nickname" TEXT;',
      }),
    ]);
    expect(status.exitCode, status.all).toBe(0);
    expect(status.stdout).toContain('Database schema is up to date!');
    expect(add.exitCode, add.all).toBe(0);
    expect(add.stdout).toContain('Script executed successfully.');
    expect(await pgColumns(db.url, 'User')).toContain('nickname');

    const file = path.join(project.dir, 'drop.sql');
    await writeFile(file, 'ALTER TABLE "User" DROP COLUMN "nickname";\n');
    const drop = await runPrisma(project, ['db', 'execute', ...SCHEMA, '--file', file]);
    expect(drop.exitCode, drop.all).toBe(0);
    expect(await pgColumns(db.url, 'User')).not.toContain('nickname');
  });

  test.sequential('a failing migration: deploy fails and records it (no P3018, not atomic)', async () => {
    await project.addMigration(FAILING, FAILING_SQL);
    const r = await runPrisma(project, ['migrate', 'deploy']);
    expect(r.exitCode).toBe(1);
    // The JS engine reports "external connector error" plus adapter-pg's mapping of the error.
    expect(r.all).toContain('external connector error');
    expect(r.all).toContain('DoesNotExist');
    expect(r.all).not.toContain('P3018');
    // adapter-pg runs the file statement by statement: the first one stays applied.
    expect(await pgTables(db.url)).toContain('Partial');
    const failed = (await prismaMigrations(db.url)).find((m) => m.migration_name === FAILING);
    expect(failed).toMatchObject({ finished: false, rolled_back: false });

    // 6.19.3 checks the connection through the native binary before --rolled-back: without
    // a schema-engine binary it fails (it does so before touching the database).
    const [status, again, rolledBack] = await Promise.all([
      runPrisma(project, ['migrate', 'status']),
      runPrisma(project, ['migrate', 'deploy']),
      runPrisma(project, ['migrate', 'resolve', '--rolled-back', FAILING]),
    ]);
    expect(status.exitCode).toBe(1);
    expect(status.all).toContain('Following migration have failed:');
    expect(again.exitCode).toBe(1);
    expect(again.all).toContain('P3009');
    expect(rolledBack.exitCode).toBe(1);
    expect(rolledBack.all).toContain('Could not find schema-engine binary');
  });

  test.sequential(
    'migrate resolve --rolled-back (stand-in for its connection check) and --applied; P3012',
    async () => {
      // --applied on a migration fixed by hand (never run by Prisma): the hotfix path. Both
      // successful resolves take ~11 s (the engine's lock timer), so they run side by side.
      await project.addMigration(HOTFIXED, 'CREATE TABLE "Hotfixed" ("id" INTEGER);\n');
      const [rolledBack, applied, p3012] = await Promise.all([
        runPrisma(project, ['migrate', 'resolve', '--rolled-back', FAILING], { standIn: true }),
        runPrisma(project, ['migrate', 'resolve', '--applied', HOTFIXED]),
        runPrisma(project, ['migrate', 'resolve', '--rolled-back', INIT_MIGRATION], { standIn: true }),
      ]);
      expect(rolledBack.exitCode, rolledBack.all).toBe(0);
      expect(rolledBack.stdout).toContain(`Migration ${FAILING} marked as rolled back.`);
      expect(applied.exitCode, applied.all).toBe(0);
      expect(applied.stdout).toContain(`Migration ${HOTFIXED} marked as applied.`);
      expect(p3012.exitCode).toBe(1);
      expect(p3012.all).toContain('P3012');

      const rows = await prismaMigrations(db.url);
      expect(rows.find((m) => m.migration_name === FAILING)).toMatchObject({
        finished: false,
        rolled_back: true,
      });
      expect(rows.find((m) => m.migration_name === HOTFIXED)).toMatchObject({
        finished: true,
        rolled_back: false,
        applied_steps_count: 0,
      });
      expect(await pgTables(db.url)).not.toContain('Hotfixed'); // recorded, not run
    },
  );

  test.sequential('migrate resolve --applied on an applied migration: P3008', async () => {
    const p3008 = await runPrisma(project, ['migrate', 'resolve', '--applied', HOTFIXED]);
    expect(p3008.exitCode).toBe(1);
    expect(p3008.all).toContain('P3008');
    expect(p3008.all).toContain(
      `The migration \`${HOTFIXED}\` is already recorded as applied in the database.`,
    );
  });
});

describe.concurrent('Prisma 6.19 JS engine, SQLite (adapter-libsql 6.19)', () => {
  let project: PrismaProject;
  let url: string;
  const PENDING = '20240102000000_tags';
  const FAILING = '20240103000000_fails';

  beforeAll(async () => {
    // Relative: the generated prisma.config.ts resolves it against the schema's directory,
    // like Prisma 6 does.
    project = await createPrismaProject({ provider: 'sqlite', prismaMajor: 6, databaseUrl: 'file:./dev.db' });
    url = sqliteUrl(path.join(project.dir, 'prisma'), 'dev.db');
  });
  afterAll(async () => {
    await project?.cleanup();
  });

  test.sequential('limitation: migrate status fails until _prisma_migrations exists', async () => {
    const r = await runPrisma(project, ['migrate', 'status']);
    expect(r.exitCode).toBe(1);
    expect(r.all).toContain('no such table: _prisma_migrations');
  });

  test.sequential('migrate deploy applies; migrate status exits 0', async () => {
    const deploy = await runPrisma(project, ['migrate', 'deploy']);
    expect(deploy.exitCode, deploy.all).toBe(0);
    expect(existsSync(path.join(project.dir, 'prisma', 'dev.db'))).toBe(true);
    expect(await sqliteTables(url)).toEqual(['Post', 'User', '_prisma_migrations']);
    const status = await runPrisma(project, ['migrate', 'status']);
    expect(status.exitCode, status.all).toBe(0);
  });

  test.sequential(
    'limitation: migrate diff --from-migrations sees only the first statement of each file',
    async () => {
      // No drift, yet the shadow database (`:memory:` through libsql) misses Post and the index.
      const r = await runPrisma(project, [
        'migrate',
        'diff',
        '--from-migrations',
        'prisma/migrations',
        '--to-schema-datamodel',
        'prisma/schema.prisma',
        '--exit-code',
      ]);
      expect(r.exitCode).toBe(2);
      expect(r.stdout).toContain('[+] Added tables');
    },
  );

  test.sequential('db execute --schema ... --stdin', async () => {
    const r = await runPrisma(project, ['db', 'execute', ...SCHEMA, '--stdin'], {
      input: 'ALTER TABLE "User" ADD COLUMN "nickname" TEXT;',
    });
    expect(r.exitCode, r.all).toBe(0);
    expect(await sqliteColumns(url, 'User')).toContain('nickname');
  });

  test.sequential('migrate status exits 1 with a pending migration', async () => {
    await project.addMigration(PENDING, 'CREATE TABLE "Tag" ("id" INTEGER NOT NULL PRIMARY KEY);\n');
    const r = await runPrisma(project, ['migrate', 'status']);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain(PENDING);
  });

  test.sequential(
    'a failing migration: deploy fails with the SQLite error (no P3018) and records it',
    async () => {
      await project.addMigration(FAILING, FAILING_SQL);
      const r = await runPrisma(project, ['migrate', 'deploy']);
      expect(r.exitCode).toBe(1);
      expect(r.all).toContain('no such table: DoesNotExist');
      expect(r.all).not.toContain('P3018');
      expect(await sqliteTables(url)).toContain('Tag');
      expect((await prismaMigrations(url)).find((m) => m.migration_name === FAILING)).toMatchObject({
        finished: false,
        rolled_back: false,
      });
      const status = await runPrisma(project, ['migrate', 'status']);
      expect(status.exitCode).toBe(1);
      expect(status.all).toContain('Following migration have failed:');
    },
  );

  test.sequential('migrate resolve --rolled-back (with the stand-in) and --applied, P3008', async () => {
    const rolledBack = await runPrisma(project, ['migrate', 'resolve', '--rolled-back', FAILING], {
      standIn: true,
    });
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
