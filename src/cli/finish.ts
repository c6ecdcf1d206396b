import type { Command } from 'commander';
import type { FinishInput } from '../commands/finish.js';
import type { CliKit } from './kit.js';

/** Registers `hotfix finish`. */
export function register(program: Command, kit: CliKit): void {
  program
    .command('finish')
    .description(
      'merge the hotfix back into the base and develop branches (with the merge-back guard), bump the patch version, tag it, record it, delete the branch',
    )
    .argument('<name>', 'hotfix name')
    .option(
      '--allow-partial',
      'finish although some environments are not deployed or resolved (needs --reason)',
    )
    .option('--reason <text>', 'why, recorded in the ledger')
    .option('--no-bump', 'do not bump the patch version in package.json')
    .option('--no-tag', 'do not tag v<version>')
    .option('--push', 'push the base and develop branches and the tag to origin')
    .option('--dry-run', 'print the plan and the merge-back guard, change nothing')
    .option('--json', 'print one JSON document on stdout')
    .action(async (name: string, opts: Omit<FinishInput, 'name'> & { json?: boolean }) => {
      const [{ finish }, { renderFinish }] = await Promise.all([
        import('../commands/finish.js'),
        import('../ui/finish.js'),
      ]);
      kit.print(await finish({ ...opts, name }, kit.deps()), {
        json: opts.json === true,
        text: renderFinish,
      });
    });
}
