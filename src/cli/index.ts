import { createInterface } from 'node:readline/promises';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import type { ShowRows } from '../workflow/verify-sql.js';
import { createPorts } from './ports.js';
import type { Ports } from '../workflow/ports.js';
import type { Deps } from '../workflow/deps.js';
import { cwdMissingError, ExitCode, HotfixError, isHotfixError } from '../core/errors.js';
import { redact, secretsOfUrl } from '../core/redact.js';
import { errorJson, makeChalk, renderError, rowsTable } from '../ui/output.js';
import { addHelp, PROGRAM_HELP } from './help.js';
import type { CliKit } from './kit.js';
import { helpPointer, requestedFormat, usageFailure, type OutputFormat } from './usage.js';
import * as checklist from './checklist.js';
import * as deploy from './deploy.js';
import * as finish from './finish.js';
import * as lint from './lint.js';
import * as report from './report.js';
import * as rehash from './rehash.js';
import * as resolve from './resolve.js';
import * as rollback from './rollback.js';
import * as start from './start.js';
import * as status from './status.js';
import * as verify from './verify.js';

export interface CliIo {
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown; isTTY?: boolean };
  stdin?: NodeJS.ReadableStream & { isTTY?: boolean };
  env: Record<string, string | undefined>;
  cwd: string;
  version: string;
  /** The outside world; the real one (cli/ports.ts) unless a test brings fakes. */
  ports?: Ports | undefined;
  now?: (() => Date) | undefined;
  /** A test's clock for waits (--wait-for-locks). */
  sleep?: ((ms: number) => Promise<void>) | undefined;
  /** A test's answers to the [y/N] prompt (as a person at a terminal would give them). */
  confirm?: ((question: string) => Promise<boolean>) | undefined;
  /** A test's answers to a choice (rollback's scope). */
  choose?: ((question: string, choices: string[]) => Promise<string | undefined>) | undefined;
}

/** Values of variables that look like credentials: masked in everything we print. */
function secretsFromEnv(env: Record<string, string | undefined>): string[] {
  return (
    Object.entries(env)
      .filter(
        ([key, value]) =>
          /URL|PASSWORD|DSN|SECRET|TOKEN/i.test(key) && value !== undefined && value.length >= 8,
      )
      // The value whole, and the password inside it: printed text may quote a URL only in part.
      .flatMap(([, value]) => [value!, ...secretsOfUrl(value)])
  );
}

/**
 * Adds every command to `program`, in the order `hotfix --help` lists them. Exported so that a
 * test can walk the commands as registered (each one's --help), not a list of its own.
 */
export function registerCommands(program: Command, kit: CliKit): void {
  for (const command of [
    start,
    status,
    resolve,
    deploy,
    lint,
    rollback,
    verify,
    checklist,
    finish,
    report,
    rehash,
  ])
    command.register(program, kit);
}

