import path from 'node:path';
import type { Git } from '../adapters/git.js';
import type { LedgerEntry } from './ledger-store.js';
import { providerOf } from './migration-lock.js';
import type { HotfixConfig } from '../core/config.js';
import type { HotfixState } from '../core/ledger.js';
import type { MigrationRow } from '../core/migration-state.js';
import { migrationState } from '../core/migration-state.js';
import type { Target } from '../core/target.js';
import { isMigrationTemplate } from '../core/templates.js';
import { relativeTo } from '../core/text.js';
import { failingText } from '../core/verify-rows.js';
import { changesData } from '../core/verify-sql.js';
import {
  checkHotfixFiles,
  checkVerifySql,
  finding,
  migrationSource,
  revertOf,
  downWaiverOf,
  type VerifyFinding,
} from '../core/verify/index.js';
import { verifySqlState, type ShowRows } from './verify-sql.js';
import type { Ports } from './ports.js';

/** What verify's file and verify.sql checks read. */
export interface VerifyContext {
  git: Git;
  projectRoot: string;
  config: HotfixConfig;
  migrationsDir: string;
  hotfixes: { entry: LedgerEntry; state: HotfixState }[];
  /** --show-rows at a terminal (see Deps.showRows). */
  showRows?: ShowRows | undefined;
  ports: Ports;
}

/** A hotfix's files, from the working tree, or from its branch when the ledger was read there. */
export async function hotfixFileChecks(ctx: VerifyContext): Promise<VerifyFinding[]> {
  const out: VerifyFinding[] = [];
  const provider =
    (await providerOf(ctx.ports.files, ctx.migrationsDir, ctx.projectRoot).catch(() => undefined)) ??
    'postgresql';
  for (const { entry, state } of ctx.hotfixes) {
    const branch = entry.onBranch;
    for (const [k, part] of state.migrations.entries()) {
      const dir = path.join(ctx.migrationsDir, part.name);
      const read = (file: string) =>
        branch
          ? ctx.git.show(branch, relativeTo(ctx.git.root, path.join(dir, file)))
          : ctx.ports.files.read(path.join(dir, file));
      const revert = k === 0 ? revertOf(entry.file) : undefined;
      const [sql, down, verifySql, revertSql] = await Promise.all([
        read('migration.sql'),
        read('down.sql'),
        read('verify.sql'),
        revert ? read(path.join('..', revert.migration, 'migration.sql')) : undefined,
      ]);
      const rel = `${ctx.config.migrations}/${part.name}`;
      const where = branch ? `${branch}:${rel}` : rel;
      const rehashed = entry.file.events.some((e) => e.type === 'rehashed' && e.migration === part.name);
      out.push(
        ...checkHotfixFiles({
          name: state.name,
          migration: part.name,
          branch: state.branch,
          source: rehashed ? 'rehashed' : migrationSource(entry.file),
          checksum: part.checksum,
          dir: rel,
          where,
          sql,
          down,
          rolledBackEverywhere: state.envs.length > 0 && state.envs.every((e) => e.state === 'rolled-back'),
          revert: revert && { ...revert, sql: revertSql },
          downWaived: k === 0 ? downWaiverOf(entry.file) : undefined,
        }),
      );
      if (sql !== undefined && !isMigrationTemplate(sql)) {
        out.push(
          ...checkVerifySql({
            name: state.name,
            migration: part.name,
            dir: rel,
            where,
            verify: verifySql,
            recorded: part.verifyChecksum,
            changesData: changesData(sql, provider),
            fromTemplate: !rehashed && migrationSource(entry.file) === 'template',
            provider,
          }),
        );
      }
    }
  }
  return out;
}

/**
 * verify.sql of every hotfix whose migrations are all applied in this environment, run
 * read-only: the data fix must still hold there.
 */
export async function verifySqlFindings(
  ctx: VerifyContext,
  target: Target,
  rows: readonly MigrationRow[],
): Promise<VerifyFinding[]> {
  const env = target.env.name;
  const db = migrationState([...rows], []);
  const out: VerifyFinding[] = [];
  for (const { state } of ctx.hotfixes) {
    if (!state.migrations.every((m) => db.stateOf(m.name) === 'applied')) continue;
    for (const part of state.migrations) {
      const v = await verifySqlState(ctx, target, path.join(ctx.migrationsDir, part.name));
      const at = { env, hotfix: state.name, migration: part.name };
      const file = `${ctx.config.migrations}/${part.name}/verify.sql`;
      if (v.state === 'fails') {
        out.push(
          finding('VERIFY_SQL_FAILED', {
            ...at,
            message: `Hotfix ${state.name} does not hold on ${env}: ${file} finds rows.\n${failingText(v.failing)}`,
            fix: 'Find out what brought the rows back (the app still writing them?), fix the data with a follow-up hotfix, or correct verify.sql.',
            details: { failing: v.failing },
          }),
        );
      } else if (v.state === 'error') {
        out.push(
          finding('VERIFY_SQL_ERROR', {
            ...at,
            message: `A query of ${file} failed on ${env}${v.code ? ` (${v.code})` : ''}: ${v.message}`,
            fix: `Fix ${file} (it runs read-only, with a statement timeout).`,
            details: { query: v.query, code: v.code ?? null },
          }),
        );
      }
    }
  }
  return out;
}
