import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { MigrationFolder } from '../core/verify/folders.js';
import { readIfExists } from '../adapters/fs-safe.js';

// The project's files as checks read them: read-only, missing files are facts, not errors.

/** Every migration folder (dot-folders aside), by name, with its migration.sql if it has one. */
export async function readMigrationFolders(migrationsDir: string): Promise<MigrationFolder[]> {
  const entries = await fs.readdir(migrationsDir, { withFileTypes: true });
  const dirs = entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name);
  return Promise.all(
    dirs.sort().map(async (name) => ({
      name,
      sql: await readIfExists(path.join(migrationsDir, name, 'migration.sql')),
    })),
  );
}

/** The Prisma schema's text: one file, or every .prisma file of a schema folder (sorted). */
export async function readSchemaTexts(schemaPath: string): Promise<string[]> {
  const stat = await fs.stat(schemaPath).catch(() => undefined);
  if (!stat) return [];
  if (stat.isFile()) return [await fs.readFile(schemaPath, 'utf8')];
  const files = (await fs.readdir(schemaPath, { recursive: true }))
    .map(String)
    .filter((f) => f.endsWith('.prisma'))
    .sort();
  return Promise.all(files.map((f) => fs.readFile(path.join(schemaPath, f), 'utf8')));
}
