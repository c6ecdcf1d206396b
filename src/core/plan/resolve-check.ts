import { findingsError, infraError, usageError } from '../errors.js';
import type { StatementVerdict } from '../proof/judge.js';
import { flatLine, prismaCause } from '../prisma-output.js';
import { oneLine } from '../text.js';
import { failingText, SHOW_ROWS_NOTE, type FailingQuery } from '../verify-rows.js';

/**
 * resolve marks a migration applied without running it, so it must prove that the database
 * already has every statement: the catalog check proves each schema change by its definition,
 * verify.sql proves what a catalog cannot show (data), and Prisma's diff, where it can run,
 * adds its own comparison. What none of them proves is named, and resolve refuses.
 */

export type VerifySqlState =
  | { state: 'missing' | 'template' | 'empty' }
  | { state: 'not-read-only'; statements: number[] }
  | { state: 'holds'; queries: number }
  | { state: 'fails'; failing: FailingQuery[] }
  | { state: 'error'; query: string; code: string | undefined; message: string };

export type DiffState =
  | { state: 'matches' }
  | { state: 'missing'; sql: string }
  /** `why`: Prisma's code and message; `fix`: what makes it run, when known (no shadow database). */
  | { state: 'not-run'; why: string; fix?: string | undefined };

export interface CheckFacts {
  env: string;
  hotfix: string;
  migration: string;
  /** verify.sql, relative to the project root. */
  verifyPath: string;
  verdicts: StatementVerdict[];
  verifySql: VerifySqlState;
  diff: DiffState;
}

/** How each statement was proved, for the output and the ledger. */
export interface StatementProved {
  statement: number;
  sql: string;
  by: string;
}

export interface CheckResult {
  /** One line: which checks proved it. */
  summary: string;
  statements: StatementProved[];
  /** Why a check did not run and what would make it run (no shadow database for the diff). */
  note?: string | undefined;
}

export function judgeResolveCheck(f: CheckFacts): CheckResult {
  const deploy = `If it was never patched by hand, apply it instead: hotfix deploy ${f.hotfix} --env ${f.env}`;
  const diffNote = f.diff.state === 'not-run' ? `; ${f.diff.why}` : '';
  // What would make Prisma's diff run (a shadow database), after what the catalog found.
  const diffFix = f.diff.state === 'not-run' && f.diff.fix ? `\nprisma migrate diff: ${f.diff.fix}` : '';
  const failed = f.verdicts.filter((v) => v.status === 'failed');
  if (failed.length > 0 || f.diff.state === 'missing') {
    const lines = failed.map((v) => `  statement ${v.statement} (${oneLine(v.sql, 80)}): ${v.detail}`);
    if (f.diff.state === 'missing')
      lines.push(`  prisma migrate diff, what the database lacks:\n${f.diff.sql.trim()}`);
    throw findingsError(
      'CHANGE_MISSING',
      `The ${f.env} database does not have what ${f.migration} describes (catalog check${diffNote}). Missing:\n${lines.join('\n')}${diffFix}`,
      {
        hint: deploy,
        details: { statements: failed, ...(f.diff.state === 'missing' ? { missing: f.diff.sql } : {}) },
      },
    );
  }
  const v = f.verifySql;
  if (v.state === 'not-read-only') {
    throw usageError(
      'VERIFY_SQL_NOT_READ_ONLY',
      `${f.verifyPath} must hold only queries (SELECT); statement ${v.statements.join(', ')} would change something.`,
      { hint: `Rewrite them as SELECTs that return the rows still wrong, then run the same command again.` },
    );
  }
  if (v.state === 'error') {
    const make = v.code === '57014' ? infraError : findingsError;
    throw make(
      v.code === '57014' ? 'VERIFY_SQL_TIMEOUT' : 'VERIFY_SQL_ERROR',
      `A query of ${f.verifyPath} failed on ${f.env}${v.code ? ` (${v.code})` : ''}: ${v.message}\n  ${oneLine(v.query)}`,
      {
        hint:
          v.code === '57014'
            ? 'It ran out of time: make it cheaper (an index, a LIMIT), or retry in a quieter moment.'
            : `Fix ${f.verifyPath} and run the same command again.`,
      },
    );
  }
  if (v.state === 'fails') {
    throw findingsError(
      'CHANGE_MISSING',
      `${f.verifyPath} finds rows on ${f.env}: the hotfix does not hold there.\n${failingText(v.failing)}\n${SHOW_ROWS_NOTE}`,
      { hint: deploy, details: { failing: v.failing } },
    );
  }
  const unprovable = f.verdicts.filter((x) => x.status === 'unprovable');
  if (unprovable.length > 0 && v.state !== 'holds') {
    throw findingsError(
      'CHECK_INCOMPLETE',
      `The catalog check cannot confirm ${unprovable.map((u) => `statement ${u.statement} (${u.detail}: ${oneLine(u.sql, 60)})`).join('; ')}, and ${f.verifyPath} ${v.state === 'template' ? 'is still the template' : v.state === 'missing' ? 'does not exist' : 'has no query'} to prove it.`,
      {
        hint: `Write in ${f.verifyPath} a query that returns the rows still wrong (none when the fix holds) and run again; or check by hand and run again with --skip-check --reason "<what you checked>".`,
      },
    );
  }
  const statements = f.verdicts
    .filter((x) => x.status !== 'trivial')
    .map((x) => ({
      statement: x.statement,
      sql: x.sql,
      by:
        x.status === 'proved'
          ? `catalog: ${x.detail}`
          : `${f.verifyPath}: ${v.state === 'holds' ? `${v.queries} quer${v.queries === 1 ? 'y' : 'ies'}, no rows` : ''} (${x.detail})`,
    }));
  const catalog = statements
    .filter((s) => s.by.startsWith('catalog: '))
    .map((s) => s.by.slice('catalog: '.length));
  const parts = [
    ...(f.diff.state === 'matches'
      ? ['prisma migrate diff (the live database matches the migrations applied there plus the hotfix)']
      : []),
    `catalog check${f.diff.state === 'not-run' ? ` (${f.diff.why})` : ''}: ${catalog.join(', ') || 'nothing to look up'}`,
    ...(v.state === 'holds'
      ? [`${f.verifyPath}: ${v.queries} quer${v.queries === 1 ? 'y' : 'ies'}, no rows`]
      : []),
  ];
  const note = f.diff.state === 'not-run' ? f.diff.fix : undefined;
  return { summary: parts.join('; '), statements, ...(note ? { note } : {}) };
}

/**
 * Why Prisma's diff did not run, in Prisma's words (its code and message). A role that may not
 * create the shadow database is named as such, with the fix; the catalog check needs none.
 */
export function diffNotRun(diff: { exitCode: number; stdout: string; stderr: string }): DiffState {
  const cause = prismaCause(diff.stdout, diff.stderr);
  const said = flatLine(cause.text || `exit ${diff.exitCode}, no message`, 300);
  if (!cause.shadowDenied) return { state: 'not-run', why: `prisma migrate diff could not run: ${said}` };
  return {
    state: 'not-run',
    why: `prisma migrate diff could not run: ${said}: the role cannot create a shadow database`,
    fix: SHADOW_FIX,
  };
}

/** What to do when the role cannot create the shadow database Prisma's diff replays into. */
export const SHADOW_FIX =
  "this role cannot create the temporary shadow database prisma migrate diff replays the migrations into; the catalog check needs none and decided alone. For Prisma's diff as well, set shadowDatabaseUrl in the Prisma config (a scratch database Prisma may empty, never production).";
