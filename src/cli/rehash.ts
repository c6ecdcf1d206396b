import type { Command } from 'commander';
import { addHelp, EXIT_LEDGER } from './help.js';
import type { CliKit } from './kit.js';

/** Registers `hotfix rehash`. */
export function register(program: Command, kit: CliKit): void {
  const cmd = program
    .command('rehash')
    .description(
      'record the new checksum of an edited hotfix migration while it has run nowhere (and of verify.sql, any time)',
    )
    .argument('<name>', 'hotfix name')
    .option('--reason <text>', 'why the files changed, recorded in the ledger (required)')
    .option('--no-commit', 'leave the files and the ledger staged instead of committing them')
    .option('--dry-run', 'say what would be recorded, change nothing')
    .option('--json', 'print one JSON document on stdout')
    .action(
      async (name: string, opts: { reason?: string; commit: boolean; dryRun?: boolean; json?: boolean }) => {
        const [{ rehash }, { renderRehash }] = await Promise.all([
          import('../commands/rehash.js'),
          import('../ui/rehash.js'),
        ]);
        kit.print(await rehash({ ...opts, name }, kit.deps()), {
          json: opts.json === true,
          text: renderRehash,
        });
      },
    );
  addHelp(cmd, {
    examples: [
      [
        'after fixing migration.sql of a hotfix that failed and was rolled back',
        'hotfix rehash add-karma --reason "column name typo"',
      ],
      [
        'after writing the queries of verify.sql',
        'hotfix rehash purge-orphans --reason "verify.sql written"',
      ],
    ],
    exitCodes: {
      0: 'recorded',
      2: 'usage: no --reason, nothing changed, or the migration has run somewhere (roll forward instead)',
      3: EXIT_LEDGER,
      4: 'an environment whose URL is set could not be read',
    },
  });
}
