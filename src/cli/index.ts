import { createInterface } from 'node:readline/promises';
import { Command, CommanderError } from 'commander';
import type { Exec } from '../adapters/exec.js';
import type { Deps } from '../workflow/deps.js';
import { ExitCode, HotfixError, isHotfixError } from '../core/errors.js';
import { redact, secretsOfUrl } from '../core/redact.js';
import { errorJson, makeChalk, renderError } from '../ui/render.js';
import type { CliKit } from './kit.js';
import * as checklist from './checklist.js';
import * as deploy from './deploy.js';
import * as finish from './finish.js';
import * as lint from './lint.js';
import * as report from './report.js';
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

// Loaded on first use: execa is a large module graph that `--help` or `status` never need.
const exec: Exec = async (file, args, options) =>
  (await import('../adapters/exec.js')).exec(file, args, options);

/** Wires argv to commands and renders results. Returns the exit code; never exits. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const secrets = secretsFromEnv(io.env);
  const out = (text: string) => io.stdout.write(redact(text, secrets));
  const err = (text: string) => io.stderr.write(redact(text, secrets));
  const chalkOut = makeChalk(io.stdout, io.env);
  const chalkErr = makeChalk(io.stderr, io.env);
  let exitCode: number = ExitCode.ok;
  let json = false;

  const program = new Command()
    .name('hotfix')
    .description('Safe, recorded production database hotfixes for Prisma Migrate.')
    .version(io.version, '-V, --version')
    .option('-C, --cwd <dir>', 'run as if started in <dir> (the project root)')
    .option('--config <file>', 'hotfix config file (default: hotfix.config.json)')
    .showHelpAfterError('(run hotfix --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: (s) => out(s), writeErr: (s) => err(s) })
    // Set before the action runs, so that an error it throws prints as JSON too.
    .hook('preAction', (_program, command) => {
      json = command.opts<{ json?: boolean }>().json === true;
    });

  const deps = (): Deps => {
    const opts = program.opts<{ cwd?: string; config?: string }>();
    return {
      cwd: opts.cwd ? (opts.cwd.startsWith('/') ? opts.cwd : `${io.cwd}/${opts.cwd}`) : io.cwd,
      configPath: opts.config,
      exec,
      env: io.env,
      now: () => new Date(),
      progress: (line) => err(`${chalkErr.dim(line)}\n`),
      // Only a person at a terminal can confirm; CI (no TTY, or CI set) must pass --yes.
      confirm:
        io.stdin?.isTTY && io.stderr.isTTY && !io.env.CI
          ? async (question: string) => {
              const rl = createInterface({ input: io.stdin!, output: process.stderr });
              try {
                return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
              } finally {
                rl.close();
              }
            }
          : undefined,
    };
  };

  const kit: CliKit = {
    deps,
    print: (result, { json: asJson, text, toJson, exitCode: exitCodeOf }) => {
      const document = toJson ? toJson(result) : { ok: true, ...result };
      out(asJson ? `${JSON.stringify(document, null, 2)}\n` : text(chalkOut, result));
      exitCode = exitCodeOf ? exitCodeOf(result) : ExitCode.ok;
    },
  };
  for (const command of [start, status, resolve, deploy, lint, rollback, verify, checklist, finish, report])
    command.register(program, kit);

  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      // help and --version end here with exit code 0; parse errors were already printed.
      return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    const failure = isHotfixError(error)
      ? error
      : new HotfixError(
          'infra',
          'UNEXPECTED',
          `Unexpected error: ${error instanceof Error ? error.message : String(error)}`,
          {
            hint: 'This is probably a bug in prisma-hotfix; the stack trace follows with DEBUG=hotfix.',
            cause: error,
          },
        );
    if (!isHotfixError(error) && io.env.DEBUG?.includes('hotfix') && error instanceof Error)
      err(`${error.stack}\n`);
    if (json) out(`${JSON.stringify(errorJson(failure), null, 2)}\n`);
    err(renderError(chalkErr, failure));
    exitCode = failure.exitCode;
  }
  return exitCode;
}
