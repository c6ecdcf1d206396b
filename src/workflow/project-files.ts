import path from 'node:path';
import type { MigrationFolder } from '../core/verify/folders.js';
import type { Files } from './ports.js';

// The project's files as checks read them: read-only, missing files are facts, not errors.

/** Every migration folder (dot-folders aside), by name, with its migration.sql if it has one. */
export async function readMigrationFolders(files: Files, migrationsDir: string): Promise<MigrationFolder[]> {
  const dirs = (await files.list(migrationsDir))
    .filter((e) => e.dir && !e.name.startsWith('.'))
    .map((e) => e.name);
  return Promise.all(
    dirs.sort().map(async (name) => ({
      name,
      sql: await files.read(path.join(migrationsDir, name, 'migration.sql')),
    })),
  );
}

/** The Prisma schema's text: one file, or every .prisma file of a schema folder (sorted). */
export async function readSchemaTexts(files: Files, schemaPath: string): Promise<string[]> {
  const kind = await files.kind(schemaPath);
  if (kind === undefined) return [];
  if (kind === 'file') return [(await files.read(schemaPath)) ?? ''];
  const found: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const e of await files.list(dir)) {
      const p = path.join(dir, e.name);
      if (e.dir) await walk(p);
      else if (e.name.endsWith('.prisma')) found.push(p);
    }
  };
  await walk(schemaPath);
  return Promise.all(found.sort().map(async (f) => (await files.read(f)) ?? ''));
}

/**
 * A scratch copy of some migration folders (their migration.sql) and migration_lock.toml, for a
 * `prisma migrate diff` of exactly that history. The caller removes it.
 */
export async function scratchHistory(
  files: Files,
  migrationsDir: string,
  names: Iterable<string>,
  prefix: string,
): Promise<string> {
  const scratch = await files.tempDir(prefix);
  for (const name of names) {
    const sql = await files.read(path.join(migrationsDir, name, 'migration.sql'));
    if (sql === undefined) continue;
    await files.mkdir(path.join(scratch, name), { recursive: true });
    await files.write(path.join(scratch, name, 'migration.sql'), sql);
  }
  const lock = await files.read(path.join(migrationsDir, 'migration_lock.toml'));
  if (lock !== undefined) await files.write(path.join(scratch, 'migration_lock.toml'), lock);
  return scratch;
}
