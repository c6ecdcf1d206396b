import { Chalk, type ChalkInstance } from 'chalk';
import type { HotfixError } from '../core/errors.js';

/**
 * What every command's output needs, kept apart from the renderers of each result: `--help`
 * and a usage error load this file alone, not the ledger and zod behind the checklists.
 */

/** Colour only for a person at a terminal: never in CI, pipes, or with NO_COLOR. */
export function makeChalk(
  stream: { isTTY?: boolean },
  env: Record<string, string | undefined>,
): ChalkInstance {
  const enabled = stream.isTTY === true && !env.NO_COLOR && !env.CI && env.TERM !== 'dumb';
  return new Chalk({ level: enabled ? 1 : 0 });
}

export function renderError(c: ChalkInstance, error: HotfixError): string {
  const lines = [`${c.red('✖')} ${error.message}`];
  if (error.hint) lines.push(`  ${c.bold('What to do:')} ${error.hint}`);
  lines.push(`  (${error.code}, exit ${error.exitCode})`);
  return `${lines.join('\n')}\n`;
}

export function errorJson(error: HotfixError): Record<string, unknown> {
  return {
    ok: false,
    error: {
      code: error.code,
      kind: error.kind,
      message: error.message,
      hint: error.hint ?? null,
      details: error.details ?? null,
    },
    exitCode: error.exitCode,
  };
}

/** --show-rows: the rows a verify.sql query found, as a small table for a person at a terminal. */
export function rowsTable(query: string, columns: string[], rows: unknown[][]): string {
  const text = (v: unknown) =>
    (v instanceof Date
      ? v.toISOString()
      : typeof v === 'object' && v !== null
        ? JSON.stringify(v)
        : String(v)
    )
      // Control characters from the database never reach the terminal as such.
      // eslint-disable-next-line no-control-regex -- replacing control characters is the point
      .replace(/[\u0000-\u001f\u007f-\u009f]/g, '?')
      .slice(0, 60);
  const cells = [columns.map(text), ...rows.map((r) => r.map(text))];
  const width = columns.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => `    ${r.map((c, i) => c.padEnd(width[i] ?? 0)).join(' | ')}`.trimEnd();
  return [
    `--show-rows (this terminal only): ${query.replace(/\s+/g, ' ').slice(0, 100)}`,
    ...cells.map(line),
  ].join('\n');
}
