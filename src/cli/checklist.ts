import type { Command } from 'commander';
import { addHelp, EXIT_LEDGER } from './help.js';
import type { CliKit } from './kit.js';

/** Registers `hotfix checklist`. */
export function register(program: Command, kit: CliKit): void {
  const cmd = program
    .command('checklist')
    .description(
      "a phase's checklist, ticked from the ledger, with the command that does the next item; --done ticks one a person did",
    )
    .argument('[name]', 'hotfix name (default: the only open one)')
    .option(
      '--phase <phase>',
      'pre | deploy | post | rollback | merge-back (default: the phase the hotfix is in)',
    )
    .option('--done <item>', 'record that a person did this item (phase.item, e.g. pre-deploy.team)')
    .option('--note <text>', 'with --done: what was done, recorded in the ledger')
    .option('--no-commit', 'with --done: leave the ledger change staged instead of committing it')
    .option('--json', 'print one JSON document on stdout')
    .action(
      async (
        name: string | undefined,
        opts: { phase?: string; done?: string; note?: string; commit: boolean; json?: boolean },
      ) => {
        const [{ checklistCommand }, { renderChecklistResult }] = await Promise.all([
          import('../commands/checklist.js'),
          import('../ui/checklist.js'),
        ]);
        kit.print(await checklistCommand({ ...opts, name }, kit.deps()), {
          json: opts.json === true,
          text: renderChecklistResult,
        });
      },
    );
  addHelp(cmd, {
    examples: [
      ['where the open hotfix is, and the command that does the next item', 'hotfix checklist'],
      ['the rollback checklist of one hotfix', 'hotfix checklist post-author-index --phase rollback'],
      [
        'record that a person did an item, with a note',
        'hotfix checklist post-author-index --done pre-deploy.team --note "told #incidents at 02:10"',
      ],
    ],
    exitCodes: {
      0: 'shown (or the item ticked)',
      2: 'usage: no hotfix of that name, several open and none named, an unknown phase or item, an item the ledger ticks, --done without a name or for a hotfix recorded on another branch',
      3: EXIT_LEDGER,
      4: 'infrastructure: git failed; with --done, the lock is held or the tick could not be committed',
    },
  });
}
