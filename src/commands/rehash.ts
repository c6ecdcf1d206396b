import path from 'node:path';
import { providerOf } from '../workflow/migration-lock.js';
import { sha256Hex } from '../core/checksum.js';
import { usageError } from '../core/errors.js';
import type { RowState } from '../core/intent.js';
import { appendEvents, deriveState, type HotfixState, type NewEvent } from '../core/ledger.js';
import { migrationState } from '../core/migration-state.js';
import { validateHotfixName } from '../core/names.js';
import { planRehash, type RehashFacts, type RehashPlan } from '../core/plan/rehash.js';
import { resolveTarget } from '../core/target.js';
import { relativeTo } from '../core/text.js';
import { isGeneratedVerify, verifyFor } from '../core/verify-sql.js';
import { readMigrationRows } from '../workflow/db-state.js';
import type { Deps } from '../workflow/deps.js';
import { actorOf, findHotfix, lockRepo, openProject, type Project } from '../workflow/project.js';

export interface RehashInput {
  name: string;
  reason?: string | undefined;
  commit: boolean;
  dryRun?: boolean | undefined;
}

export interface RehashResult extends RehashPlan {
  command: 'rehash';
  /** verify.sql files regenerated because they proved the old migration.sql. */
  regenerated: string[];
  dryRun: boolean;
  commit: string | null;
}

/** `hotfix rehash`: record the new checksums of edited hotfix files, while they have run nowhere. */
export async function rehash(input: RehashInput, deps: Deps): Promise<RehashResult> {
  const name = validateHotfixName(input.name);
  if (!input.reason) {
    throw usageError(
      'REHASH_NEEDS_REASON',
      'hotfix rehash needs --reason TEXT: the ledger records why the files changed.',
    );
  }
  const p = await openProject(deps);
  const entry = await findHotfix(p, name);
  if (entry.onBranch) {
    throw usageError(
      'HOTFIX_NOT_HERE',
      `Hotfix "${name}" is recorded on branch ${entry.onBranch}, not in this checkout.`,
      {
        hint: `Switch to it, so that the edit and its checksum are committed together: git checkout ${entry.onBranch}`,
      },
    );
  }
  const lock = input.dryRun ? undefined : await lockRepo(p.git, `hotfix rehash ${name}`, deps);
  try {
    // Read again under the lock: another command may have added events since it was listed.
    const file = (lock && (await p.store.read(name))) || entry.file;
    const state = deriveState(file);
    const migrationsDir = path.resolve(p.root, p.config.migrations);
    const provider =
      (await providerOf(p.files, migrationsDir, p.root).catch(() => undefined)) ?? 'postgresql';
    if (provider === 'postgresql') await (await import('../core/sql/parser.js')).loadParser();
    const regenerated: { file: string; path: string; text: string }[] = [];
    const files = await Promise.all(
      state.migrations.map(async (m) => {
        const sql = await p.files.read(path.join(migrationsDir, m.name, 'migration.sql'));
        if (sql === undefined) {
          throw usageError(
            'MIGRATION_MISSING',
            `${p.config.migrations}/${m.name}/migration.sql is missing.`,
            {
              hint: 'Restore it from git (git checkout -- <path>).',
            },
          );
        }
        const verifyPath = path.join(migrationsDir, m.name, 'verify.sql');
        let verify = await p.files.read(verifyPath);
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
            regenerated.push({
              file: `${p.config.migrations}/${m.name}/verify.sql`,
              path: verifyPath,
              text: fresh,
            });
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
    const facts: RehashFacts = { state, files, envs: await envStates(p, state, deps), reason: input.reason };
    const plan = planRehash(facts);
    const result: RehashResult = {
      command: 'rehash',
      ...plan,
      regenerated: regenerated.map((r) => r.file),
      dryRun: input.dryRun === true,
      commit: null,
    };
    if (input.dryRun) return result;
    for (const r of regenerated) await p.files.write(r.path, r.text);

    const at = deps.now().toISOString();
    const actor = await actorOf(p.git, deps);
    const byMigration = new Map(files.map((f) => [f.name, f]));
    const events: NewEvent[] = [...new Set(plan.changes.map((c) => c.migration))].map((migration) => ({
      type: 'rehashed',
      at,
      actor,
      command: 'rehash',
      outcome: 'ok',
      reason: input.reason,
      migration,
      checksum: byMigration.get(migration)!.checksum,
      details: {
        ...(byMigration.get(migration)!.verifyChecksum
          ? { verifyChecksum: byMigration.get(migration)!.verifyChecksum }
          : {}),
        changed: plan.changes.filter((c) => c.migration === migration).map((c) => c.file),
      },
    }));
    await p.store.write(appendEvents(file, events));
    // The edit and its checksum go in one commit: the folders of the parts, and the ledger.
    const paths = [
      ...state.migrations.map((m) => relativeTo(p.git.root, path.join(migrationsDir, m.name))),
      p.store.relativePath(name),
    ];
    await p.git.add(paths);
    if (input.commit) result.commit = await p.git.commit(`hotfix(${name}): rehash (${input.reason})`, paths);
    return result;
  } finally {
    await lock?.release();
  }
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
