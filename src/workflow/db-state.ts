import path from 'node:path';
import type { Files, Ports } from './ports.js';
import type { MigrationRow } from '../core/migration-state.js';
import { infraError } from '../core/errors.js';
import type { HotfixConfig } from '../core/config.js';
import { resolveTarget, type Target } from '../core/target.js';
import { invalidIndexFindings, type InvalidIndexFact } from '../core/verify/invalid-index.js';

/** Migration folders in the order Prisma applies them (lexical by name). */
export async function migrationFolders(files: Files, migrationsDir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await files.list(migrationsDir)) {
    if (e.dir && (await files.kind(path.join(migrationsDir, e.name, 'migration.sql'))) === 'file')
      out.push(e.name);
  }
  return out.sort();
}

/**
 * `_prisma_migrations` as it is (undefined: no such table), over a read-only connection; a
 * failed read says which environment and which variable to check.
 */
export async function readMigrationRows(ports: Ports, target: Target): Promise<MigrationRow[] | undefined> {
  const reader = await ports.db.reader(target);
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

/**
 * Another environment's `_prisma_migrations`, where its URL variable is set; otherwise, or when
 * it cannot be read, why not (its first line), for a message that names it rather than assumes.
 */
export async function environmentRows(
  ports: Ports,
  config: HotfixConfig,
  env: string,
  vars: Record<string, string | undefined>,
  projectRoot: string,
): Promise<{ rows: MigrationRow[] } | { why: string }> {
  const conf = config.environments[env];
  if (!conf) return { why: 'not in hotfix.config.json' };
  if (!vars[conf.urlEnv]) return { why: `$${conf.urlEnv} is not set` };
  try {
    return { rows: (await readMigrationRows(ports, resolveTarget(conf, vars, projectRoot))) ?? [] };
  } catch (error) {
    return { why: error instanceof Error ? error.message.split('\n')[0]! : String(error) };
  }
}

export type InvalidIndex = InvalidIndexFact;

/**
 * Indexes PostgreSQL marks INVALID (`pg_index.indisvalid = false`): what a CREATE INDEX
 * CONCURRENTLY leaves when it fails or is stopped. Kept up to date on every write, never used
 * by a query, and a UNIQUE one does not stop duplicates. Other providers have none.
 */
export async function readInvalidIndexes(ports: Ports, target: Target): Promise<InvalidIndex[]> {
  if (target.provider !== 'postgresql') return [];
  const reader = await ports.db.reader(target);
  try {
    return await reader.query<InvalidIndex>(
      `SELECT n.nspname AS schema, c.relname AS name, t.relname AS "table", i.indisunique AS "unique"
         FROM pg_index i
         JOIN pg_class c ON c.oid = i.indexrelid
         JOIN pg_class t ON t.oid = i.indrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE NOT i.indisvalid AND n.nspname NOT IN ('pg_catalog', 'information_schema')
        ORDER BY 1, 2`,
    );
  } finally {
    await reader.close().catch(() => undefined);
  }
}

/** What a failed migration left INVALID among the indexes it creates, said for people. */
export async function invalidIndexesLeft(
  ports: Ports,
  target: Target,
  migrationsDir: string,
  migrations: readonly string[],
  hotfix: string,
): Promise<string[]> {
  if (target.provider !== 'postgresql') return [];
  const indexes = await readInvalidIndexes(ports, target).catch(() => []);
  if (indexes.length === 0) return [];
  const sqls = await Promise.all(
    migrations.map(async (name) => ({
      name,
      hotfix,
      sql: (await ports.files.read(path.join(migrationsDir, name, 'migration.sql')).catch(() => '')) ?? '',
    })),
  );
  return invalidIndexFindings(target.env.name, indexes, sqls)
    .filter((f) => f.migration !== null)
    .map((f) => f.message);
}
