import type { Command } from 'commander';
import type { FinishInput } from '../commands/finish.js';
import { addHelp, EXIT_LEDGER } from './help.js';
import type { CliKit } from './kit.js';

/** Registers `hotfix finish`. */
export function register(program: Command, kit: CliKit): void {
  const cmd = program
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
  addHelp(cmd, {
    examples: [
      [
        'see the merges, the merge-back guard, the version and the tag first',
        'hotfix finish post-author-index --dry-run',
      ],
      ['merge back, bump, tag and push', 'hotfix finish post-author-index --push'],
      [
        'finish although staging never got it',
        'hotfix finish post-author-index --allow-partial --reason "staging is rebuilt nightly"',
      ],
    ],
    exitCodes: {
      0: 'finished, already finished, or (with --dry-run) shown',
      1: 'findings: a merge conflict (the repository is left mid-merge for you), or the ledger claims what a database does not have',
      2: 'usage or precondition: not deployed or resolved everywhere (without --allow-partial), a dirty tree, a merge in progress, a branch or the version missing, the tag exists, --push without origin',
      3: EXIT_LEDGER,
      4: 'infrastructure: the lock is held, git failed (a push refused)',
    },
  });
}
