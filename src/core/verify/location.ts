import path from 'node:path';
import type { FindingLocation, VerifyFinding } from './findings.js';

// Where a finding points in the repository, for CI annotations (GitHub shows them on the file,
// GitLab's code-quality report links to it): relative to the repository root, as both expect.

export interface LocationFacts {
  /** The project root relative to the repository root: '' when it is the root. */
  projectDir: string;
  /** The migrations folder, relative to the project root. */
  migrationsRel: string;
  /** The config file relative to the project root, when there is one. */
  configFile: string | undefined;
}

const ON_DOWN_SQL = new Set(['HOTFIX_DOWN_TEMPLATE']);
const ON_LOCK_FILE = new Set(['LOCK_FILE_MISSING', 'LOCK_PROVIDER_MISMATCH']);

/**
 * Lint findings: their file and line. A finding about a migration: its migration.sql (down.sql
 * when that is what is wrong), line 1. Anything else: the lock file for lock findings, else the
 * config file, else the migrations folder.
 */
export function locate(f: VerifyFinding, facts: LocationFacts): FindingLocation {
  const at = (rel: string, line = 1) => ({
    file: path.posix.join(facts.projectDir, rel),
    line,
  });
  const lintFile = f.details?.file;
  const lintLine = f.details?.line;
  if (typeof lintFile === 'string' && typeof lintLine === 'number') return at(lintFile, lintLine);
  const migrations = facts.migrationsRel;
  if (f.migration) {
    return at(`${migrations}/${f.migration}/${ON_DOWN_SQL.has(f.code) ? 'down.sql' : 'migration.sql'}`);
  }
  if (ON_LOCK_FILE.has(f.code)) return at(`${migrations}/migration_lock.toml`);
  return at(facts.configFile ?? migrations);
}
