import { execa } from 'execa';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { git } from './git.js';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const hotfixBin = path.join(repoRoot, 'bin', 'hotfix.js');

export interface HotfixRun {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Spawns the real bin (compiled by `npm install`), as a user or CI would, without a TTY. */
export async function runHotfix(
  cwd: string,
  args: string[],
  env: Record<string, string | undefined> = {},
): Promise<HotfixRun> {
  const result = await execa(process.execPath, [hotfixBin, ...args], {
    cwd,
    env: { NO_COLOR: '1', ...env },
    reject: false,
    stdin: 'ignore',
    timeout: 180_000,
  });
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
}

export function startHotfix(cwd: string, args: string[], env: Record<string, string | undefined> = {}) {
  return execa(process.execPath, [hotfixBin, ...args], {
    cwd,
    env: { NO_COLOR: '1', ...env },
    reject: false,
    stdin: 'ignore',
  });
}

export interface HotfixProject {
  project: { dir: string; migrationsDir: string };
  env: Record<string, string>;
}

/**
 * `hotfix start <name> --sql FILE` from the base branch; with `down`, also writes and commits
 * down.sql. Returns the migration folder name.
 */
export async function startWithSql(
  s: HotfixProject,
  name: string,
  sql: string,
  down?: string,
  extra: string[] = [],
): Promise<string> {
  git(s.project.dir, 'checkout', '-q', 'main');
  // Beside the project (not in it: the tree must stay clean), named after it: parents are shared.
  const file = path.join(s.project.dir, '..', `${path.basename(s.project.dir)}-${name}.sql`);
  writeFileSync(file, sql);
  // The schema check after --sql has a test of its own; here it would only cost a prisma diff.
  const r = await runHotfix(
    s.project.dir,
    ['start', name, '--sql', file, '--json', '--no-schema-check', ...extra],
    s.env,
  );
  expect(r.exitCode, r.stderr).toBe(0);
  const migration = JSON.parse(r.stdout).migration.name as string;
  if (down !== undefined) {
    writeFileSync(path.join(s.project.migrationsDir, migration, 'down.sql'), down);
    git(s.project.dir, 'commit', '-qam', `down.sql for ${migration}`);
  }
  return migration;
}

export interface LedgerEventView {
  type: string;
  outcome: string;
  reason?: string;
  details?: Record<string, unknown>;
}

/** The events of a hotfix's ledger file in the working tree. */
export function ledgerEvents(s: HotfixProject, name: string): LedgerEventView[] {
  return JSON.parse(readFileSync(path.join(s.project.dir, '.hotfix', `${name}.json`), 'utf8'))
    .events as LedgerEventView[];
}

/**
 * What a command killed after writing its intent leaves: an unanswered intent at the end of
 * the ledger, committed (as a later `git commit -a` would).
 */
export function leaveIntent(
  s: HotfixProject,
  name: string,
  intent: { command: string; migration: string; details: Record<string, unknown>; env?: string },
): void {
  const file = path.join(s.project.dir, '.hotfix', `${name}.json`);
  const ledger = JSON.parse(readFileSync(file, 'utf8'));
  const last = ledger.events.at(-1);
  ledger.events.push({
    seq: last.seq + 1,
    type: 'intent',
    at: new Date().toISOString(),
    actor: 'oncall@example.com',
    command: intent.command,
    outcome: 'pending',
    env: intent.env ? { name: intent.env, fingerprint: 'aaaaaaaaaaaa' } : last.env,
    migration: intent.migration,
    details: intent.details,
  });
  writeFileSync(file, `${JSON.stringify(ledger, null, 2)}\n`);
  git(s.project.dir, 'commit', '-qam', `a ${intent.command} that was killed`);
}

/**
 * start --sql exactly as written (no CONCURRENTLY, NOT VALID or timeouts rewrite), its lint
 * errors accepted: for tests of what happens to such a migration (partly applied, gated...).
 */
export const AS_IS = ['--as-is', '--accept-risk', '--reason', 'test: the SQL exactly as written'];
