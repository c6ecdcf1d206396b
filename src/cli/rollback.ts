import type { Command } from 'commander';
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
        'undo a hotfix: a FAILED migration is reverted with down.sql and marked rolled back; an applied one is rolled forward with a revert migration',
      )
      .argument('<name>', 'hotfix name'),
  )
    .option('--dry-run', 'print the plan and the SQL, change nothing')
    .option(
      '--backup',
      'first save what the revert drops or rewrites (rows, columns; SQLite: the file) to .hotfix/backups/, with the SQL that restores it',
    )
    .option(
      '--manual',
      'failed migration reverted by hand: only check that nothing is left, then mark it rolled back',
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
    .action(async (name: string, opts: RollbackInput & { json?: boolean }) => {
      const [{ rollback }, { renderRollback }] = await Promise.all([
        import('../commands/rollback.js'),
        import('../ui/rollback.js'),
      ]);
      kit.print(await rollback({ ...opts, name }, kit.deps()), {
        json: opts.json === true,
        text: renderRollback,
      });
    });
  addHelp(cmd, {
    examples: [
      [
        'show what it would run (down.sql, or a revert migration), change nothing',
        'hotfix rollback post-author-index --env staging --dry-run',
      ],
      [
        'undo it on staging: in place if it failed there, by a revert migration if it was applied',
        'hotfix rollback post-author-index --env staging --reason "index slows inserts"',
      ],
      [
        'the FAILED migration was reverted by hand: check nothing is left, mark it rolled back',
        'hotfix rollback fix-orphans --env production --manual --yes',
      ],
    ],
    exitCodes: {
      0: 'rolled back (or forward), or it already was',
      1: 'the revert SQL failed, or lint errors block the revert migration',
      2: `${EXIT_USAGE}, down.sql missing or unfilled, protected without --yes`,
      3: EXIT_LEDGER,
      4: `${EXIT_INFRA}, the revert hit its lock or statement timeout`,
    },
  });
}
