import { Command, CommanderError, Option } from 'commander';
import { exec } from './adapters/exec.js';
import type { Deps } from './commands/deps.js';
import { start } from './commands/start.js';
import { status } from './commands/status.js';
import { lint } from './commands/lint.js';
import { DEFAULT_TIMEOUTS } from './core/lint/preamble.js';
import type { Provider } from './core/lint/index.js';
import { lintJson, renderLint } from './ui/lint.js';
import { ExitCode, HotfixError, isHotfixError } from './core/errors.js';
import { redact, secretsOfUrl } from './core/redact.js';
import { deploy, type DeployInput } from './commands/deploy.js';
import { resolve, type ResolveInput } from './commands/resolve.js';
import { createInterface } from 'node:readline/promises';
import { envOptions, type CliKit } from './cli-kit.js';
import { registerRollback } from './cli-rollback.js';
import { registerVerify } from './cli-verify.js';
import {
  errorJson,
  makeChalk,
  renderDeploy,
  renderError,
  renderResolve,
  renderStart,
  renderStatus,
} from './ui/render.js';

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

/** Wires argv to commands and renders results. Returns the exit code; never exits. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const secrets = secretsFromEnv(io.env);
  const out = (text: string) => io.stdout.write(redact(text, secrets));
  const err = (text: string) => io.stderr.write(redact(text, secrets));
  const chalkOut = makeChalk(io.stdout, io.env);
  const chalkErr = makeChalk(io.stderr, io.env);
  let exitCode: number = ExitCode.ok;
  let json = false;

  const deps = (opts: { cwd?: string; config?: string }): Deps => ({
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
  });

  const program = new Command()
    .name('hotfix')
    .description('Safe, recorded production database hotfixes for Prisma Migrate.')
    .version(io.version, '-V, --version')
    .option('-C, --cwd <dir>', 'run as if started in <dir> (the project root)')
    .option('--config <file>', 'hotfix config file (default: hotfix.config.json)')
    .showHelpAfterError('(run hotfix --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: (s) => out(s), writeErr: (s) => err(s) });

  const kit: CliKit = {
    deps,
    out,
    err,
    chalkOut,
    setJson: (value) => {
      json = value;
    },
    setExitCode: (code) => {
      exitCode = code;
    },
    print: (result, asJson, render) =>
      out(asJson ? `${JSON.stringify({ ok: true, ...result }, null, 2)}\n` : render(chalkOut, result)),
  };
  program
    .command('start')
    .description(
      'start a hotfix: branch hotfix/<name>, a new migration with down.sql, a ledger entry and the checklist',
    )
    .argument('<name>', 'hotfix name: letters, digits, "-", "_", "." (e.g. add-orders-index)')
    .addOption(
      new Option('--sql <file>', 'migration.sql is the SQL in <file> (what was run in production)').conflicts(
        'fromSchema',
      ),
    )
    .option(
      '--from-schema',
      'generate migration.sql (and down.sql) with prisma migrate diff from the edited schema',
    )
    .option('--base <branch>', 'base branch to start from (default: baseBranch from the config, "main")')
    .option('--no-branch', 'stay on the current branch instead of creating hotfix/<name>')
    .option('--no-commit', 'leave the new files staged instead of committing them')
    .option('--dry-run', 'print what would be done, change nothing')
    .option('--reason <text>', 'why, recorded in the ledger')
    .option('--timeouts', 'wrap migration.sql in SET lock_timeout / statement_timeout (PostgreSQL, MySQL)')
    .option('--lock-timeout <duration>', 'lock_timeout for --timeouts', DEFAULT_TIMEOUTS.lockTimeout)
    .option(
      '--statement-timeout <duration>',
      'statement_timeout for --timeouts',
      DEFAULT_TIMEOUTS.statementTimeout,
    )
    .option('--json', 'print one JSON document on stdout')
    .action(
      async (
        name: string,
        opts: {
          timeouts?: boolean;
          lockTimeout: string;
          statementTimeout: string;
          sql?: string;
          fromSchema?: boolean;
          base?: string;
          branch: boolean;
          commit: boolean;
          dryRun?: boolean;
          reason?: string;
          json?: boolean;
        },
      ) => {
        json = opts.json === true;
        const result = await start(
          {
            name,
            sqlFile: opts.sql,
            fromSchema: opts.fromSchema === true,
            base: opts.base,
            branch: opts.branch,
            commit: opts.commit,
            dryRun: opts.dryRun === true,
            reason: opts.reason,
            timeouts: opts.timeouts
              ? { lockTimeout: opts.lockTimeout, statementTimeout: opts.statementTimeout }
              : undefined,
          },
          deps(program.opts()),
        );
        out(json ? `${JSON.stringify({ ok: true, ...result }, null, 2)}\n` : renderStart(chalkOut, result));
      },
    );

  program
    .command('status')
    .description(
      'list hotfixes and their state per environment, from the ledger (including local hotfix/* branches)',
    )
    .argument('[name]', 'only this hotfix')
    .option('--json', 'print one JSON document on stdout')
    .action(async (name: string | undefined, opts: { json?: boolean }) => {
      json = opts.json === true;
      kit.print(await status({ name }, deps(program.opts())), json, renderStatus);
    });

  envOptions(
    program
      .command('resolve')
      .description(
        'production was patched by hand: check the database has the change, then mark the migration applied there',
      )
      .argument('<name>', 'hotfix name'),
  )
    .option('--rolled-back', 'mark the FAILED migration as rolled back instead (after its SQL was reverted)')
    .option('--skip-check', 'do not check the database first (needs --reason)')
    .action(async (name: string, opts: ResolveInput & { json?: boolean }) => {
      json = opts.json === true;
      kit.print(await resolve({ ...opts, name }, deps(program.opts())), json, renderResolve);
    });

  envOptions(
    program
      .command('deploy')
      .description('apply the hotfix migration with prisma migrate deploy where it was NOT patched by hand')
      .argument('<name>', 'hotfix name'),
  )
    .option('--include-pending', 'also apply other pending migrations that would go out with it')
    .option(
      '--accept-risk',
      'run despite error-severity lint findings on a protected environment (needs --reason)',
    )
    .option('--dry-run', 'print the SQL that would run, change nothing')
    .action(async (name: string, opts: DeployInput & { json?: boolean }) => {
      json = opts.json === true;
      kit.print(await deploy({ ...opts, name }, deps(program.opts())), json, renderDeploy);
    });

  program
    .command('lint')
    .description('check migration SQL for statements that lock or break a live database')
    .argument(
      '[paths...]',
      'SQL files, migration folders or the migrations folder (default: every migration)',
    )
    .option('--hotfix-only', 'only the migrations of recorded hotfixes')
    .addOption(
      new Option('--provider <provider>', 'override the provider of migration_lock.toml').choices([
        'postgresql',
        'mysql',
        'sqlite',
      ]),
    )
    .option('--json', 'print one JSON document on stdout')
    .action(async (paths: string[], opts: { hotfixOnly?: boolean; provider?: Provider; json?: boolean }) => {
      json = opts.json === true;
      const d = deps(program.opts());
      const result = await lint(
        { paths, hotfixOnly: opts.hotfixOnly, provider: opts.provider },
        { cwd: d.cwd, configPath: d.configPath },
      );
      out(json ? `${JSON.stringify(lintJson(result), null, 2)}\n` : renderLint(chalkOut, result));
      if (result.errors > 0) exitCode = ExitCode.findings;
    });

  registerRollback(program, kit);
  registerVerify(program, kit);

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
