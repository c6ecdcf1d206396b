import path from 'node:path';
import type { Step } from '../core/plan/types.js';
import { migrationTimestamp } from '../core/names.js';
import { relativeTo } from '../core/text.js';
import { withTask } from './deps.js';
import type { Session } from './session.js';

export interface BackupTaken {
  /** The backup folder, relative to the project root (ignored by git). */
  dir: string;
  items: { table: string; column: string | null; rows: number; file: string }[];
  /** The command that puts it back. */
  restore: string;
}

/**
 * --backup: saves what the next step drops or rewrites before it runs, records where, and says
 * how to put it back: restore.sql through the project's own prisma (PostgreSQL), or the copy of
 * the database file (SQLite).
 */
export async function backupStep(s: Session, step: Extract<Step, { kind: 'backup' }>): Promise<BackupTaken> {
  const env = s.target.env.name;
  const dir = path.join(
    s.projectRoot,
    '.hotfix',
    'backups',
    s.input.name,
    `${env}-${migrationTimestamp(s.deps.now())}`,
  );
  // Shown while it runs (a spinner at a terminal): a large table takes a while to save.
  const what = step.items.map((i) => `"${i.table}"`).join(', ');
  const saved = await withTask(s.deps, `backing up ${what} on ${env}`, () =>
    s.ports.db.backup(s.target, step.items, dir),
  );
  s.deps.progress?.(
    `Backed up ${saved.items.map((i) => `${i.rows} row(s) of "${i.table}"`).join(', ')} to ${relativeTo(s.projectRoot, dir)}`,
  );
  const rel = (p: string) => relativeTo(s.projectRoot, p);
  let restore: string;
  if (s.target.provider === 'sqlite') {
    restore = `cp ${rel(saved.restoreFile)} ${s.target.sqliteFile!}`;
  } else {
    const prisma = await s.prisma();
    const target =
      prisma.major === 7
        ? s.target.env.prismaConfig
          ? ` --config ${s.target.env.prismaConfig}`
          : ''
        : ` --schema ${s.config.schema}`;
    restore = `${s.target.env.prismaUrlEnv}="$${s.target.env.urlEnv}" npx prisma db execute --file ${rel(saved.restoreFile)}${target}`;
  }
  const taken = { dir: rel(dir), items: saved.items, restore };
  await s.rec.append([{ type: 'backed-up', outcome: 'ok', migration: s.migration, details: { ...taken } }]);
  return taken;
}
