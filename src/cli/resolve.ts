import type { Command } from 'commander';
import type { ResolveInput } from '../commands/resolve.js';
import { addHelp, EXIT_INFRA, EXIT_LEDGER, EXIT_USAGE } from './help.js';
import { envOptions, type CliKit } from './kit.js';

/** Registers `hotfix resolve`. */
export function register(program: Command, kit: CliKit): void {
  const cmd = envOptions(
    program
      .command('resolve')
      .description(
        'production was patched by hand: check the database has the change, then mark the migration applied there',
      )
      .argument('<name>', 'hotfix name'),
  )
    .option('--rolled-back', 'mark the FAILED migration as rolled back instead (after its SQL was reverted)')
    .option('--skip-check', 'do not check the database first (needs --reason)')
    .option('--dry-run', 'run the check and print the plan, change nothing')
    .action(async (name: string, opts: ResolveInput & { json?: boolean }) => {
      const [{ resolve }, { renderResolve }] = await Promise.all([
        import('../commands/resolve.js'),
        import('../ui/resolve.js'),
      ]);
      kit.print(await resolve({ ...opts, name }, kit.deps()), {
        json: opts.json === true,
        text: renderResolve,
      });
    });
  addHelp(cmd, {
    examples: [
      [
        'production was patched by hand at 02:10: check it has the change, then mark the migration applied',
        'hotfix resolve post-author-index --env production --reason "index created by hand at 02:10"',
      ],
      [
        'run the check and show the plan, change nothing',
        'hotfix resolve post-author-index --env production --dry-run',
      ],
      [
        'the migration FAILED there and its changes were reverted by hand: mark it rolled back',
        'hotfix resolve fix-orphans --env staging --rolled-back',
      ],
    ],
    exitCodes: {
      0: 'marked applied (or rolled back), or it already was',
      1: 'the database lacks the change: deploy it instead (hotfix deploy)',
      2: `${EXIT_USAGE}, protected without --yes`,
      3: EXIT_LEDGER,
      4: EXIT_INFRA,
    },
  });
}
