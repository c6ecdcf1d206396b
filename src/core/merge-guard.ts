import { objectKey, objectLabel, type DbObject } from './sql/objects.js';
import type { SqlStatement } from './sql/statement.js';

/**
 * The merge-back guard: what merging a hotfix into develop can break that git does not see.
 * 1. Develop's migrations older (by folder name, Prisma's order) than the hotfix but not applied
 *    where the hotfix went: the next `migrate deploy` there runs them after the hotfix.
 * 2. Develop's migrations that touch the same tables as the hotfix: both merge without a
 *    conflict, yet one may undo or contradict the other.
 */

export interface GuardMigration {
  name: string;
  statements: SqlStatement[];
}

export interface ReachedEnv {
  env: string;
  /** Migrations applied there, from `_prisma_migrations`; undefined: judged from the ledger. */
  applied: ReadonlySet<string> | undefined;
  /** Why the database was not read (no URL set, unreachable). */
  unread?: string | undefined;
}

export interface GuardFacts {
  hotfix: GuardMigration;
  develop: string;
  /** Migrations on develop that the hotfix branch does not have. */
  developOnly: GuardMigration[];
  /** Environments the hotfix reached (deployed, resolved, rolled forward). */
  reached: ReachedEnv[];
}

export interface GuardFinding {
  kind: 'out-of-order' | 'same-tables';
  migration: string;
  /** out-of-order: where it is not applied. */
  envs: string[];
  /** out-of-order: environments judged from the ledger (their database was not read). */
  judgedFromLedger: string[];
  /** same-tables: the tables both change, and what each does there. */
  tables: string[];
  hotfixDoes: string[];
  migrationDoes: string[];
  message: string;
  fix: string;
}

interface Touch {
  table: string;
  /** Identity of the table (case folded on SQLite). */
  key: string;
  what: string;
  column?: string | undefined;
}

/** What a migration does, table by table: catalog effects and the rows data changes write. */
export function touches(statements: readonly SqlStatement[]): Touch[] {
  const out: Touch[] = [];
  const tableOf = (o: DbObject): DbObject | undefined =>
    o.kind === 'table'
      ? o
      : o.table !== undefined
        ? { kind: 'table', schema: o.schema, name: o.table, caseless: o.caseless }
        : undefined;
  for (const s of statements) {
    for (const e of s.effects) {
      const table = tableOf(e.object);
      if (!table) continue;
      out.push({
        table: objectLabel(table).replace(/^table /, ''),
        key: objectKey(table),
        what: `${e.exists ? 'adds' : 'removes'} ${objectLabel(e.object)}`,
        column: e.object.kind === 'table' ? undefined : e.object.name,
      });
    }
    if (s.writes) {
      const verb = /\((\w+)\)/.exec(s.note ?? '')?.[1] ?? 'writes';
      out.push({
        table: objectLabel(s.writes).replace(/^table /, ''),
        key: objectKey(s.writes),
        what: `${verb} rows of ${objectLabel(s.writes)}`,
      });
    }
  }
  return out;
}

const unique = (items: string[]) => [...new Set(items)];

export function mergeGuard(f: GuardFacts): GuardFinding[] {
  const findings: GuardFinding[] = [];
  const mine = touches(f.hotfix.statements);
  const mineKeys = new Set(mine.map((t) => t.key));
  for (const m of [...f.developOnly].sort((a, b) => a.name.localeCompare(b.name))) {
    if (m.name < f.hotfix.name) {
      const missing = f.reached.filter((r) => !r.applied?.has(m.name));
      if (missing.length > 0) {
        const judged = missing.filter((r) => r.applied === undefined).map((r) => r.env);
        const envs = missing.map((r) => r.env);
        findings.push({
          kind: 'out-of-order',
          migration: m.name,
          envs,
          judgedFromLedger: judged,
          tables: [],
          hotfixDoes: [],
          migrationDoes: [],
          message: `${m.name} on ${f.develop} is older than ${f.hotfix.name} but not applied on ${envs.join(', ')}${judged.length > 0 ? ` (judged from the ledger and the branches: ${judged.join(', ')} not read)` : ''}: the next prisma migrate deploy there runs it after the hotfix, out of order.`,
          fix: `Read ${m.name} against the hotfix: it must still work on a database that already has ${f.hotfix.name}. While it is applied nowhere, you can instead rename its folder on ${f.develop} to a timestamp after ${f.hotfix.name.slice(0, 14)} so every environment runs it after the hotfix.`,
        });
      }
    }
    const theirs = touches(m.statements).filter((t) => mineKeys.has(t.key));
    if (theirs.length === 0) continue;
    const keys = new Set(theirs.map((t) => t.key));
    const ours = mine.filter((t) => keys.has(t.key));
    const tables = unique(theirs.map((t) => t.table));
    const sharedColumns = unique(
      ours
        .filter((o) => o.column && theirs.some((t) => t.key === o.key && t.column === o.column))
        .map((o) => `${o.table}.${o.column}`),
    );
    findings.push({
      kind: 'same-tables',
      migration: m.name,
      envs: [],
      judgedFromLedger: [],
      tables,
      hotfixDoes: unique(ours.map((t) => t.what)),
      migrationDoes: unique(theirs.map((t) => t.what)),
      message: `${m.name} on ${f.develop} changes ${tables.join(', ')}${sharedColumns.length > 0 ? ` (the same columns: ${sharedColumns.join(', ')})` : ''}, as the hotfix does: git merges them without a conflict, but one may undo or contradict the other.`,
      fix: `Compare them: the hotfix ${unique(ours.map((t) => t.what)).join('; ')}; ${m.name} ${unique(theirs.map((t) => t.what)).join('; ')}. Adjust ${m.name} on ${f.develop} before it ships if it re-creates what the hotfix removed or relies on rows or objects the hotfix changed.`,
    });
  }
  return findings;
}
