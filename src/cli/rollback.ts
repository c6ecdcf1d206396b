import type { Command } from 'commander';
import type { RollbackInput } from '../commands/rollback.js';
import { DEFAULT_TIMEOUTS } from '../core/lint/preamble.js';
import { envOptions, type CliKit } from './kit.js';

/** Registers `hotfix rollback`. */
export function register(program: Command, kit: CliKit): void {
  envOptions(
    program
      .command('rollback')
      .description(
        'undo a hotfix: a FAILED migration is reverted with down.sql and marked rolled back; an applied one is rolled forward with a revert migration',
      )
      .argument('<name>', 'hotfix name'),
  )
    .option('--dry-run', 'print the plan and the SQL, change nothing')
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
}
