// SLOW end-to-end test (about a minute here; status and --script are covered at small sizes in
// prisma7.test.ts, so only what size could break runs here): a generated history of 2,000 migrations (the
// scale history of bench/run.mjs: 400 tables, 400 CHECK constraints) applied and diffed with the
// real Prisma 7.10 CLI through the schema-engine stand-in, against a real PostgreSQL database.
// Issue 23: `migrate diff` failed at 500 and 2,000 migrations ("reading 'set_message'") or
// exited 0 without output; the cause was the first CHECK constraint, not the size (see
// support/schema-engine/README.md). The time limits are loose (measured: deploy ~11 s, diff
// ~5 s on 2 cores); they catch a stand-in that became quadratic, not a slow machine.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { createPgDatabase, pgQuery, type PgDatabase } from '../support/db.js';
import { generatedHistory, writeHistory } from '../support/history.js';
import {
  createPrismaProject,
  runPrisma,
  type PrismaProject,
  type RunPrismaOptions,
} from '../support/prisma-project.js';

const SIZE = 2_000;
const DIFF = ['migrate', 'diff', '--from-migrations', 'prisma/migrations', '--to-config-datasource'];
const SLOW: RunPrismaOptions = { timeoutMs: 300_000 };
const TEST_TIMEOUT = 600_000;

describe(`Prisma 7.10 + stand-in: ${SIZE.toLocaleString('en')} generated migrations on PostgreSQL (slow)`, () => {
  let db: PgDatabase;
  let project: PrismaProject;
  const history = generatedHistory(SIZE);
  const lastTable = `t${SIZE / 5 - 1}`;

  beforeAll(async () => {
    db = await createPgDatabase('standin_scale_2000');
    project = await createPrismaProject({ provider: 'postgresql', databaseUrl: db.url });
    await writeHistory(project.migrationsDir, history);
  });
  afterAll(async () => {
    await project?.cleanup();
    await db?.drop();
  });

  test.sequential(
    'migrate deploy applies all of them',
    async () => {
      const r = await runPrisma(project, ['migrate', 'deploy'], SLOW);
      expect(r.exitCode, r.all).toBe(0);
      expect(r.stdout).toContain(`${SIZE + 1} migrations found in prisma/migrations`);
      expect(r.stdout).toContain('All migrations have been successfully applied.');
      expect(r.durationMs, `migrate deploy took ${r.durationMs} ms`).toBeLessThan(180_000);

      const [applied] = await pgQuery<{ finished: string; last: string }>(
        db.url,
        'SELECT count(*) FILTER (WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL) AS finished, ' +
          'max(migration_name) AS last FROM _prisma_migrations',
      );
      expect(applied).toEqual({ finished: String(SIZE + 1), last: history.at(-1)?.name });
      const [checks] = await pgQuery<{ n: string }>(
        db.url,
        "SELECT count(*) AS n FROM pg_constraint WHERE contype = 'c' AND connamespace = 'public'::regnamespace",
      );
      expect(checks?.n).toBe(String(SIZE / 5));
    },
    TEST_TIMEOUT,
  );

  test.sequential(
    'migrate diff --exit-code: 0 and "No difference detected."',
    async () => {
      const check = await runPrisma(project, [...DIFF, '--exit-code'], SLOW);
      expect(check.exitCode, check.all).toBe(0);
      expect(check.stdout).toContain('No difference detected.');
      expect(check.durationMs, `migrate diff took ${check.durationMs} ms`).toBeLessThan(120_000);
    },
    TEST_TIMEOUT,
  );

  test.sequential(
    'a drifted database: exit code 2 naming the drift',
    async () => {
      await pgQuery(db.url, `ALTER TABLE "${lastTable}" ADD COLUMN "drift" INTEGER`);
      const check = await runPrisma(project, [...DIFF, '--exit-code'], SLOW);
      expect(check.exitCode, check.all).toBe(2);
      expect(check.stdout).toContain(`Changed the \`${lastTable}\` table`);
      expect(check.stdout).toContain('Added column `drift`');
    },
    TEST_TIMEOUT,
  );
});
