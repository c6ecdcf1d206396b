import { Option, type Command } from 'commander';
import type { Provider } from '../core/lint/index.js';
import { ExitCode } from '../core/errors.js';
import type { CliKit } from './kit.js';

/** Registers `hotfix lint`: exit 1 when an error-severity finding is left. */
export function register(program: Command, kit: CliKit): void {
  program
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
      const { cwd, configPath } = kit.deps();
      const result = await lint(
        { paths, hotfixOnly: opts.hotfixOnly, provider: opts.provider },
        { cwd, configPath },
      );
      kit.print(result, {
        json: opts.json === true,
        text: renderLint,
        toJson: lintJson,
        exitCode: (r) => (r.errors > 0 ? ExitCode.findings : ExitCode.ok),
      });
    });
}
