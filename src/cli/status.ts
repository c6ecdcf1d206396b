import type { Command } from 'commander';
import type { CliKit } from './kit.js';

/** Registers `hotfix status`. */
export function register(program: Command, kit: CliKit): void {
  program
    .command('status')
    .description(
      'list hotfixes and their state per environment, from the ledger (including local hotfix/* branches)',
    )
    .argument('[name]', 'only this hotfix')
    .option('--json', 'print one JSON document on stdout')
    .action(async (name: string | undefined, opts: { json?: boolean }) => {
      const [{ status }, { renderStatus }] = await Promise.all([
        import('../commands/status.js'),
        import('../ui/render.js'),
      ]);
      kit.print(await status({ name }, kit.deps()), { json: opts.json === true, text: renderStatus });
    });
}
