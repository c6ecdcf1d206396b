// The steps most command tests take on a fake project, as the end-to-end helpers take them on a
// real one (test/support/hotfix.ts): start a hotfix from SQL, leave a killed command's intent,
// read the ledger's events, the rows of a migration and a snapshot of what must not change.
import path from 'node:path';
import { expect } from 'vitest';
import { rowState } from '../../../src/core/migration-state.js';
import type { FakeDatabase } from './db.js';
import type { FakeProject } from './index.js';

/**
 * start --sql exactly as written (no CONCURRENTLY, NOT VALID or timeouts rewrite), its lint
 * errors accepted: for tests of what happens to such a migration (partly applied, gated...).
 */
export const AS_IS = ['--as-is', '--accept-risk', '--reason', 'test: the SQL exactly as written'];

/**
 * `hotfix start <name> --sql FILE` from main (the file kept outside the repository); with
 * `down`, also writes and commits down.sql. Returns the migration folder name.
 */
export async function startWithSql(
  fx: FakeProject,
  name: string,
  sql: string,
  down?: string,
  extra: string[] = [],
): Promise<string> {
  await fx.git.checkout('main');
  const file = `/incident/${name}.sql`;
  fx.files.put(file, sql);
  const r = await fx.run(['start', name, '--sql', file, '--json', '--no-schema-check', ...extra]);
  expect(r.exitCode, r.stderr).toBe(0);
  const migration = r.json.migration.name as string;
  if (down !== undefined) {
    fx.write(`prisma/migrations/${migration}/down.sql`, down);
    fx.git.commitAll(`down.sql for ${migration}`);
  }
  return migration;
}

/** The ledger's events as `type:outcome`. */
export const events = (fx: FakeProject, name: string): string[] =>
  fx.ledger(name).events.map((e) => `${e.type}:${e.outcome}`);

/** The states of a migration's rows, oldest first: applied, failed or rolled-back. */
export const rowStates = (db: FakeDatabase, migration: string): string[] =>
  (db.rows ?? []).filter((r) => r.migrationName === migration).map((r) => rowState(r));

/**
 * What a command killed after writing its intent leaves: an unanswered intent at the end of
 * the ledger, committed (as a later `git commit -a` would).
 */
export function leaveIntent(
  fx: FakeProject,
  name: string,
  intent: { command: string; migration: string; details: Record<string, unknown>; env?: string },
): void {
  const rel = path.join('.hotfix', `${name}.json`);
  const ledger = JSON.parse(fx.read(rel)!);
  const last = ledger.events.at(-1);
  ledger.events.push({
    seq: last.seq + 1,
    type: 'intent',
    at: new Date(Date.parse(last.at) + 1000).toISOString(),
    actor: 'oncall@example.com',
    command: intent.command,
    outcome: 'pending',
    env: intent.env ? { name: intent.env, fingerprint: 'aaaaaaaaaaaa' } : last.env,
    migration: intent.migration,
    details: intent.details,
  });
  fx.write(rel, `${JSON.stringify(ledger, null, 2)}\n`);
  fx.git.commitAll(`a ${intent.command} that was killed`);
}

/** Everything a refused command must leave as it was: refs, HEAD, the index, every file. */
export async function snapshot(fx: FakeProject) {
  return {
    branches: [...fx.git.branches].sort(),
    tags: [...fx.git.tags].sort(),
    head: await fx.git.currentBranch(),
    dirty: await fx.git.dirtyPaths(),
    files: [...fx.files.files.entries()]
      .filter(([f]) => f.startsWith(`${fx.root}/`) && !f.startsWith(`${fx.root}/.git/`))
      .sort(),
  };
}
