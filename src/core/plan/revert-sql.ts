import { objectsOf } from '../sql/analyze.js';
import { objectKey, objectLabel, type DbObject } from '../sql/objects.js';
import type { Effect, SqlStatement } from '../sql/statement.js';

/**
 * Reverting a migration from its down.sql, planned against the catalog as it stands: which
 * parts of the migration are in the database, which down statements to run, what would fail
 * and what would be left.
 */

export interface MigrationPart {
  object: DbObject;
  label: string;
  /** What the migration does to it (its first statement that touches it). */
  change: 'adds' | 'removes';
  statement: number;
  /** Its state before the migration, read from what the migration does to it first. */
  before: boolean;
  /** Its state in the database now. */
  now: boolean;
  /** The migration's change is in the database (now differs from before). */
  present: boolean;
}

export interface Unchecked {
  statement: number;
  sql: string;
  why: string;
}

export interface DownStep {
  statement: SqlStatement;
  run: boolean;
  why: string;
}

export interface RevertPlan {
  parts: MigrationPart[];
  /** Migration statements whose effect the catalog cannot show. */
  unchecked: Unchecked[];
  steps: DownStep[];
  /** down statements that cannot be matched to the database (mode 'needed' only). */
  unmatched: SqlStatement[];
  /** down statements that would fail as the database stands. */
  conflicts: { statement: SqlStatement; why: string }[];
  /** Parts of the migration still in the database once the planned steps ran. */
  leftovers: MigrationPart[];
}

export type Existing = (object: DbObject) => boolean;

/**
 * The migration's parts and their state. An object the migration leaves as it found it (the
 * SQLite "redefine table" dance, a scratch table) shows nothing in the catalog: it is listed
 * as unchecked instead.
 */
export function migrationParts(
  migration: SqlStatement[],
  existing: Existing,
): { parts: MigrationPart[]; unchecked: Unchecked[] } {
  const first = new Map<string, { effect: Effect; statement: SqlStatement }>();
  const last = new Map<string, Effect>();
  const unchecked: Unchecked[] = [];
  for (const s of migration) {
    if (s.kind === 'unknown')
      unchecked.push({
        statement: s.index,
        sql: s.sql,
        why: s.note ?? 'its effect is not visible in the catalog',
      });
    for (const e of s.effects) {
      const key = objectKey(e.object);
      if (!first.has(key)) first.set(key, { effect: e, statement: s });
      last.set(key, e);
    }
  }
  const parts: MigrationPart[] = [];
  for (const [key, { effect, statement }] of first) {
    const before = !effect.exists;
    if (last.get(key)?.exists === before) {
      unchecked.push({
        statement: statement.index,
        sql: statement.sql,
        why: `${objectLabel(effect.object)} ends as it started; what changed in it is not visible in the catalog`,
      });
      continue;
    }
    const now = existing(effect.object);
    parts.push({
      object: effect.object,
      label: objectLabel(effect.object),
      change: effect.exists ? 'adds' : 'removes',
      statement: statement.index,
      before,
      now,
      present: now !== before,
    });
  }
  unchecked.sort((a, b) => a.statement - b.statement);
  return { parts, unchecked };
}

/**
 * Which down.sql statements to run, simulated against the catalog as it stands.
 * - 'needed' (a failed migration): run a statement only when what it undoes is there; a
 *   statement that cannot be matched (a data change) is never guessed: it is `unmatched`.
 * - 'all' (the revert migration of an applied one): everything runs as one migration; the
 *   plan says which statements would fail and what would be left.
 */
export function planRevert(
  migration: SqlStatement[],
  down: SqlStatement[],
  existing: Existing,
  mode: 'needed' | 'all',
): RevertPlan {
  const { parts, unchecked } = migrationParts(migration, existing);
  const known = new Map<string, DbObject>(objectsOf(migration, down).map((o) => [objectKey(o), o]));
  const sim = new Map<string, boolean>();
  const get = (o: DbObject) => sim.get(objectKey(o)) ?? existing(o);
  const set = (o: DbObject, value: boolean) => {
    sim.set(objectKey(o), value);
    if (value) return;
    // What goes with a dropped table or column.
    for (const other of known.values()) {
      const same = (a: string | undefined, b: string | undefined) =>
        o.caseless ? a?.toLowerCase() === b?.toLowerCase() : a === b;
      const onTable = o.kind === 'table' && same(other.table, o.name) && other.schema === o.schema;
      const onColumn =
        o.kind === 'column' &&
        (other.kind === 'not-null' || other.kind === 'default') &&
        same(other.table, o.table) &&
        same(other.name, o.name) &&
        other.schema === o.schema;
      if (onTable || onColumn) sim.set(objectKey(other), false);
    }
  };
  const steps: DownStep[] = [];
  const unmatched: SqlStatement[] = [];
  const conflicts: RevertPlan['conflicts'] = [];
  for (const s of down) {
    if (s.kind === 'session') {
      steps.push({ statement: s, run: true, why: 'session setting' });
      continue;
    }
    if (s.kind === 'transaction') {
      steps.push({
        statement: s,
        run: mode === 'all',
        why: mode === 'all' ? 'transaction control' : 'skipped: hotfix runs down.sql in its own transaction',
      });
      continue;
    }
    if (s.kind === 'unknown') {
      if (mode === 'needed') {
        unmatched.push(s);
        steps.push({
          statement: s,
          run: false,
          why: `not run: ${s.note ?? 'unknown effect'} cannot be matched to the database`,
        });
      } else {
        steps.push({ statement: s, run: true, why: `${s.note ?? 'unknown effect'}: not checkable` });
      }
      continue;
    }
    const needed = s.effects.filter((e) => get(e.object) !== e.exists);
    const blocking = s.effects.filter((e) => get(e.object) === e.exists && !e.idempotent);
    const describe = (e: Effect) =>
      `${objectLabel(e.object)} ${e.exists ? 'is already there' : 'is not there'}`;
    if (blocking.length > 0 && (needed.length > 0 || mode === 'all')) {
      conflicts.push({ statement: s, why: `it would fail: ${blocking.map(describe).join(', ')}` });
      steps.push({ statement: s, run: false, why: `would fail: ${blocking.map(describe).join(', ')}` });
      continue;
    }
    if (needed.length === 0) {
      steps.push({
        statement: s,
        run: mode === 'all',
        why:
          mode === 'all' ? 'changes nothing (already so)' : `skipped: ${s.effects.map(describe).join(', ')}`,
      });
      continue;
    }
    for (const e of s.effects) set(e.object, e.exists);
    steps.push({
      statement: s,
      run: true,
      why: needed.map((e) => `${e.exists ? 'restores' : 'removes'} ${objectLabel(e.object)}`).join(', '),
    });
  }
  // Session settings alone are not worth a transaction.
  if (mode === 'needed' && !steps.some((st) => st.run && st.statement.kind === 'change')) {
    for (const st of steps) if (st.statement.kind === 'session') st.run = false;
  }
  const leftovers = parts.filter((p) => get(p.object) !== p.before);
  return { parts, unchecked, steps, unmatched, conflicts, leftovers };
}
