import path from 'node:path';
import type { DownState, RowCount } from '../core/plan/confirm-summary.js';
import type { DeployFacts } from '../core/plan/deploy.js';
import { checksumMatches, sha256Hex } from '../core/checksum.js';
import { rowState } from '../core/migration-state.js';
import { environmentRows } from './db-state.js';
import { scanSql } from '../core/sql/lexer.js';
import { downKind } from '../core/templates.js';
import { relativeTo } from '../core/text.js';
import { countQueryFor } from '../core/verify-sql.js';
import { lintFiles } from './lint-gate.js';
import type { Session } from './session.js';
import { readOnlyCount, verifyQueryCount } from './verify-sql.js';

/** The flags of deploy that its facts carry. */
export interface DeployOptions {
  includePending?: boolean | undefined;
  acceptRisk?: boolean | undefined;
  backup?: boolean | undefined;
  rollbackPlan?: boolean | undefined;
}

/** Everything deploy's plan needs, read now (core/plan/deploy.ts decides). */
export async function gatherDeployFacts(s: Session, input: DeployOptions): Promise<DeployFacts> {
  const base = await s.envFacts();
  const pendingSql = await Promise.all(
    base.db.pending.map(async (migration) => ({
      migration,
      sql: (await s.ports.files.read(path.join(s.migrationsDir, migration, 'migration.sql'))) ?? '',
    })),
  );
  const relDir = relativeTo(s.projectRoot, s.migrationsDir);
  const lint = await lintFiles(
    pendingSql.map((m) => ({
      file: `${relDir}/${m.migration}/migration.sql`,
      sql: m.sql,
      hotfix: m.migration === s.migration,
    })),
    s.migrationsDir,
    s.projectRoot,
    s.ports.files,
  );
  return {
    ...base,
    pendingSql,
    lint,
    file: `${relDir}/${s.migration}/migration.sql`,
    includePending: input.includePending === true,
    acceptRisk: input.acceptRisk === true,
    verifyQueries: await verifyQueryCount(s.ports, s),
    backup: input.backup === true,
    provider: s.target.provider,
    // Counted only where someone is asked (protected), read-only, 5 s at most.
    rowCounts: s.target.env.protected ? await countRows(s, pendingSql) : [],
    down: downState(await s.ports.files.read(path.join(s.migrationsDir, s.migration, 'down.sql'))),
    noRollbackPlan: input.rollbackPlan === false,
    appliedElsewhere: await appliedElsewhere(s, pendingSql),
    checksums: Object.fromEntries(
      pendingSql
        .filter((m) => s.migrations.includes(m.migration))
        .map((m) => [m.migration, sha256Hex(m.sql)]),
    ),
  };
}

const downState = (text: string | undefined): DownState => downKind(text);

/** How many rows each DELETE/UPDATE would touch now: read-only, under a 5 s statement timeout. */
export async function countRows(
  s: Session,
  pending: { migration: string; sql: string }[],
): Promise<RowCount[]> {
  const out: RowCount[] = [];
  for (const m of pending) {
    for (const st of scanSql(m.sql, s.target.provider).statements) {
      const statement = m.sql.slice(st.start, st.end).trim();
      const query = countQueryFor(statement);
      if (!query) continue;
      const result = await readOnlyCount(s.ports, s.target, query, COUNT_TIMEOUT_MS).catch(() => undefined);
      const n = result && 'n' in result ? result.n : Number.NaN;
      out.push(
        Number.isFinite(n)
          ? { migration: m.migration, statement, rows: n }
          : {
              migration: m.migration,
              statement,
              rows: null,
              note:
                result && 'error' in result && result.error.code === '57014'
                  ? 'could not count in 5 s'
                  : 'could not count',
            },
      );
    }
  }
  return out;
}

const COUNT_TIMEOUT_MS = 5_000;

/**
 * Other environments' `_prisma_migrations` for the pending hotfix migrations, where their URL
 * is set, read side by side: whether migration.sql still matches what ran there. An
 * environment that cannot be read is left to the ledger's record.
 */
async function appliedElsewhere(
  s: Session,
  pending: { migration: string; sql: string }[],
): Promise<{ env: string; migration: string; matches: boolean }[]> {
  const ours = pending.filter((m) => s.migrations.includes(m.migration));
  if (ours.length === 0) return [];
  const others = Object.keys(s.config.environments).filter((name) => name !== s.target.env.name);
  const per = await Promise.all(
    others.map(async (env) => {
      const read = await environmentRows(s.ports, s.config, env, s.deps.env, s.projectRoot);
      if ('why' in read) return [];
      return ours.flatMap((m) => {
        const row = read.rows.filter((r) => r.migrationName === m.migration).at(-1);
        return row && rowState(row) === 'applied'
          ? [{ env, migration: m.migration, matches: checksumMatches(m.sql, row.checksum) }]
          : [];
      });
    }),
  );
  return per.flat();
}
