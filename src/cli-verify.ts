import type { Command } from 'commander';
import type { CliKit } from './cli-kit.js';
import { verify } from './commands/verify.js';
import { renderVerify, verifyJson } from './ui/verify.js';

const collect = (value: string, previous: string[]) => [...previous, value];

/**
 * Registers `hotfix verify`, the CI gate. It never prompts (it asks nothing) and prints no
 * colour without a terminal or with CI set (kit.chalkOut); there is no spinner.
 */
export function registerVerify(program: Command, kit: CliKit): void {
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
      const json = opts.json === true;
      kit.setJson(json);
      const result = await verify({ envs: opts.env, strict: opts.strict }, kit.deps(program.opts()));
      kit.out(json ? `${JSON.stringify(verifyJson(result), null, 2)}\n` : renderVerify(kit.chalkOut, result));
      kit.setExitCode(result.exitCode);
    });
}
