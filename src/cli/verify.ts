import { randomUUID } from 'node:crypto';
import { appendFile } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { usageError } from '../core/errors.js';
import { addHelp, EXIT_LEDGER } from './help.js';
import { SHOW_ROWS_HELP, type CliKit } from './kit.js';

const collect = (value: string, previous: string[]) => [...previous, value];

export const VERIFY_FORMATS = ['text', 'json', 'github', 'gitlab'] as const;
export type VerifyFormat = (typeof VERIFY_FORMATS)[number];

interface VerifyOptions {
  env: string[];
  strict?: boolean;
  json?: boolean;
  format: VerifyFormat;
}

/** --json is --format json; with another --format it is a contradiction, not a choice. */
export function formatOf(opts: { json?: boolean; format?: VerifyFormat }): VerifyFormat {
  const format = opts.format ?? 'text';
  if (opts.json && format !== 'text' && format !== 'json') {
    throw usageError('FORMAT_CONFLICT', `--json and --format ${format} ask for two different outputs.`, {
      hint: 'Keep one of them (--json is --format json). Run hotfix verify --help for usage.',
    });
  }
  return opts.json ? 'json' : format;
}

/**
 * Registers `hotfix verify`, the CI gate. It never prompts (it asks nothing) and prints no
 * colour without a terminal or with CI set; there is no spinner. The exit code is the same in
 * every --format.
 */
export function register(program: Command, kit: CliKit): void {
  const cmd = program
    .command('verify')
    .description(
      'CI gate: ledgers, hotfix migrations (checksums, down.sql), lint and merge-back; with --env, each database too (failed, pending, checksums, drift)',
    )
    .option(
      '--env <env>',
      'also check this environment; repeat for more (checked concurrently)',
      collect,
      [] as string[],
    )
    .option('--strict', 'warnings fail too (exit 1): unmerged hotfixes, pending migrations, lint warnings...')
    .addOption(
      new Option(
        '--format <format>',
        'text; json ({ok, findings: [...]}); github (annotations, and a summary in $GITHUB_STEP_SUMMARY); gitlab (code-quality report)',
      )
        .choices(VERIFY_FORMATS)
        .default('text'),
    )
    .option('--json', 'the same as --format json')
    .option('--show-rows', SHOW_ROWS_HELP)
    .action(async (opts: VerifyOptions) => {
      const format = formatOf(opts);
      const [{ verify }, ui, ci] = await Promise.all([
        import('../commands/verify.js'),
        import('../ui/verify.js'),
        import('../ui/verify-ci.js'),
      ]);
      const deps = kit.deps();
      const result = await verify({ envs: opts.env, strict: opts.strict }, deps);
      const exitCode = (r: typeof result) => r.exitCode;
      if (format === 'github') {
        const notes: string[] = [];
        const summaryFile = deps.env.GITHUB_STEP_SUMMARY;
        if (summaryFile) {
          // A summary that cannot be written is said, not fatal: the annotations and the exit
          // code are the verdict.
          await appendFile(summaryFile, kit.mask(ci.githubSummary(result))).catch((error: Error) =>
            notes.push(`Could not append the job summary to $GITHUB_STEP_SUMMARY: ${error.message}`),
          );
        }
        const token = randomUUID();
        kit.print(result, {
          json: false,
          text: (c, r) => ci.renderGithub(r, ui.renderVerify(c, r), token, notes),
          exitCode,
        });
      } else {
        kit.print(result, {
          json: format !== 'text',
          text: ui.renderVerify,
          toJson: format === 'gitlab' ? ci.codeClimate : ui.verifyJson,
          exitCode,
        });
      }
    });
  addHelp(cmd, {
    examples: [
      ['on every pull request: no database needed, about a second', 'hotfix verify'],
      [
        'after a deploy: staging and production too, read-only, checked at once',
        'hotfix verify --env staging --env production',
      ],
      [
        'in GitHub Actions: annotations on the files and a job summary',
        'hotfix verify --strict --format github',
      ],
      [
        'in GitLab CI: a code-quality report for the merge request',
        'hotfix verify --format gitlab > gl-code-quality-report.json',
      ],
    ],
    exitCodes: {
      0: 'no finding of error severity',
      1: 'findings of error severity (with --strict, warnings too)',
      2: 'usage or configuration: an unknown environment, a missing or malformed URL, no migrations folder',
      3: EXIT_LEDGER,
      4: 'a check could not run: a database unreachable, prisma or git missing (the other checks still report)',
    },
  });
}
