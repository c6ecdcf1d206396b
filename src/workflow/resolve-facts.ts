import path from 'node:path';
import { prismaTarget } from '../core/target.js';
import { connectCause } from '../core/connect-cause.js';
import { infraError, usageError } from '../core/errors.js';
import type { DbMigrationState } from '../core/migration-state.js';
import {
  diffNotRun,
  type CheckFacts,
  type DiffState,
  type VerifySqlState,
} from '../core/plan/resolve-check.js';
import type { StatementProof } from '../core/proof/types.js';
import { expectPostgres } from '../core/proof/expect-postgres.js';
import { expectSqlite } from '../core/proof/expect-sqlite.js';
import { judge } from '../core/proof/judge.js';
import { pgDefaultSchema } from '../core/sql/objects.js';
import { loadParser } from '../core/sql/parser.js';
import { relativeTo } from '../core/text.js';
import { scratchHistory } from './project-files.js';
import type { Session } from './session.js';
import { verifySqlState } from './verify-sql.js';

/**
 * Everything resolve's check reads before it marks a migration applied: each statement held
 * against the live catalog, verify.sql run read-only, and Prisma's diff where it can run.
 */
export async function gatherCheckFacts(s: Session, state: DbMigrationState): Promise<CheckFacts> {
  const provider = s.target.provider;
  if (provider === 'mysql') {
    throw usageError(
      'CHECK_UNAVAILABLE',
      'No check is available for MySQL here: the catalog check reads PostgreSQL and SQLite.',
      {
        hint: 'Check the database by hand, then run again with --skip-check --reason "<what you checked>".',
      },
    );
  }
  if (provider === 'postgresql') await loadParser();
  // Every part of the hotfix, statement by statement, numbered on through the parts.
  const proofs: StatementProof[] = [];
  for (const m of s.migrations) {
    const sql = (await s.ports.files.read(path.join(s.migrationsDir, m, 'migration.sql'))) ?? '';
    const part =
      provider === 'postgresql' ? expectPostgres(sql, pgDefaultSchema(s.target.url)) : expectSqlite(sql);
    const offset = proofs.length;
    proofs.push(...part.map((p) => ({ ...p, statement: p.statement + offset })));
  }
  const facts = await s.ports.db.readCatalog(
    s.target,
    proofs.flatMap((p) => p.checks.map((c) => c.query)),
  );
  const [verifySqls, diff] = await Promise.all([
    Promise.all(
      s.migrations.map((m) =>
        verifySqlState(
          { ports: s.ports, showRows: s.deps.showRows },
          s.target,
          path.join(s.migrationsDir, m),
        ),
      ),
    ),
    prismaDiff(s, state),
  ]);
  return {
    env: s.target.env.name,
    hotfix: s.input.name,
    migration: s.migration,
    verifyPath: relativeTo(s.projectRoot, path.join(s.migrationDir, 'verify.sql')),
    verdicts: judge(proofs, facts),
    verifySql: worstOf(verifySqls),
    diff,
  };
}

/** The parts' verify.sql results as one: a failure anywhere decides; else the proofs add up. */
function worstOf(states: VerifySqlState[]): VerifySqlState {
  const rank = ['error', 'not-read-only', 'fails'] as const;
  for (const r of rank) {
    const hit = states.find((st) => st.state === r);
    if (hit) return hit;
  }
  const holds = states.filter(
    (st): st is Extract<VerifySqlState, { state: 'holds' }> => st.state === 'holds',
  );
  if (holds.length > 0) return { state: 'holds', queries: holds.reduce((n, h) => n + h.queries, 0) };
  return states.find((st) => st.state === 'template') ?? states[0] ?? { state: 'missing' };
}

/**
 * Prisma's comparison of the live database with a replay of the migrations applied there plus
 * the hotfix (in a temporary shadow database). It sees what Prisma's schema models; where it
 * cannot run (Prisma 6, no right to create the shadow database) it says why, and the catalog
 * check stands alone.
 */
async function prismaDiff(s: Session, state: DbMigrationState): Promise<DiffState> {
  const prisma = await s.prisma();
  if (prisma.major === 6) {
    return {
      state: 'not-run',
      why: `Prisma ${prisma.version} cannot diff a migrations folder without a URL on its command line`,
    };
  }
  const applied = state.rows
    .filter((r) => state.stateOf(r.migrationName) === 'applied')
    .map((r) => r.migrationName);
  const files = s.ports.files;
  const scratch = await scratchHistory(
    files,
    s.migrationsDir,
    new Set([...applied, ...s.migrations]),
    'hotfix-check-',
  );
  try {
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
    if (diff.outcome.kind === 'unreachable') {
      const why = connectCause(diff.outcome, s.target.env);
      throw infraError(
        why.code,
        `prisma could not connect to the ${s.target.env.name} database for the check: ${why.what} (${diff.outcome.code}).`,
        { hint: why.hint },
      );
    }
    if (diff.exitCode === 0) return { state: 'matches' };
    if (diff.exitCode === 2) return { state: 'missing', sql: diff.stdout };
    // Typically no right to create Prisma's shadow database on that server (P1010): said with
    // Prisma's code and message, never its banner ("Loaded Prisma config from ...").
    return diffNotRun(diff);
  } finally {
    await files.remove(scratch);
  }
}
