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
