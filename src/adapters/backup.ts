import { chmod, copyFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { restoreSql, type BackupItem } from '../core/backup.js';
import { infraError, isHotfixError, usageError } from '../core/errors.js';
import type { Target } from '../core/target.js';
import { openDbReader, type DbReader } from './db-reader.js';

export interface SavedItem {
  statement: number;
  table: string;
  column: string | null;
  rows: number;
  /** The saved values (JSON), relative to the backup folder. */
  file: string;
}

/** A backup folder: what it holds, and restore.sql (PostgreSQL) or the copied file (SQLite). */
export interface Saved {
  dir: string;
  items: SavedItem[];
  /** restore.sql, or the copy of the SQLite file. */
  restoreFile: string;
}

/**
 * A backup holds production data: only its owner may read it (folders 0700, files 0600, also
 * folders an older version made 0755), and the folder ignores itself, so no `git add -A`
 * commits it.
 */
async function prepare(dir: string): Promise<void> {
  const root = path.dirname(path.dirname(dir)); // .hotfix/backups
  await mkdir(dir, { recursive: true, mode: PRIVATE_DIR });
  for (const d of [root, path.dirname(dir), dir]) await chmod(d, PRIVATE_DIR);
  await writePrivate(path.join(root, '.gitignore'), '# Production data: never committed.\n*\n');
}

const PRIVATE_DIR = 0o700;
const PRIVATE_FILE = 0o600;

/** Written 0600 from the first byte (and made so if it existed). */
async function writePrivate(file: string, text: string): Promise<void> {
  await writeFile(file, text, { mode: PRIVATE_FILE });
  await chmod(file, PRIVATE_FILE);
}

/**
 * Saves what the SQL about to run takes away, read-only, in a folder of its own, with the SQL
 * that puts it back. On SQLite the whole database file is copied (nothing else writes to it
 * while the migration waits for its turn).
 */
export async function takeBackup(target: Target, items: readonly BackupItem[], dir: string): Promise<Saved> {
  await prepare(dir);
  if (target.provider === 'sqlite') {
    const copy = path.join(dir, path.basename(target.sqliteFile!));
    await copyFile(target.sqliteFile!, copy);
    await chmod(copy, PRIVATE_FILE);
    return { dir, items: [], restoreFile: copy };
  }
  if (target.provider !== 'postgresql') {
    throw usageError(
      'BACKUP_UNSUPPORTED',
      `--backup supports PostgreSQL and SQLite; ${target.env.name} is MySQL.`,
      {
        hint: 'Back up the affected tables with mysqldump before deploying, then run without --backup.',
      },
    );
  }
  const reader = await openDbReader(target);
  const saved: SavedItem[] = [];
  let restore = `-- Restores what the hotfix took away on ${target.env.name}; run it once the change is undone.\n`;
  try {
    for (const [k, item] of items.entries()) {
      const table = `${item.schema ? `"${item.schema}".` : ''}"${item.table}"`;
      const key = await primaryKey(reader, table);
      if (item.needsKey && key.length === 0) {
        throw usageError(
          'BACKUP_NO_KEY',
          `${table} has no primary key: the values statement ${item.statement} overwrites cannot be matched back to their rows.`,
          {
            hint: 'Back the table up by hand (pg_dump -t), then run without --backup.',
          },
        );
      }
      const select =
        item.kind === 'column'
          ? `SELECT ${key.map((c) => `"${c}"`).join(', ')}, "${item.column ?? ''}" FROM ${table}`
          : item.select;
      const rows = await reader.query<{ json: string; n: number }>(
        `SELECT coalesce(json_agg(b), '[]'::json)::text AS json, count(*)::int AS n FROM (${select}) b`,
      );
      const json = rows[0]?.json ?? '[]';
      const file = `${k + 1}-${item.table}${item.column ? `-${item.column}` : ''}.json`;
      await writePrivate(path.join(dir, file), json);
      const columns = await reader.query<{ name: string }>(
        `SELECT attname AS name FROM pg_attribute WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
        [table],
      );
      restore += `\n-- ${item.what}: ${rows[0]?.n ?? 0} row(s), statement ${item.statement}\n${restoreSql(
        item,
        key,
        json,
        columns.map((c) => c.name),
      )}`;
      saved.push({
        statement: item.statement,
        table: item.table,
        column: item.column ?? null,
        rows: rows[0]?.n ?? 0,
        file,
      });
    }
  } catch (cause) {
    if (isHotfixError(cause)) throw cause;
    throw infraError(
      'BACKUP_FAILED',
      `The backup on ${target.env.name} failed: ${(cause as Error).message}. Nothing was run.`,
      {
        hint: 'Fix the cause and run again; or run without --backup after backing up by hand.',
        cause,
      },
    );
  } finally {
    await reader.close();
  }
  const restoreFile = path.join(dir, 'restore.sql');
  await writePrivate(restoreFile, restore);
  return { dir, items: saved, restoreFile };
}

async function primaryKey(reader: DbReader, table: string): Promise<string[]> {
  const rows = await reader.query<{ name: string }>(
    `SELECT a.attname AS name FROM pg_index i
       JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, pos) ON true
       JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
      WHERE i.indrelid = to_regclass($1) AND i.indisprimary ORDER BY k.pos`,
    [table],
  );
  return rows.map((r) => r.name);
}
