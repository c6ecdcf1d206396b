import type { Command } from 'commander';
import type { DeployInput } from '../commands/deploy.js';
import { addHelp, EXIT_INFRA, EXIT_LEDGER, EXIT_USAGE } from './help.js';
import { envOptions, type CliKit } from './kit.js';

/** Registers `hotfix deploy`. */
export function register(program: Command, kit: CliKit): void {
  const cmd = envOptions(
    program
      .command('deploy')
      .description('apply the hotfix migration with prisma migrate deploy where it was NOT patched by hand')
      .argument('<name>', 'hotfix name'),
  )
    .option('--include-pending', 'also apply other pending migrations that would go out with it')
    .option(
      '--accept-risk',
      'run despite error-severity lint findings on a protected environment (needs --reason)',
    )
    .option(
      '--backup',
      'first save what the migrations drop or rewrite (rows, columns; SQLite: the file) to .hotfix/backups/, with the SQL that restores it',
    )
    .option(
      '--retry <n>',
      'after a lock_timeout/statement_timeout that left nothing applied, try again up to n times (waits 5, 10, 20 s...)',
      (v: string) => (/^\d+$/.test(v) ? Number(v) : Number.NaN),
    )
    .option(
      '--no-rollback-plan',
      'deploy to a protected environment although down.sql is not filled in (needs --reason, recorded)',
    )
    .option('--dry-run', 'print the SQL that would run, change nothing')
    .action(async (name: string, opts: DeployInput & { json?: boolean }) => {
      const [{ deploy }, { renderDeploy }] = await Promise.all([
        import('../commands/deploy.js'),
        import('../ui/deploy.js'),
      ]);
      kit.print(await deploy({ ...opts, name }, kit.deps()), {
        json: opts.json === true,
        text: renderDeploy,
      });
    });
  addHelp(cmd, {
    examples: [
      [
        'staging was not patched by hand: run the migration there',
        'hotfix deploy post-author-index --env staging',
      ],
      [
        'print the SQL that would run on production, change nothing',
        'hotfix deploy post-author-index --env production --dry-run',
      ],
      [
        "a busy table: give up on each lock wait at the preamble's lock_timeout, try up to 3 more times",
        'hotfix deploy post-author-index --env production --retry 3',
      ],
      [
        'production from CI, where nobody can answer a prompt',
        'hotfix deploy post-author-index --env production --yes --reason "approved in INC-4512"',
      ],
    ],
    exitCodes: {
      0: 'applied, or it already was',
      1: 'the migration failed (P3018; see hotfix rollback), or lint errors block it',
      2: `${EXIT_USAGE}, protected without --yes, other pending migrations, a failed one in the way`,
      3: EXIT_LEDGER,
      4: EXIT_INFRA,
    },
  });
}
