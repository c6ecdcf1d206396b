import type { Command } from 'commander';
import type { ResolveInput } from '../commands/resolve.js';
import { envOptions, type CliKit } from './kit.js';

/** Registers `hotfix resolve`. */
export function register(program: Command, kit: CliKit): void {
  envOptions(
    program
      .command('resolve')
      .description(
        'production was patched by hand: check the database has the change, then mark the migration applied there',
      )
      .argument('<name>', 'hotfix name'),
  )
    .option('--rolled-back', 'mark the FAILED migration as rolled back instead (after its SQL was reverted)')
    .option('--skip-check', 'do not check the database first (needs --reason)')
    .option('--dry-run', 'run the check and print the plan, change nothing')
    .action(async (name: string, opts: ResolveInput & { json?: boolean }) => {
      const [{ resolve }, { renderResolve }] = await Promise.all([
        import('../commands/resolve.js'),
        import('../ui/render.js'),
      ]);
      kit.print(await resolve({ ...opts, name }, kit.deps()), {
        json: opts.json === true,
        text: renderResolve,
      });
    });
}
