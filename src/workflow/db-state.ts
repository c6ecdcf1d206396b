import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { openDbReader } from '../adapters/db-reader.js';
import type { MigrationRow } from '../core/migration-state.js';
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
