import type { Command } from 'commander';
import { addHelp, EXIT_LEDGER } from './help.js';
import type { CliKit } from './kit.js';

/** Registers `hotfix status`. */
export function register(program: Command, kit: CliKit): void {
  const cmd = program
    .command('status')
    .description(
      'list hotfixes and their state per environment, from the ledger (including local hotfix/* branches)',
    )
    .argument('[name]', 'only this hotfix')
    .option('--json', 'print one JSON document on stdout')
    .action(async (name: string | undefined, opts: { json?: boolean }) => {
      const [{ status }, { renderStatus }] = await Promise.all([
        import('../commands/status.js'),
        import('../ui/status.js'),
      ]);
      kit.print(await status({ name }, kit.deps()), { json: opts.json === true, text: renderStatus });
    });
  addHelp(cmd, {
    examples: [
      ['every hotfix and where it is deployed, resolved or rolled back', 'hotfix status'],
      ['one hotfix, as one JSON document for a script', 'hotfix status post-author-index --json'],
      ['a project in another folder', 'hotfix -C services/api status'],
    ],
    exitCodes: {
      0: 'listed',
      2: 'usage: not a git repository, a bad name',
      3: EXIT_LEDGER,
    },
  });
}
