import { tablesOf } from '../sql/tables.js';
import { oneLine } from '../text.js';
import type { StatementProved } from './resolve-check.js';
import type { Provider } from '../target.js';
import type { LintSummary } from './types.js';

/** A DELETE/UPDATE and how many rows it would touch now (null: could not count). */
export interface RowCount {
  migration: string;
  statement: string;
  rows: number | null;
  note?: string | undefined;
}

export type { DownKind as DownState } from '../templates.js';
import type { DownKind } from '../templates.js';

const SHOWN_LINES = 6;

/**
 * What a person reads before saying yes on a protected environment: the SQL (its first lines
 * and how many more), the tables it touches, the rows a DELETE or UPDATE would reach now, whether
 * there is a way back (down.sql), and the lint verdict. Pure; the facts are read before.
 */
export function deploySummary(f: {
  provider: Provider;
  sql: { migration: string; sql: string }[];
  rowCounts: RowCount[];
  down: DownKind;
  /** --backup saves what the SQL takes away first: then the backup is a way back. */
  backup: boolean;
  lint: LintSummary;
}): string[] {
  const out = whatRuns(f.provider, f.sql, f.rowCounts);
  const rows = f.rowCounts.reduce((n, c) => n + (c.rows ?? 0), 0);
  const saved =
    f.provider === 'sqlite'
      ? 'a copy of the database file --backup takes first'
      : `the ${rows.toLocaleString('en-US')} row(s) --backup saves first`;
  out.push(
    f.down === 'filled'
      ? `Way back: down.sql is filled in (hotfix rollback runs it)${f.backup ? `; and ${saved} (hotfix rollback --restore)` : ''}`
      : f.backup
        ? `Way back: restore ${saved} (hotfix rollback --restore)`
        : f.down === 'template'
          ? 'Way back: NONE - down.sql is still the unfilled template'
          : f.down === 'empty'
            ? 'Way back: NONE - down.sql holds only comments, no SQL'
            : 'Way back: NONE - there is no down.sql',
  );
  out.push(lintLine(f.lint));
  return out;
}

/** The SQL that will run (its first lines), the tables it touches, the rows it would reach now. */
function whatRuns(
  provider: Provider,
  sql: { migration: string; sql: string }[],
  rowCounts: readonly RowCount[],
): string[] {
  const out: string[] = [];
  for (const m of sql) {
    const lines = m.sql
      .split('\n')
      .map((l) => l.trimEnd())
      .filter((l) => l.trim() !== '' && !/^\s*--/.test(l));
    out.push(`Will run ${m.migration} (${lines.length} line${lines.length === 1 ? '' : 's'} of SQL):`);
    out.push(...lines.slice(0, SHOWN_LINES).map((l) => `  | ${l}`));
    if (lines.length > SHOWN_LINES) out.push(`  | ... ${lines.length - SHOWN_LINES} more line(s)`);
  }
  const tables = [...new Set(sql.flatMap((m) => tablesOf(m.sql, provider)))];
  if (tables.length > 0) out.push(`Tables: ${tables.map((t) => `"${t}"`).join(', ')}`);
  for (const c of rowCounts) {
    const what = c.statement.replace(/\s+/g, ' ').slice(0, 70);
    out.push(
      `Rows: ${c.rows === null ? (c.note ?? 'could not count') : `${c.rows.toLocaleString('en-US')} row(s) now`} for ${what}`,
    );
  }
  return out;
}

const lintLine = (lint: LintSummary | null): string =>
  lint === null
    ? 'Lint: not linted'
    : lint.errors + lint.warnings === 0
      ? 'Lint: no findings'
      : `Lint: ${lint.errors} error(s), ${lint.warnings} warning(s) (hotfix lint shows them)`;

/**
 * What a person reads before a rollback runs on a protected environment: the SQL (down.sql, or
 * the revert migration), its tables and rows, how far it reaches (this environment, or every
 * one, named), and the lint verdict. Nothing is asked before all of it is shown.
 */
export function rollbackSummary(f: {
  provider: Provider;
  env: string;
  sql: { migration: string; sql: string }[];
  rowCounts: readonly RowCount[];
  scope: 'here' | 'everywhere' | 'failed';
  /** The other environments and where the hotfix stands there. */
  others: readonly { name: string; state: string }[];
  lint: LintSummary | null;
}): string[] {
  const out =
    f.sql.length > 0
      ? whatRuns(f.provider, f.sql, f.rowCounts)
      : ['Will run no SQL: nothing of it is in the database'];
  const reached = f.others.filter((o) => o.state !== 'never' && o.state !== 'rolled-back');
  if (f.scope === 'here')
    out.push(
      `Scope: ${f.env} only. Its row is marked rolled back, so its next deploy applies the hotfix again; ${reached.length > 0 ? `${reached.map((o) => `${o.name} (${o.state})`).join(', ')} keep${reached.length === 1 ? 's' : ''} it` : 'no other environment has it'}.`,
    );
  else if (f.scope === 'everywhere')
    out.push(
      `Scope: every environment. The revert migration runs here now, and on its next deploy in ${f.others.length > 0 ? f.others.map((o) => `${o.name} (${o.state === 'never' ? 'never had it: applies the hotfix and its revert' : o.state})`).join(', ') : 'every other environment'}.`,
    );
  else out.push(`Scope: ${f.env}, where the migration failed (no other environment is touched).`);
  out.push(lintLine(f.lint));
  return out;
}

/** Which check proved the change, then each statement and what proved it: resolve's proof. */
export function proofLines(check: string, proof: readonly StatementProved[]): string[] {
  return [
    `check: ${check}`,
    ...proof.flatMap((p) => [`  ${p.statement}. ${oneLine(p.sql, 70)}`, `     proved by ${p.by}`]),
  ];
}

/**
 * What a person reads before resolve marks a migration on a protected environment: what the
 * check proved, statement by statement (or that it was skipped, and on whose word), and that no
 * SQL runs, only rows of _prisma_migrations change. Nothing is asked before all of it is shown.
 */
export function resolveSummary(f: {
  env: string;
  action: 'applied' | 'rolled-back';
  /** The migrations prisma migrate resolve marks, in order. */
  marks: readonly string[];
  check: string;
  proof: readonly StatementProved[];
  /** Why a check did not run and what would make it run. */
  note?: string | undefined;
}): string[] {
  const out: string[] = [];
  if (f.action === 'rolled-back') {
    out.push(
      `Not checked: --rolled-back records that the failed migration was reverted by hand on ${f.env}; a later deploy applies it again.`,
    );
  } else if (f.check.startsWith('skipped: ')) {
    out.push(
      `Check SKIPPED (--skip-check): ${f.check.slice('skipped: '.length)}`,
      'Nothing was proved against the database: it is recorded on your word (the ledger says so).',
    );
  } else {
    out.push(
      `Proved on ${f.env} just now (read-only):`,
      ...proofLines(f.check, f.proof).map((l) => `  ${l}`),
    );
    if (f.note) out.push(`  note: ${f.note}`);
  }
  out.push(
    `Will run no SQL: prisma migrate resolve --${f.action} records ${f.marks.join(', ')} as ${f.action} in _prisma_migrations.`,
  );
  return out;
}
