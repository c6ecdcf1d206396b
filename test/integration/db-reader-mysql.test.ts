// Reading _prisma_migrations on MySQL/MariaDB with mysql2, on the real server of these machines
// (127.0.0.1:3306, root without password; override with TEST_MYSQL_URL). Prisma's CLI cannot run
// MySQL migrations here (the schema-engine stand-in has no MySQL adapter), so the table is made
// with Prisma's own DDL and rows in each state.
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDbReader } from '../../src/adapters/db-reader.js';
import { rowState } from '../../src/core/migration-state.js';
import { resolveTarget } from '../../src/core/target.js';
import { failure } from '../support/failure.js';

const SERVER = process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/';
const DB = `hotfix_reader_${randomBytes(4).toString('hex')}`;
const env = {
  name: 'production',
  urlEnv: 'DATABASE_URL',
  protected: true,
  prismaConfig: undefined,
  prismaUrlEnv: 'DATABASE_URL',
};
const targetFor = (url: string) => resolveTarget(env, { DATABASE_URL: url }, process.cwd());
const dbUrl = () => new URL(DB, SERVER).toString();

describe('db reader on MySQL/MariaDB', () => {
  beforeAll(async () => {
    const admin = await mysql.createConnection({ uri: SERVER, multipleStatements: true });
    try {
      await admin.query(`CREATE DATABASE ${DB}; USE ${DB};
        CREATE TABLE _prisma_migrations (
          id VARCHAR(36) PRIMARY KEY NOT NULL,
          checksum VARCHAR(64) NOT NULL,
          finished_at DATETIME(3),
          migration_name VARCHAR(255) NOT NULL,
          logs TEXT,
          rolled_back_at DATETIME(3),
          started_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
          applied_steps_count INTEGER UNSIGNED NOT NULL DEFAULT 0
        ) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
        INSERT INTO _prisma_migrations VALUES
          ('a', '${'a'.repeat(64)}', '2026-01-01 00:00:01.000', '20260101000000_init', NULL, NULL, '2026-01-01 00:00:00.000', 1),
          ('b', '${'b'.repeat(64)}', NULL, '20260102000000_fix', 'Duplicate key name', NULL, '2026-01-02 00:00:00.000', 0),
          ('c', '${'c'.repeat(64)}', NULL, '20260103000000_old', NULL, '2026-01-03 00:00:05.000', '2026-01-03 00:00:00.000', 0);`);
    } finally {
      await admin.end();
    }
  });
  afterAll(async () => {
    const admin = await mysql.createConnection({ uri: SERVER });
    await admin.query(`DROP DATABASE IF EXISTS ${DB}`);
    await admin.end();
  });

  it('reads every row with its state, and refuses to write', async () => {
    const reader = await openDbReader(targetFor(dbUrl()));
    try {
      const rows = (await reader.migrations())!;
      expect(rows.map((r) => [r.migrationName, rowState(r), r.appliedStepsCount])).toEqual([
        ['20260101000000_init', 'applied', 1],
        ['20260102000000_fix', 'failed', 0],
        ['20260103000000_old', 'rolled-back', 0],
      ]);
      expect(rows[0]!.finishedAt).toBe('2026-01-01T00:00:01.000Z');
      expect(rows[1]!.logs).toBe('Duplicate key name');
      await expect(reader.query(`DELETE FROM _prisma_migrations`)).rejects.toThrow(/READ ONLY/i);
    } finally {
      await reader.close();
    }
  });

  it('a database Migrate never touched has no table; an unreachable server is exit 4 without the password', async () => {
    const admin = await mysql.createConnection({ uri: SERVER });
    await admin.query(`CREATE DATABASE ${DB}_empty`);
    await admin.end();
    try {
      const reader = await openDbReader(targetFor(new URL(`${DB}_empty`, SERVER).toString()));
      expect(await reader.migrations()).toBeUndefined();
      await reader.close();
    } finally {
      const again = await mysql.createConnection({ uri: SERVER });
      await again.query(`DROP DATABASE IF EXISTS ${DB}_empty`);
      await again.end();
    }
    const error = await failure(openDbReader(targetFor('mysql://root:pw-canary-7@127.0.0.1:1/shop')));
    expect(error.code).toBe('DB_UNREACHABLE');
    expect(error.exitCode).toBe(4);
    expect(error.message).toContain('127.0.0.1:1/shop');
    expect(error.message).not.toContain('pw-canary-7');
  });
});
