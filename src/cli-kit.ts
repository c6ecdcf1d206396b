import type { ChalkInstance } from 'chalk';
import type { Command } from 'commander';
import type { Deps } from './commands/deps.js';

/** What a command's CLI wiring gets from runCli: output, deps, and the JSON/exit switches. */
export interface CliKit {
  deps(opts: { cwd?: string; config?: string }): Deps;
  /** Writes to stdout (redacted). */
  out(text: string): void;
  /** Writes to stderr (redacted). */
  err(text: string): void;
  chalkOut: ChalkInstance;
  /** Say that this run prints JSON (errors then print as one JSON document too). */
  setJson(json: boolean): void;
  /** Exit code when the command returns normally (e.g. 1 for findings). */
  setExitCode(code: number): void;
  /** Prints a command's result: `{ok: true, ...result}` with --json, else its text rendering. */
  print<R extends object>(result: R, json: boolean, render: (c: ChalkInstance, result: R) => string): void;
}

/** The options every environment-changing command shares. */
export function envOptions(cmd: Command): Command {
  return cmd
    .requiredOption('--env <env>', 'environment name from hotfix.config.json (default config: production)')
    .option('--reason <text>', 'why, recorded in the ledger')
    .option('-y, --yes', 'confirm a protected environment without a prompt (required without a terminal)')
    .option('--no-commit', 'leave the ledger change staged instead of committing it')
    .option('--json', 'print one JSON document on stdout');
}
