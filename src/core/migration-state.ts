import type { RowState } from './intent.js';

/** One row of Prisma's `_prisma_migrations`, as the provider's driver returns it. */
export interface MigrationRow {
  id: string;
  migrationName: string;
  checksum: string;
  startedAt: string | null;
  finishedAt: string | null;
  rolledBackAt: string | null;
  appliedStepsCount: number;
  logs: string | null;
}

/** Prisma's own reading: finished = applied; neither finished nor rolled back = failed. */
export function rowState(row: MigrationRow | undefined): RowState {
  if (!row) return 'absent';
  if (row.rolledBackAt) return 'rolled-back';
  if (row.finishedAt) return 'applied';
  return 'failed';
}

/** An environment's migrations: `_prisma_migrations` read against the migrations folder. */
export interface DbMigrationState {
  rows: MigrationRow[];
  /** Rows Prisma considers failed (neither finished nor rolled back). */
  failed: MigrationRow[];
  /** Folders with no finished row: what migrate deploy would apply. */
  pending: string[];
  /** The latest row for a migration name (a rolled-back one can be followed by a new attempt). */
  latest(name: string): MigrationRow | undefined;
  /** rowState of the latest row of `name`. */
  stateOf(name: string): RowState;
}

/** `rows` oldest first (as read); `folders` the migration folders in apply order. */
export function migrationState(rows: readonly MigrationRow[], folders: readonly string[]): DbMigrationState {
  const applied = new Set(rows.filter((r) => rowState(r) === 'applied').map((r) => r.migrationName));
  const latest = (name: string) => rows.filter((r) => r.migrationName === name).at(-1);
  return {
    rows: [...rows],
    failed: rows.filter((r) => rowState(r) === 'failed'),
    pending: folders.filter((f) => !applied.has(f)),
    latest,
    stateOf: (name) => rowState(latest(name)),
  };
}

/** The state as it will be once `name`'s failed row is marked rolled back (a plan's next step). */
export function withRolledBack(db: DbMigrationState, name: string): DbMigrationState {
  const rows = db.rows.map((r) =>
    r.migrationName === name && rowState(r) === 'failed'
      ? { ...r, rolledBackAt: r.startedAt ?? 'planned' }
      : r,
  );
  // A failed row never counted as applied: what migrate deploy would apply stays the same.
  return { ...migrationState(rows, []), pending: db.pending };
}
