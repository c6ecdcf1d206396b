import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { openDbReader, rowState, type MigrationRow } from '../adapters/db-reader.js';
import { infraError } from '../core/errors.js';
import type { Target } from '../core/target.js';

/** Migration folders in the order Prisma applies them (lexical by name). */
export async function migrationFolders(migrationsDir: string): Promise<string[]> {
  const entries = await fs.readdir(migrationsDir, { withFileTypes: true });
  return entries
    .filter((e) => e.isDirectory() && existsSync(path.join(migrationsDir, e.name, 'migration.sql')))
    .map((e) => e.name)
    .sort();
}

export interface DbMigrationState {
  rows: MigrationRow[];
  /** Rows Prisma considers failed (neither finished nor rolled back). */
  failed: MigrationRow[];
  /** Folders with no finished row: what migrate deploy would apply. */
  pending: string[];
  /** The latest row for a migration name (a rolled-back one can be followed by a new attempt). */
  latest(name: string): MigrationRow | undefined;
}

/** Reads _prisma_migrations over a read-only connection and compares it with the folder. */
export async function readDbState(target: Target, migrationsDir: string): Promise<DbMigrationState> {
  const reader = await openDbReader(target);
  let rows: MigrationRow[];
  try {
    rows = (await reader.migrations()) ?? [];
  } finally {
    await reader.close();
  }
  const folders = await migrationFolders(migrationsDir);
  const applied = new Set(rows.filter((r) => rowState(r) === 'applied').map((r) => r.migrationName));
  const latest = (name: string) => rows.filter((r) => r.migrationName === name).at(-1);
  return {
    rows,
    failed: rows.filter((r) => rowState(r) === 'failed'),
    pending: folders.filter((f) => !applied.has(f)),
    latest,
  };
}

/**
 * `_prisma_migrations` as it is (undefined: no such table), over a read-only connection; a
 * failed read says which environment and which variable to check.
 */
export async function readMigrationRows(target: Target): Promise<MigrationRow[] | undefined> {
  const reader = await openDbReader(target);
  try {
    return await reader.migrations();
  } catch (cause) {
    throw infraError(
      'DB_READ_FAILED',
      `Could not read _prisma_migrations on ${target.env.name} (${target.describe}): ${cause instanceof Error ? cause.message : String(cause)}`,
      { hint: `Check that the user of $${target.env.urlEnv} may read _prisma_migrations.`, cause },
    );
  } finally {
    await reader.close().catch(() => undefined);
  }
}
