import { MIGRATION_FOLDER_PATTERN } from '../names.js';
import { finding, type VerifyFinding } from './findings.js';

// The migrations folder as `hotfix verify` sees it offline: folder names (the apply order) and
// the lock file.

export interface MigrationFolder {
  name: string;
  /** migration.sql, or undefined when the folder has none. */
  sql: string | undefined;
}

function validTimestamp(prefix: string): boolean {
  const [y, mo, d, h, mi, s] = [0, 4, 6, 8, 10, 12].map((at, i) =>
    Number(prefix.slice(at, at + (i === 0 ? 4 : 2))),
  ) as [number, number, number, number, number, number];
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  return (
    date.getUTCFullYear() === y &&
    date.getUTCMonth() === mo - 1 &&
    date.getUTCDate() === d &&
    date.getUTCHours() === h &&
    date.getUTCMinutes() === mi &&
    date.getUTCSeconds() === s
  );
}

/**
 * Prisma applies folders in lexical order of their names, so the name IS the order: it must be
 * `<UTC yyyymmddHHMMSS>_<name>` with a real date, and no two folders may share a timestamp
 * (their order would then hang on the suffix, not on when they were written).
 */
export function checkMigrationFolders(
  folders: readonly MigrationFolder[],
  migrationsRel: string,
): VerifyFinding[] {
  const out: VerifyFinding[] = [];
  const byStamp = new Map<string, string[]>();
  for (const folder of folders) {
    if (folder.sql === undefined) {
      out.push(
        finding('MIGRATION_SQL_MISSING', {
          migration: folder.name,
          message: `${migrationsRel}/${folder.name}/ has no migration.sql: prisma migrate deploy stops on it (P3015).`,
          fix: `Restore it (git checkout -- ${migrationsRel}/${folder.name}/migration.sql) or remove the empty folder.`,
        }),
      );
    }
    if (!MIGRATION_FOLDER_PATTERN.test(folder.name) || !validTimestamp(folder.name.slice(0, 14))) {
      out.push(
        finding('MIGRATION_NAME_INVALID', {
          migration: folder.name,
          message: `Migration folder "${folder.name}" is not <UTC yyyymmddHHMMSS>_<name> with a valid date; Prisma orders migrations by folder name, so its place in the order is accidental.`,
          fix: 'If it has not been applied anywhere yet, rename it to the timestamp it was written at (git mv); an applied one must keep its name.',
        }),
      );
      continue;
    }
    const stamp = folder.name.slice(0, 14);
    byStamp.set(stamp, [...(byStamp.get(stamp) ?? []), folder.name]);
  }
  for (const [stamp, names] of byStamp) {
    if (names.length < 2) continue;
    out.push(
      finding('MIGRATION_ORDER_AMBIGUOUS', {
        migration: names[0],
        message: `${names.length} migration folders share the timestamp ${stamp} (${names.join(', ')}): their order is decided by the name suffix.`,
        fix: 'Rename the one that has not been applied anywhere to a later timestamp (git mv).',
      }),
    );
  }
  return out;
}

const PROVIDER_ALIASES: Record<string, string> = { postgres: 'postgresql' };
const normalProvider = (p: string) => PROVIDER_ALIASES[p.toLowerCase()] ?? p.toLowerCase();

/** `provider = "..."` of the first datasource block in the schema text(s). */
export function schemaProvider(schemaTexts: readonly string[]): string | undefined {
  for (const text of schemaTexts) {
    const block = /^\s*datasource\s+\w+\s*\{([^}]*)\}/m.exec(text)?.[1];
    const provider = block ? /^\s*provider\s*=\s*"([^"]+)"/m.exec(block)?.[1] : undefined;
    if (provider) return provider;
  }
  return undefined;
}

/** migration_lock.toml names the provider the migrations were written for (Prisma P3019). */
export function checkLockFile(
  lockText: string | undefined,
  provider: string | undefined,
  migrationsRel: string,
  schemaRel: string,
): VerifyFinding[] {
  if (lockText === undefined) {
    return [
      finding('LOCK_FILE_MISSING', {
        message: `${migrationsRel}/migration_lock.toml is missing: nothing records which database the migrations were written for.`,
        fix: `Restore it from git, or write it: provider = "${provider ?? '<your provider>'}"`,
      }),
    ];
  }
  const locked = /^\s*provider\s*=\s*"([^"]+)"/m.exec(lockText)?.[1];
  if (!locked || !provider || normalProvider(locked) === normalProvider(provider)) return [];
  return [
    finding('LOCK_PROVIDER_MISMATCH', {
      message: `${migrationsRel}/migration_lock.toml says provider "${locked}" but ${schemaRel} says "${provider}": prisma migrate refuses this (P3019).`,
      fix: `Point the schema back at ${locked}, or start a new migration history for ${provider} (see Prisma's "switching providers" guide).`,
    }),
  ];
}
