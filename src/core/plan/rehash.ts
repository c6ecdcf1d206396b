import { usageError } from '../errors.js';
import type { HotfixMigration, HotfixState } from '../ledger.js';
import type { RowState } from '../intent.js';
import type { Step } from './types.js';

/**
 * `hotfix rehash`: an edited hotfix migration gets its new checksum recorded (Atlas' `migrate
 * hash` is the model), but only while it has run nowhere: before the first deploy, or after a
 * failed one was rolled back. Once applied, a migration file never changes; a different fix is a
 * roll forward. verify.sql is a proof, not a migration: its new checksum is recorded any time.
 */

export interface RehashFacts {
  state: HotfixState;
  /** The files as they are now: sha256 of each part's migration.sql and verify.sql. */
  files: { name: string; checksum: string; verifyChecksum: string | undefined }[];
  /** What each configured environment shows for each part: from its database when its URL is set, else from the ledger. */
  envs: {
    env: string;
    source: 'database' | 'ledger';
    parts: { name: string; state: RowState | 'unknown' }[];
  }[];
  reason: string;
  /** verify.sql files start generated from the old migration.sql, generated again (project-relative). */
  regenerated: { path: string; text: string }[];
  /** Each part's folder, relative to the project root: the edit and its checksum go in one commit. */
  folders: string[];
}

export interface RehashPlan {
  hotfix: string;
  /** The parts whose checksums change, old and new. */
  changes: { migration: string; file: 'migration.sql' | 'verify.sql'; from: string | null; to: string }[];
  /** How "applied nowhere" was established, per environment. */
  checked: { env: string; source: 'database' | 'ledger'; state: string }[];
  /** verify.sql files generated again (project-relative). */
  regenerated: string[];
  plan: Step[];
}

export function planRehash(f: RehashFacts): RehashPlan {
  const recorded = new Map<string, HotfixMigration>(f.state.migrations.map((m) => [m.name, m]));
  const changes: RehashPlan['changes'] = [];
  for (const file of f.files) {
    const was = recorded.get(file.name);
    if (was?.checksum !== file.checksum)
      changes.push({
        migration: file.name,
        file: 'migration.sql',
        from: was?.checksum ?? null,
        to: file.checksum,
      });
    if (file.verifyChecksum && was?.verifyChecksum !== file.verifyChecksum)
      changes.push({
        migration: file.name,
        file: 'verify.sql',
        from: was?.verifyChecksum ?? null,
        to: file.verifyChecksum,
      });
  }
  const checked = f.envs.map((e) => ({
    env: e.env,
    source: e.source,
    state: e.parts.map((p) => `${p.name} ${p.state}`).join(', ') || 'nothing recorded',
  }));
  const edited = new Set(changes.filter((c) => c.file === 'migration.sql').map((c) => c.migration));
  // Ran somewhere: applied, or failed and not yet rolled back (its row keeps the old checksum).
  const ran = f.envs.flatMap((e) =>
    e.parts
      .filter((p) => edited.has(p.name) && (p.state === 'applied' || p.state === 'failed'))
      .map((p) => ({ env: e.env, ...p })),
  );
  if (ran.length > 0) {
    const first = ran[0]!;
    throw usageError(
      'REHASH_APPLIED',
      `${[...edited].join(', ')} changed, but it has run: ${ran.map((r) => `${r.state} on ${r.env}`).join(', ')}. A migration that ran must never change: its checksum in _prisma_migrations is what verify holds the file to.`,
      {
        hint:
          first.state === 'failed'
            ? `Roll the failed attempt back first (hotfix rollback ${f.state.name} --env ${first.env}), then rehash and deploy again.`
            : `Restore the file as it ran (git checkout -- <file>). To ship different SQL, roll forward: hotfix rollback ${f.state.name} --env ${first.env}, then start a new hotfix with the new SQL.`,
        details: { ran },
      },
    );
  }
  if (changes.length === 0) {
    throw usageError(
      'REHASH_NOTHING',
      `The files of hotfix ${f.state.name} are as the ledger recorded them: nothing to rehash.`,
      {
        hint: 'Edit migration.sql (before its first deploy) or verify.sql, then run rehash again.',
      },
    );
  }
  const name = f.state.name;
  const byMigration = new Map(f.files.map((file) => [file.name, file]));
  const plan: Step[] = [
    ...(f.regenerated.length > 0
      ? [
          {
            kind: 'write-files' as const,
            files: f.regenerated.map((r) => ({ path: r.path, text: r.text, create: false })),
            why: 'verify.sql proved the old migration.sql: generated again from the new one',
          },
        ]
      : []),
    ...[...new Set(changes.map((c) => c.migration))].map((migration): Step => {
      const file = byMigration.get(migration)!;
      return {
        kind: 'record',
        event: {
          type: 'rehashed',
          outcome: 'ok',
          migration,
          checksum: file.checksum,
          details: {
            ...(file.verifyChecksum ? { verifyChecksum: file.verifyChecksum } : {}),
            changed: changes.filter((c) => c.migration === migration).map((c) => c.file),
          },
        },
        why: `the new checksums of ${migration}`,
      };
    }),
    { kind: 'commit', message: `hotfix(${name}): rehash (${f.reason})`, paths: f.folders },
  ];
  return { hotfix: name, changes, checked, regenerated: f.regenerated.map((r) => r.path), plan };
}
