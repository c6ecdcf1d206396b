import type { Command } from 'commander';
import type { DeployInput } from '../commands/deploy.js';
import { envOptions, type CliKit } from './kit.js';

/** Registers `hotfix deploy`. */
export function register(program: Command, kit: CliKit): void {
  envOptions(
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
    .option('--dry-run', 'print the SQL that would run, change nothing')
    .action(async (name: string, opts: DeployInput & { json?: boolean }) => {
      const [{ deploy }, { renderDeploy }] = await Promise.all([
        import('../commands/deploy.js'),
        import('../ui/render.js'),
      ]);
      kit.print(await deploy({ ...opts, name }, kit.deps()), {
        json: opts.json === true,
        text: renderDeploy,
      });
    });
}
