import { Option, type Command } from 'commander';
import { DEFAULT_TIMEOUTS } from '../core/lint/preamble.js';
import { addHelp, EXIT_INFRA, EXIT_LEDGER } from './help.js';
import type { CliKit } from './kit.js';

interface StartOptions {
  /** undefined unless --timeouts or --no-timeouts was given: on by default. */
  timeouts?: boolean;
  asIs?: boolean;
  fetch?: boolean;
  schemaCheck?: boolean;
  acceptRisk?: boolean;
  lockTimeout: string;
  statementTimeout: string;
  sql?: string;
  fromSchema?: boolean;
  base?: string;
  branch: boolean;
  commit: boolean;
  dryRun?: boolean;
  reason?: string;
  json?: boolean;
}

/** Registers `hotfix start`. */
export function register(program: Command, kit: CliKit): void {
  const cmd = program
    .command('start')
    .description(
      'start a hotfix: branch hotfix/<name>, a new migration with down.sql, a ledger entry and the checklist',
    )
    .argument('<name>', 'hotfix name: lower-case letters, digits, "-", "_", "." (e.g. add-orders-index)')
    .addOption(
      new Option('--sql <file>', 'migration.sql is the SQL in <file> (what was run in production)').conflicts(
        'fromSchema',
      ),
    )
    .option(
      '--from-schema',
      'generate migration.sql (and down.sql) with prisma migrate diff from the edited schema',
    )
    .option('--base <branch>', 'base branch to start from (default: baseBranch from the config, "main")')
    .option(
      '--no-schema-check',
      'after --sql, do not compare schema.prisma with the hotfix (prisma migrate diff)',
    )
    .option('--fetch', "git fetch the base branch's remote first, to warn when it is behind")
    .option('--no-branch', 'stay on the current branch instead of creating hotfix/<name>')
    .option('--no-commit', 'leave the new files staged instead of committing them')
    .option('--dry-run', 'print what would be done, change nothing')
    .option('--reason <text>', 'why, recorded in the ledger')
    .option('--timeouts', 'SET lock_timeout / statement_timeout first (the default; kept for scripts)')
    .option('--no-timeouts', 'write migration.sql without the SET lock_timeout / statement_timeout preamble')
    .option(
      '--as-is',
      'write the SQL exactly as given: no CONCURRENTLY, NOT VALID or timeouts rewrite (PostgreSQL)',
    )
    .option(
      '--accept-risk',
      'start even when the SQL cannot be made safe for production (needs --reason, recorded)',
    )
    .option('--lock-timeout <duration>', 'lock_timeout of the preamble', DEFAULT_TIMEOUTS.lockTimeout)
    .option(
      '--statement-timeout <duration>',
      'statement_timeout of the preamble',
      DEFAULT_TIMEOUTS.statementTimeout,
    )
    .option('--json', 'print one JSON document on stdout')
    .action(async (name: string, opts: StartOptions) => {
      const [{ start }, { renderStart }] = await Promise.all([
        import('../commands/start.js'),
        import('../ui/start.js'),
      ]);
      const result = await start(
        {
          name,
          sqlFile: opts.sql,
          fromSchema: opts.fromSchema === true,
          base: opts.base,
          branch: opts.branch,
          commit: opts.commit,
          dryRun: opts.dryRun === true,
          reason: opts.reason,
          timeouts:
            opts.timeouts !== false
              ? { lockTimeout: opts.lockTimeout, statementTimeout: opts.statementTimeout }
              : undefined,
          asIs: opts.asIs === true,
          acceptRisk: opts.acceptRisk === true,
          fetch: opts.fetch === true,
          schemaCheck: opts.schemaCheck,
        },
        kit.deps(),
      );
      kit.print(result, { json: opts.json === true, text: renderStart });
    });
  addHelp(cmd, {
    examples: [
      [
        'production got an index by hand: say it in schema.prisma, then let Prisma write the migration',
        'hotfix start post-author-index --from-schema --reason "slow author page"',
      ],
      [
        'record the SQL that was run in production, as it was run',
        'hotfix start fix-orphans --sql ./incident.sql',
      ],
      [
        'an empty migration.sql and down.sql to fill in, on a release branch',
        'hotfix start add-orders-index --base release/2.4',
      ],
      [
        'see the branch, files and ledger entry it would create',
        'hotfix start add-orders-index --from-schema --dry-run',
      ],
    ],
    exitCodes: {
      0: 'started (or, with --dry-run, shown)',
      1: 'START_UNSAFE: the SQL cannot be made safe for production by itself (nothing was written); edit it, or --accept-risk --reason TEXT',
      2: 'usage or precondition: a bad name (capital letters, a case variant of another hotfix), a dirty tree, the branch or migration exists, --sql file missing',
      3: EXIT_LEDGER,
      4: EXIT_INFRA,
    },
  });
}
