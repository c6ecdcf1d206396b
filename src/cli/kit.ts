import type { ChalkInstance } from 'chalk';
import { InvalidArgumentError, type Command } from 'commander';
import type { Deps } from '../workflow/deps.js';

/** How a command's result is printed: its text rendering, or one JSON document with --json. */
export interface PrintOptions<R> {
  json: boolean;
  text: (c: ChalkInstance, result: R) => string;
  /** The command's own JSON document; `{ok: true, ...result}` when absent. */
  toJson?: (result: R) => unknown;
  /** Exit code of a normal return (e.g. 1 for findings); 0 when absent. */
  exitCode?: (result: R) => number;
}

/**
 * What a command module gets from runCli. Commands only build their input, call their
 * implementation and hand the result to `print`: that is the one place output and the exit
 * code of a normal return are decided. (Whether errors print as JSON is read from --json by
 * runCli before the action runs.)
 */
export interface CliKit {
  /** The command's dependencies, with the global -C/--cwd and --config applied. */
  deps(): Deps;
  print<R extends object>(result: R, options: PrintOptions<R>): void;
  /** Credentials masked, as in everything printed: for text written elsewhere (a CI summary file). */
  mask(text: string): string;
}

/** The options every environment-changing command shares. */
export function envOptions(cmd: Command): Command {
  return cmd
    .requiredOption(
      '--env <env>',
      'required: an environment of hotfix.config.json (with no config file, the only one is production, at $DATABASE_URL)',
    )
    .option('--reason <text>', 'why, recorded in the ledger')
    .option('-y, --yes', 'confirm a protected environment without a prompt (required without a terminal)')
    .option('--no-commit', 'leave the ledger change staged instead of committing it')
    .option(
      '--wait-for-locks <seconds>',
      'PostgreSQL: first wait up to this long for the sessions holding locks on its tables (or old transactions) to end, instead of queueing behind them',
      (v: string) => {
        if (!/^\d+$/.test(v) || Number(v) > 3600)
          throw new InvalidArgumentError('a whole number of seconds from 0 to 3600');
        return Number(v);
      },
    )
    .option('--json', 'print one JSON document on stdout')
    .option('--show-rows', SHOW_ROWS_HELP);
}

export const SHOW_ROWS_HELP =
  'print the rows verify.sql finds, at a terminal only (never in CI, --json or the ledger, which get counts and keys)';
