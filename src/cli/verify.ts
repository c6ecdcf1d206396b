import type { Command } from 'commander';
import { addHelp, EXIT_LEDGER } from './help.js';
import type { CliKit } from './kit.js';

const collect = (value: string, previous: string[]) => [...previous, value];

/**
 * Registers `hotfix verify`, the CI gate. It never prompts (it asks nothing) and prints no
 * colour without a terminal or with CI set; there is no spinner.
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
    .option('--json', 'print one JSON document on stdout: {ok, findings: [...]}')
    .action(async (opts: { env: string[]; strict?: boolean; json?: boolean }) => {
      const [{ verify }, { renderVerify, verifyJson }] = await Promise.all([
        import('../commands/verify.js'),
        import('../ui/verify.js'),
      ]);
      const result = await verify({ envs: opts.env, strict: opts.strict }, kit.deps());
      kit.print(result, {
        json: opts.json === true,
        text: renderVerify,
        toJson: verifyJson,
        exitCode: (r) => r.exitCode,
      });
    });
  addHelp(cmd, {
    examples: [
      ['on every pull request: no database needed, about a second', 'hotfix verify'],
      [
        'after a deploy: staging and production too, read-only, checked at once',
        'hotfix verify --env staging --env production',
      ],
      ['warnings fail too, and one JSON document for a script', 'hotfix verify --strict --json'],
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
