import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { probeObjects } from '../adapters/db-writer.js';
import { prismaTarget } from '../adapters/prisma.js';
import { findingsError, infraError, usageError } from '../core/errors.js';
import type { DbMigrationState } from '../core/migration-state.js';
import { migrationParts } from '../core/plan/revert-sql.js';
import { analyzeSql, objectsOf } from '../core/sql/analyze.js';
import { objectKey, pgDefaultSchema } from '../core/sql/objects.js';
import type { Session } from './session.js';

/**
 * Does the live database already contain the hotfix? Prisma compares a replay of the
 * migrations applied there plus the hotfix (in a temporary shadow database) with the live
 * schema: an empty diff means yes. Pending migrations of others are left out, so they do not
 * count as "missing". Returns which check proved it; refuses (throws) when none can.
 */
export async function checkDatabaseHasChange(s: Session, state: DbMigrationState): Promise<string> {
  const prisma = await s.prisma();
  if (prisma.major === 6) {
    // Prisma 6 takes the shadow database only on its command line: check the catalog ourselves.
    return catalogCheck(
      s,
      `Prisma ${prisma.version} cannot diff a migrations folder without a URL on its command line`,
    );
  }
  const applied = new Set(
    state.rows.filter((r) => state.stateOf(r.migrationName) === 'applied').map((r) => r.migrationName),
  );
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'hotfix-check-'));
  try {
    for (const name of [...applied, s.migration]) {
      if (existsSync(path.join(s.migrationsDir, name)))
        cpSync(path.join(s.migrationsDir, name), path.join(scratch, name), { recursive: true });
    }
    const lockFile = path.join(s.migrationsDir, 'migration_lock.toml');
    if (existsSync(lockFile)) cpSync(lockFile, path.join(scratch, 'migration_lock.toml'));
    // From the live database to the migrations: the script is exactly what the database lacks.
    const diff = await prisma.run(
      {
        kind: 'diff',
        from: { kind: 'datasource' },
        to: { kind: 'migrations', path: scratch },
        script: true,
        exitCode: true,
      },
      prismaTarget(s.target),
    );
    const env = s.target.env.name;
    if (diff.outcome.kind === 'unreachable') {
      throw infraError(
        'DB_UNREACHABLE',
        `prisma could not reach the ${env} database for the check (${diff.outcome.code}).`,
        { hint: 'Check the database and the URL, then retry.' },
      );
    }
    if (diff.exitCode === 0)
      return 'prisma migrate diff: the live database matches the migrations applied there plus the hotfix';
    if (diff.exitCode === 2) {
      throw findingsError(
        'CHANGE_MISSING',
        `The ${env} database does not have what ${s.migration} describes. Missing:\n${diff.stdout.trim()}`,
        {
          hint: `If it was never patched by hand, apply it instead: hotfix deploy ${s.input.name} --env ${env}`,
          details: { missing: diff.stdout },
        },
      );
    }
    // Typically no right to create Prisma's shadow database on that server: fall back.
    const why =
      (diff.stderr || diff.stdout)
        .trim()
        .split('\n')
        .find((l) => l.trim().length > 0) ?? `exit ${diff.exitCode}`;
    return await catalogCheck(s, `prisma migrate diff could not run (${why.slice(0, 200)})`);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * The check the tool does itself when Prisma's diff is not available: every object the
 * migration adds or removes (indexes, columns, constraints, tables, ...) must be in that state
 * in the live catalog. Statements whose effect the catalog cannot show (data changes, DO
 * blocks) cannot be confirmed this way: they are named, and --skip-check --reason is the way on.
 */
async function catalogCheck(s: Session, why: string): Promise<string> {
  const provider = s.target.provider;
  const env = s.target.env.name;
  if (provider === 'mysql') {
    throw usageError('CHECK_UNAVAILABLE', `No check is available for MySQL here (${why}).`, {
      hint: 'Check the database by hand, then run again with --skip-check --reason "<what you checked>".',
    });
  }
  const schema = provider === 'postgresql' ? pgDefaultSchema(s.target.url) : 'main';
  const sql = await fs.readFile(path.join(s.migrationDir, 'migration.sql'), 'utf8');
  const statements = await analyzeSql(sql, provider, schema);
  const found = await probeObjects(s.target, objectsOf(statements), schema);
  const { parts, unchecked } = migrationParts(statements, (o) => found.get(objectKey(o)) ?? false);
  const missing = parts.filter((p) => !p.present);
  if (missing.length > 0) {
    throw findingsError(
      'CHANGE_MISSING',
      `The ${env} database does not have what ${s.migration} describes (catalog check; ${why}). Missing:\n${missing
        .map((p) => `  ${p.change === 'adds' ? 'no' : 'still has'} ${p.label} (statement ${p.statement})`)
        .join('\n')}`,
      {
        hint: `If it was never patched by hand, apply it instead: hotfix deploy ${s.input.name} --env ${env}`,
      },
    );
  }
  if (unchecked.length > 0 || parts.length === 0) {
    throw usageError(
      'CHECK_INCOMPLETE',
      `The catalog check (${why}) cannot confirm ${unchecked.length > 0 ? unchecked.map((u) => `statement ${u.statement} (${u.why})`).join('; ') : 'a migration that changes no schema object'}.`,
      { hint: 'Check those by hand, then run again with --skip-check --reason "<what you checked>".' },
    );
  }
  return `catalog check (${why}): ${parts.map((p) => `${p.label} ${p.change === 'adds' ? 'present' : 'gone'}`).join(', ')}`;
}