/** Wires argv to commands and renders results. Returns the exit code; never exits. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const secrets = secretsFromEnv(io.env);
  const out = (text: string) => io.stdout.write(redact(text, secrets));
  const err = (text: string) => io.stderr.write(redact(text, secrets));
  const chalkOut = makeChalk(io.stdout, io.env);
  const chalkErr = makeChalk(io.stderr, io.env);
  let exitCode: number = ExitCode.ok;
  // A guess from argv until the command's options are parsed: a usage error comes before that.
  let format: OutputFormat = requestedFormat(argv);
  // The subcommand whose parsing failed, for the help a usage error points to.
  let failedCommand: string | undefined;
  // --show-rows, read before the action runs (deploy, resolve, verify have it).
  let showRowsAsked = false;
  const cwdOption = () => program.opts<{ cwd?: string }>().cwd;
  const projectDir = () => {
    const dir = cwdOption();
    return dir ? (dir.startsWith('/') ? dir : `${io.cwd}/${dir}`) : io.cwd;
  };

  const program = new Command()
    .name('hotfix')
    .description('Safe, recorded production database hotfixes for Prisma Migrate.')
    .version(io.version, '-V, --version')
    .option('-C, --cwd <dir>', 'run as if started in <dir> (the project root)')
    .option('--config <file>', 'hotfix config file (default: hotfix.config.json)')
    .option(
      '--wait <seconds>',
      'wait up to <seconds> for the lock another hotfix command holds in this repository (default: fail at once)',
      (v: string) => {
        if (!/^\d+$/.test(v) || Number(v) > 3600)
          throw new InvalidArgumentError('a whole number of seconds from 0 to 3600');
        return Number(v);
      },
    )
    .option('--force-unlock', 'remove a stale hotfix lock first: only one of this host whose process is gone')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => out(s),
      writeErr: (s) => err(s),
      // A machine reading the output gets the error as a document instead (below).
      outputError: (s, write) => (format === 'text' ? write(s) : undefined),
    })
    // Before the action runs, so that an error it throws prints in the asked format too.
    .hook('preAction', async (_program, command) => {
      const opts = command.opts<{ json?: boolean; format?: OutputFormat; showRows?: boolean }>();
      format = opts.json === true ? 'json' : (opts.format ?? 'text');
      showRowsAsked = opts.showRows === true;
      // Every command runs in this folder: a typo in -C is a usage error whatever the command.
      if (cwdOption() === undefined) return;
      const kind = await ports.files.kind(projectDir());
      if (kind !== 'dir') throw cwdMissingError(projectDir(), kind !== undefined);
    });

  const ports = io.ports ?? createPorts();
  const deps = (): Deps => {
    const opts = program.opts<{ cwd?: string; config?: string; forceUnlock?: boolean; wait?: number }>();
    return {
      cwd: projectDir(),
      configPath: opts.config,
      forceUnlock: opts.forceUnlock === true,
      waitSeconds: opts.wait,
      ports,
      env: io.env,
      now: io.now ?? (() => new Date()),
      sleep: io.sleep,
      progress: (line) => err(`${chalkErr.dim(line)}\n`),
      // Spinners only for a person at a terminal: never in --json, CI or NO_COLOR output.
      task:
        io.stderr.isTTY && format === 'text' && !io.env.CI && !io.env.NO_COLOR
          ? async (label, fn) =>
              (await import('./task.js')).runTask(process.stderr, redact(label, secrets), fn)
          : undefined,
      showRows: showRows(),
      // Only a person at a terminal can confirm; CI (no TTY, or CI set) must pass --yes.
      confirm:
        io.confirm ??
        (ask ? async (question: string) => /^y(es)?$/i.test(await ask(`${question} [y/N] `)) : undefined),
      choose:
        io.choose ??
        (ask
          ? async (question: string, choices: string[]) => {
              const answer = (await ask(`${question}\n[${choices.join('/')}] `)).toLowerCase();
              return choices.find((c) => c === answer || (answer.length > 0 && c.startsWith(answer)));
            }
          : undefined),
    };
  };

  /** A line typed at the terminal; absent where nobody can answer (no TTY, or CI set). */
  const ask =
    io.stdin?.isTTY && io.stderr.isTTY && !io.env.CI
      ? async (prompt: string): Promise<string> => {
          const rl = createInterface({ input: io.stdin!, output: process.stderr });
          try {
            return (await rl.question(prompt)).trim();
          } catch (error) {
            // Ctrl-C or Ctrl-D at the prompt is an answer, not a bug: nothing ran yet.
            if (['ABORT_ERR', 'ERR_USE_AFTER_CLOSE'].includes((error as { code?: string }).code ?? ''))
              throw new HotfixError('interrupted', 'ABORTED', 'Aborted at the prompt: nothing was changed.');
            throw error;
          } finally {
            rl.close();
          }
        }
      : undefined;

  /**
   * Row values go to a person's terminal and nowhere else: not stdout (a pipe, a --json
   * document), not CI logs. Asked for elsewhere, the person is told why nothing is shown.
   */
  const showRows = (): ShowRows | undefined => {
    if (!showRowsAsked) return undefined;
    if (!io.stderr.isTTY || io.env.CI) {
      err(
        `${chalkErr.dim('--show-rows: row values are shown only at a terminal, never in CI or a pipe; counts and keys are below.')}\n`,
      );
      return undefined;
    }
    return (query, columns, rows) => err(`${chalkErr.dim(rowsTable(query, columns, rows))}\n`);
  };

  const kit: CliKit = {
    deps,
    print: (result, { json: asJson, text, toJson, exitCode: exitCodeOf }) => {
      const document = toJson ? toJson(result) : { ok: true, ...result };
      out(asJson ? `${JSON.stringify(document, null, 2)}\n` : text(chalkOut, result));
      exitCode = exitCodeOf ? exitCodeOf(result) : ExitCode.ok;
    },
    mask: (text) => redact(text, secrets),
  };
  addHelp(program, PROGRAM_HELP);
  registerCommands(program, kit);
  const textErrors = format === 'text';
  if (textErrors) program.showHelpAfterError(`(run ${helpPointer(undefined)} for usage)`);
  for (const command of program.commands) {
    requiredAfterUnknown(command);
    if (textErrors) command.showHelpAfterError(`(run ${helpPointer(command.name())} for usage)`);
    command.exitOverride((error) => {
      failedCommand = command.name();
      throw error;
    });
  }

  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    // help and --version end here with exit code 0; in text, parse errors were already printed.
    if (error instanceof CommanderError && (error.exitCode === 0 || format === 'text')) {
      return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    const failure = isHotfixError(error)
      ? error
      : error instanceof CommanderError
        ? usageFailure(error, failedCommand)
        : (diskFull(error) ??
          new HotfixError(
            'infra',
            'UNEXPECTED',
            `Unexpected error: ${error instanceof Error ? error.message : String(error)}`,
            {
              hint: 'This is probably a bug in prisma-hotfix; the stack trace follows with DEBUG=hotfix.',
              cause: error,
            },
          ));
    if (!isHotfixError(error) && io.env.DEBUG?.includes('hotfix') && error instanceof Error)
      err(`${error.stack}\n`);
    out(await errorDocument(format, failure, program.opts<{ config?: string }>().config));
    err(renderError(chalkErr, failure));
    exitCode = failure.exitCode;
  }
  return exitCode;
}

