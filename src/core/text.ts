import path from 'node:path';

/** Small text helpers shared by commands and renderers (one copy each). */

/** Forward slashes: how git and the ledger name paths on every platform. */
export const toPosix = (p: string): string => p.split(path.sep).join('/');

/** `file` relative to `root`, with forward slashes. */
export const relativeTo = (root: string, file: string): string => toPosix(path.relative(root, file));

/** Indents every line of `text` (trailing whitespace dropped). */
export function indent(text: string, pad = '    '): string {
  return text
    .trimEnd()
    .split('\n')
    .map((line) => `${pad}${line}`)
    .join('\n');
}

/** SQL on one line, comments dropped, cut to `max` characters: for lists in messages. */
export function oneLine(sql: string, max = 120): string {
  const flat = sql
    .replace(/--[^\n]*/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** A statement on one line, whitespace collapsed (comments kept), at most `max` characters: lint findings. */
export function excerpt(text: string, max = 100): string {
  const flat = text
    .slice(0, max * 4)
    .replace(/\s+/g, ' ')
    .trim();
  return flat.length > max || text.length > max * 4 ? `${flat.slice(0, max - 1)}…` : flat;
}

/** One argument as a POSIX shell reads it back: bare when safe, else in single quotes. */
export function shellQuote(arg: string): string {
  if (/^[A-Za-z0-9_/.,:=@%+-]+$/.test(arg)) return arg;
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

/** A command line that can be pasted into a shell: `hotfix start x --reason 'slow page'`. */
export const shellLine = (args: readonly string[]): string => args.map(shellQuote).join(' ');
