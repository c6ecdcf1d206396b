import { tablesOf } from '../sql/tables.js';
import type { LintSummary } from './types.js';

/** A DELETE/UPDATE and how many rows it would touch now (null: could not count). */
export interface RowCount {
  migration: string;
  statement: string;
  rows: number | null;
  note?: string | undefined;
}

export type DownState = 'filled' | 'template' | 'missing';

const SHOWN_LINES = 6;

/**
 * What a person reads before saying yes on a protected environment: the SQL (its first lines
 * and how many more), the tables it touches, the rows a DELETE or UPDATE would reach now, whether
 * there is a way back (down.sql), and the lint verdict. Pure; the facts are read before.
 */
export function deploySummary(f: {
  sql: { migration: string; sql: string }[];
  rowCounts: RowCount[];
  down: DownState;
  lint: LintSummary;
}): string[] {
  const out: string[] = [];
  for (const m of f.sql) {
    const lines = m.sql
      .split('\n')
      .map((l) => l.trimEnd())
      .filter((l) => l.trim() !== '' && !/^\s*--/.test(l));
    out.push(`Will run ${m.migration} (${lines.length} line${lines.length === 1 ? '' : 's'} of SQL):`);
    out.push(...lines.slice(0, SHOWN_LINES).map((l) => `  | ${l}`));
    if (lines.length > SHOWN_LINES) out.push(`  | ... ${lines.length - SHOWN_LINES} more line(s)`);
  }
  const tables = [...new Set(f.sql.flatMap((m) => tablesOf(m.sql)))];
  if (tables.length > 0) out.push(`Tables: ${tables.map((t) => `"${t}"`).join(', ')}`);
  for (const c of f.rowCounts) {
    const what = c.statement.replace(/\s+/g, ' ').slice(0, 70);
    out.push(
      `Rows: ${c.rows === null ? (c.note ?? 'could not count') : `${c.rows.toLocaleString('en-US')} row(s) now`} for ${what}`,
    );
  }
  out.push(
    f.down === 'filled'
      ? 'Way back: down.sql is filled in (hotfix rollback runs it)'
      : f.down === 'template'
        ? 'Way back: NONE - down.sql is still the unfilled template'
        : 'Way back: NONE - there is no down.sql',
  );
  const { errors, warnings } = f.lint;
  out.push(
    errors + warnings === 0
      ? 'Lint: no findings'
      : `Lint: ${errors} error(s), ${warnings} warning(s) (hotfix lint shows them)`,
  );
  return out;
}
