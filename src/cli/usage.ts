import type { CommanderError } from 'commander';
import { usageError, type HotfixError } from '../core/errors.js';

/** How results and errors are printed: text for people, or one document for a machine. */
export type OutputFormat = 'text' | 'json' | 'github' | 'gitlab';

/**
 * The format asked for on the command line, read before commander parses it: a usage error
 * (an unknown option, a bad choice) happens before any option is known, and must still come out
 * as one JSON document when `--json` was given. Nothing after `--` counts.
 */
export function requestedFormat(argv: readonly string[]): OutputFormat {
  const end = argv.indexOf('--');
  const args = end === -1 ? argv : argv.slice(0, end);
  let format: OutputFormat = 'text';
  args.forEach((arg, i) => {
    const value = arg === '--format' ? args[i + 1] : arg.startsWith('--format=') ? arg.slice(9) : undefined;
    if (value === 'json' || value === 'github' || value === 'gitlab') format = value;
  });
  return args.includes('--json') ? 'json' : format;
}

// commander's error codes, as the stable codes of our usage errors.
const CODES: Record<string, string> = {
  'commander.unknownOption': 'UNKNOWN_OPTION',
  'commander.unknownCommand': 'UNKNOWN_COMMAND',
  'commander.missingArgument': 'MISSING_ARGUMENT',
  'commander.optionMissingArgument': 'OPTION_VALUE_MISSING',
  'commander.missingMandatoryOptionValue': 'REQUIRED_OPTION_MISSING',
  'commander.invalidArgument': 'INVALID_ARGUMENT',
  'commander.conflictingOption': 'CONFLICTING_OPTIONS',
  'commander.excessArguments': 'TOO_MANY_ARGUMENTS',
  'commander.help': 'COMMAND_MISSING',
};

/** Where a usage error sends people: the failing command's own help. */
export const helpPointer = (command: string | undefined) => `hotfix${command ? ` ${command}` : ''} --help`;

/**
 * A parse error of commander as a HotfixError, so that it prints like every other error (one
 * JSON document with --json). commander's "(Did you mean ...?)" becomes part of the hint.
 */
export function usageFailure(error: CommanderError, command: string | undefined): HotfixError {
  // No command, or `help <unknown>`: commander printed the help (on stderr) as the error.
  const text = error.code === 'commander.help' ? 'no command to run' : error.message.replace(/^error: /, '');
  const suggestion = /\n?\(Did you mean (.+)\?\)\s*$/.exec(text);
  const message = (suggestion ? text.slice(0, suggestion.index) : text).trim().replace(/\.$/, '');
  const guess = suggestion?.[1];
  return usageError(CODES[error.code] ?? 'USAGE', `${message[0]?.toUpperCase() ?? ''}${message.slice(1)}.`, {
    hint: `${guess ? `Did you mean ${guess}? ` : ''}Run ${helpPointer(command)} for usage.`,
    details: { commander: error.code, ...(guess ? { suggestion: guess } : {}) },
  });
}
