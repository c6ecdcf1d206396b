import path from 'node:path';
import { sha256Hex } from '../core/checksum.js';
import { usageError } from '../core/errors.js';
import type { RowState } from '../core/intent.js';
import { deriveState, type HotfixState, type LedgerFile } from '../core/ledger.js';
import { migrationState } from '../core/migration-state.js';
import type { RehashFacts } from '../core/plan/rehash.js';
import { resolveTarget } from '../core/target.js';
import { relativeTo } from '../core/text.js';
import { isGeneratedVerify, verifyFor } from '../core/verify-sql.js';
import { readMigrationRows } from './db-state.js';
import type { Deps } from './deps.js';
import { providerOf } from './migration-lock.js';
import type { Project } from './project.js';

/**
 * Everything rehash's plan needs: each part's files as they are now (a verify.sql that start
 * generated from the old migration.sql is generated again), and where each part has run.
 */
export async function gatherRehashFacts(
  p: Project,
  file: LedgerFile,
  reason: string,
  deps: Deps,
): Promise<RehashFacts> {
  const name = file.name;
  const state = deriveState(file);
  const migrationsDir = path.resolve(p.root, p.config.migrations);
  const provider = (await providerOf(p.files, migrationsDir, p.root).catch(() => undefined)) ?? 'postgresql';
  if (provider === 'postgresql') await (await import('../core/sql/parser.js')).loadParser();
  const regenerated: { path: string; text: string }[] = [];
  const files = await Promise.all(
    state.migrations.map(async (m) => {
      const sql = await p.files.read(path.join(migrationsDir, m.name, 'migration.sql'));
      if (sql === undefined) {
        throw usageError('MIGRATION_MISSING', `${p.config.migrations}/${m.name}/migration.sql is missing.`, {
          hint: 'Restore it from git (git checkout -- <path>).',
        });
      }
      const verifyRel = `${p.config.migrations}/${m.name}/verify.sql`;
      let verify = await p.files.read(path.join(p.root, verifyRel));
      // A verify.sql that start generated from the old migration.sql, untouched since, proves
      // the old statements: regenerate it from the new SQL rather than let deploy run it.
      if (
        verify !== undefined &&
        sha256Hex(sql) !== m.checksum &&
        m.verifyChecksum === sha256Hex(verify) &&
        isGeneratedVerify(verify)
      ) {
        const fresh = verifyFor(name, sql, provider);
        if (fresh !== verify) {
          regenerated.push({ path: verifyRel, text: fresh });
          verify = fresh;
        }
      }
      return {
        name: m.name,
        checksum: sha256Hex(sql),
        verifyChecksum: verify === undefined ? undefined : sha256Hex(verify),
      };
    }),
  );
  return {
    state,
    files,
    envs: await envStates(p, state, deps),
    reason,
    regenerated,
    folders: state.migrations.map((m) => relativeTo(p.root, path.join(migrationsDir, m.name))),
  };
}

/** Each configured environment: from its database when its URL variable is set, else from the ledger. */
async function envStates(p: Project, state: HotfixState, deps: Deps): Promise<RehashFacts['envs']> {
  const out: RehashFacts['envs'] = [];
  for (const env of Object.values(p.config.environments)) {
    if (deps.env[env.urlEnv]) {
      const target = resolveTarget(env, deps.env, p.root);
      const db = migrationState((await readMigrationRows(p.ports, target)) ?? [], []);
      out.push({
        env: env.name,
        source: 'database',
        parts: state.migrations.map((m) => ({ name: m.name, state: db.stateOf(m.name) })),
      });
      continue;
    }
    const known = state.envs.find((e) => e.name === env.name)?.state;
    const as: RowState | 'unknown' =
      known === undefined
        ? 'absent'
        : known === 'deployed' || known === 'resolved' || known === 'rolled-forward'
          ? 'applied'
          : known === 'failed'
            ? 'failed'
            : known === 'rolled-back'
              ? 'rolled-back'
              : 'unknown';
    out.push({
      env: env.name,
      source: 'ledger',
      parts: state.migrations.map((m) => ({ name: m.name, state: as })),
    });
  }
  return out;
}
