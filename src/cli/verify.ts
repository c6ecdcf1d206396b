import type { Command } from 'commander';
import type { CliKit } from './kit.js';

const collect = (value: string, previous: string[]) => [...previous, value];

/**
 * Registers `hotfix verify`, the CI gate. It never prompts (it asks nothing) and prints no
 * colour without a terminal or with CI set; there is no spinner.
 */
export function register(program: Command, kit: CliKit): void {
  program
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
}