/**
 * commander checks required options before it looks for unknown ones, so a typo in a required
 * option (`--envv staging`) read "required option '--env' not specified", hiding the typo and
 * its "Did you mean --env?". Checked instead just before the action, after commander has
 * refused unknown options and missing arguments: the same error, in the same words.
 */
function requiredAfterUnknown(command: Command): void {
  const required = command.options.filter((option) => option.mandatory);
  if (required.length === 0) return;
  for (const option of required) option.mandatory = false;
  command.hook('preAction', (cmd) => {
    for (const option of required) {
      if (cmd.getOptionValue(option.attributeName()) === undefined)
        cmd.error(`error: required option '${option.flags}' not specified`, {
          code: 'commander.missingMandatoryOptionValue',
        });
    }
  });
}

/** An error in the format asked for, for stdout; nothing in text (stderr has it for people). */
async function errorDocument(format: OutputFormat, failure: HotfixError, configPath: string | undefined) {
  if (format === 'json') return `${JSON.stringify(errorJson(failure), null, 2)}\n`;
  if (format === 'text') return '';
  const ci = await import('../ui/verify-ci.js');
  if (format === 'github') return ci.githubError(failure);
  return `${JSON.stringify(ci.codeClimateError(failure, configPath ?? 'hotfix.config.json'), null, 2)}\n`;
}

/**
 * A full disk (or quota) wherever it struck, outside the writes that name their file: never
 * "probably a bug". What each step keeps is said where it writes; here, how to go on.
 */
function diskFull(error: unknown): HotfixError | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code !== 'ENOSPC' && code !== 'EDQUOT') return undefined;
  const file = (error as NodeJS.ErrnoException).path;
  return new HotfixError(
    'infra',
    'DISK_FULL',
    `No space left on the device${file ? ` (writing ${file})` : ''}: ${(error as Error).message}. The command stopped there.`,
    {
      hint: `Free some space${file ? ` on the file system of ${file}` : ''} (df -h), check where things stand with hotfix status, then run the same command again.`,
      cause: error,
    },
  );
}
