import { Option, type Command } from 'commander';
import type { RollbackInput } from '../commands/rollback.js';
import { DEFAULT_TIMEOUTS } from '../core/lint/preamble.js';
import { addHelp, EXIT_INFRA, EXIT_LEDGER, EXIT_USAGE } from './help.js';
import { envOptions, type CliKit } from './kit.js';

/** Registers `hotfix rollback`. */
export function register(program: Command, kit: CliKit): void {
  const cmd = envOptions(
    program
      .command('rollback')
      .description(
        'undo a hotfix: a FAILED migration is reverted with down.sql and marked rolled back; an applied one here only (--here) or everywhere (--everywhere: a revert migration)',
      )
      .argument('<name>', 'hotfix name'),
  )
    .option('--dry-run', 'print the plan and the SQL, change nothing')
    .addOption(
      new Option(
        '--here',
        'applied hotfix: undo it in this environment only (down.sql, then its row marked rolled back; its next deploy applies it again)',
      ).conflicts('everywhere'),
    )
    .option(
      '--everywhere',
      'applied hotfix: a revert migration that every environment runs on its next deploy (merged back by hotfix finish)',
    )
    .option(
      '--backup',
      'first save what the revert drops or rewrites (rows, columns; SQLite: the file) to .hotfix/backups/, with the SQL that restores it',
    )
    .option(
      '--manual',
      'reverted (or, with --restore, restored) by hand: only check that nothing is left, then mark it rolled back',
    )
    .option(
      '--restore',
      'a data fix deployed with --backup: put the saved rows back (restore.sql, one transaction), check they are back as saved, roll it back here',
    )
    .option(
      '--include-pending',
      'roll forward: also apply other pending migrations that would go out with the revert',
    )
    .option(
      '--accept-risk',
      'roll forward despite error-severity lint findings on a protected environment (needs --reason)',
    )
    .option('--lock-timeout <duration>', 'lock_timeout for the revert SQL', DEFAULT_TIMEOUTS.lockTimeout)
    .option(
      '--statement-timeout <duration>',
      'statement_timeout for the revert SQL',
      DEFAULT_TIMEOUTS.statementTimeout,
    )
    .action(
      async (
        name: string,
        opts: RollbackInput & { json?: boolean; here?: boolean; everywhere?: boolean },
      ) => {
        const [{ rollback }, { renderRollback }] = await Promise.all([
          import('../commands/rollback.js'),
          import('../ui/rollback.js'),
        ]);
        const { here, everywhere, ...rest } = opts;
        const scope = here ? 'here' : everywhere ? 'everywhere' : undefined;
        kit.print(await rollback({ ...rest, name, scope }, kit.deps()), {
          json: opts.json === true,
          text: renderRollback,
        });
      },
    );
  addHelp(cmd, {
    examples: [
      [
        'show what it would run (down.sql, or a revert migration), change nothing',
        'hotfix rollback post-author-index --env staging --dry-run',
      ],
      [
        'undo it on staging only (production keeps it): down.sql there; its next deploy applies it again',
        'hotfix rollback post-author-index --env staging --here --reason "index slows inserts"',
      ],
      [
        'undo it everywhere: a revert migration, applied here now and by every other environment on its next deploy',
        'hotfix rollback post-author-index --env production --everywhere --yes',
      ],
      [
        'put back the rows a DELETE removed (deploy --backup saved them), here only',
        'hotfix rollback fix-orphans --env production --restore --yes',
      ],
    ],
    exitCodes: {
      0: 'rolled back (or forward), or it already was',
      1: 'the revert SQL failed, or lint errors block the revert migration',
      2: `${EXIT_USAGE}, down.sql missing or unfilled, protected without --yes, an applied hotfix without --here or --everywhere where nobody can be asked`,
      3: EXIT_LEDGER,
      4: `${EXIT_INFRA}, the revert hit its lock or statement timeout`,
    },
  });
}
