import path from 'node:path';
import { usageError, type HotfixError } from './errors.js';

const MAX_NAME_BYTES = 200;
// Letters, digits, dot, dash, underscore; starts with a letter or digit. This keeps the name
// valid as a git branch suffix, a file name and a migration folder suffix at once.
const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * Validates a hotfix name before any process starts or any path is built from it.
 * Returns the name unchanged when it is safe.
 */
export function validateHotfixName(name: string): string {
  const fail = (why: string) =>
    usageError('INVALID_NAME', `Invalid hotfix name ${JSON.stringify(name)}: ${why}.`, {
      hint: 'Use letters, digits, "-", "_" or "." (e.g. "add-orders-index"), starting with a letter or digit.',
    });
  if (name.length === 0) throw fail('it is empty');
  if (name.includes('\0')) throw fail('it contains a NUL byte');
  if (Buffer.byteLength(name, 'utf8') > MAX_NAME_BYTES)
    throw fail(`it is longer than ${MAX_NAME_BYTES} bytes`);
  if (name.startsWith('-')) throw fail('it starts with "-" and would read as an option');
  if (name.startsWith('/') || path.isAbsolute(name)) throw fail('it is an absolute path');
  if (name.includes('/') || name.includes('\\')) throw fail('it contains a path separator');
  if (name.includes('..')) throw fail('it contains ".."');
  if (!NAME_PATTERN.test(name))
    throw fail('it contains characters other than letters, digits, ".", "-", "_"');
  if (name.endsWith('.') || name.toLowerCase().endsWith('.lock'))
    throw fail('git refuses branch names ending in "." or ".lock"');
  return name;
}

/**
 * What a NEW hotfix name must also be (`hotfix start`): lower case, and not a case variant of
 * a hotfix or branch that exists. `.hotfix/<name>.json` and `hotfix/<name>` are files, so
 * names that differ only in case collide on case-insensitive file systems (macOS, Windows):
 * one checkout silently reads the other's ledger. Lower case only rules that out even for
 * names this checkout cannot see (a teammate's unpushed branch); the variant check covers
 * hotfixes named before the rule. Existing names keep working in every other command.
 */
export function newNameVerdict(name: string, taken: readonly string[]): HotfixError | undefined {
  const lower = name.toLowerCase();
  const variant = taken.find((other) => other !== name && other.toLowerCase() === lower);
  if (variant !== undefined) {
    return usageError(
      'NAME_CASE_VARIANT',
      `Hotfix "${variant}" already exists, and "${name}" differs from it only in case: on macOS and Windows their ledger files and branches would be one and the same.`,
      {
        hint: `To work on that hotfix, use its name (hotfix status ${variant}); for a new one, choose another name, in lower case.`,
        details: { existing: variant },
      },
    );
  }
  if (name !== lower) {
    return usageError(
      'NAME_NOT_LOWERCASE',
      `Hotfix names are lower case: "${name}" has capital letters, and a name that differs from another only in case collides with it on macOS and Windows.`,
      { hint: `Run the same command with "${lower}".`, details: { suggestion: lower } },
    );
  }
  return undefined;
}

/** Prisma's own style for migration folder suffixes: lower case, underscores. */
export function migrationSlug(name: string): string {
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return slug.length > 0 ? slug : 'hotfix';
}

/** UTC yyyymmddHHMMSS, the prefix Prisma gives migration folders. */
export function migrationTimestamp(date: Date): string {
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return (
    pad(date.getUTCFullYear(), 4) +
    pad(date.getUTCMonth() + 1) +
    pad(date.getUTCDate()) +
    pad(date.getUTCHours()) +
    pad(date.getUTCMinutes()) +
    pad(date.getUTCSeconds())
  );
}

export const MIGRATION_FOLDER_PATTERN = /^\d{14}_[A-Za-z0-9_]+$/;

/**
 * Resolves `child` under `parent` and refuses anything that escapes it (symlinked or `..`
 * tricks in a computed name): the last line of defence before a write.
 */
export function resolveInside(parent: string, child: string): string {
  const root = path.resolve(parent);
  const full = path.resolve(root, child);
  const rel = path.relative(root, full);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) {
    throw usageError('PATH_OUTSIDE', `${JSON.stringify(child)} does not resolve inside ${root}.`, {
      hint: 'Choose a hotfix name without path components.',
    });
  }
  return full;
}

export function branchFor(name: string): string {
  return `hotfix/${name}`;
}
