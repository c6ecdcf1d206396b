import { Option, type Command } from 'commander';
import type { Provider } from '../core/lint/index.js';
import { ExitCode } from '../core/errors.js';
import { addHelp, EXIT_LEDGER } from './help.js';
import type { CliKit } from './kit.js';

/** Registers `hotfix lint`: exit 1 when an error-severity finding is left. */
export function register(program: Command, kit: CliKit): void {
  const cmd = program
    .command('lint')
    .description('check migration SQL for statements that lock or break a live database')
    .argument(
      '[paths...]',
      'SQL files, migration folders or the migrations folder (default: every migration)',
    )
    .option('--hotfix-only', 'only the migrations of recorded hotfixes')
    .addOption(
      new Option('--provider <provider>', 'override the provider of migration_lock.toml').choices([
        'postgresql',
        'mysql',
        'sqlite',
      ]),
    )
    .option('--json', 'print one JSON document on stdout')
    .action(async (paths: string[], opts: { hotfixOnly?: boolean; provider?: Provider; json?: boolean }) => {
      const [{ lint }, { lintJson, renderLint }] = await Promise.all([
        import('../commands/lint.js'),
        import('../ui/lint.js'),
      ]);
      const result = await lint({ paths, hotfixOnly: opts.hotfixOnly, provider: opts.provider }, kit.deps());
      kit.print(result, {
        json: opts.json === true,
        text: renderLint,
        toJson: lintJson,
        exitCode: (r) => (r.errors > 0 ? ExitCode.findings : ExitCode.ok),
      });
    });
  addHelp(cmd, {
    examples: [
      ['every migration of the project', 'hotfix lint'],
      ['only the migrations of recorded hotfixes (what hotfix verify lints)', 'hotfix lint --hotfix-only'],
      ['SQL about to be run in production by hand', 'hotfix lint ./incident.sql --provider postgresql'],
      [
        'one migration folder, as JSON',
        'hotfix lint prisma/migrations/20250611021000_post_author_index --json',
      ],
    ],
    exitCodes: {
      0: 'no error-severity finding (warnings may be printed)',
      1: 'error-severity findings',
      2: 'usage: a path that does not exist, no migrations folder, an unknown provider',
      3: EXIT_LEDGER,
      4: 'a file could not be read',
    },
  });
}
