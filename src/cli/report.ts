import type { Command } from 'commander';
import type { CliKit } from './kit.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** Registers `hotfix report` and `hotfix notify`. */
export function register(program: Command, kit: CliKit): void {
  program
    .command('report')
    .description(
      'the post-incident report in Markdown, from the ledger: summary, timeline, fix, environments, rollback, checklists, and prompts for what a person must write',
    )
    .argument('<name>', 'hotfix name')
    .option('--out <file>', 'write the report to this file instead of printing it')
    .option(
      '--env <env>',
      "add this environment's _prisma_migrations timestamps to the timeline (repeatable)",
      collect,
    )
    .option('--json', 'print one JSON document on stdout')
    .action(async (name: string, opts: { out?: string; env?: string[]; json?: boolean }) => {
      const [{ report }, { renderReport }] = await Promise.all([
        import('../commands/report.js'),
        import('../ui/report.js'),
      ]);
      kit.print(await report({ ...opts, name }, kit.deps()), {
        json: opts.json === true,
        text: renderReport,
      });
    });
  program
    .command('notify')
    .description(
      'the team message (alert, update, resolved) filled from the ledger, printed for pasting; nothing is sent',
    )
    .argument('<name>', 'hotfix name')
    .option('--phase <phase>', 'alert | update | resolved (default: the one that fits the ledger)')
    .option('--json', 'print one JSON document on stdout')
    .action(async (name: string, opts: { phase?: string; json?: boolean }) => {
      const [{ notify }, { renderNotice }] = await Promise.all([
        import('../commands/notify.js'),
        import('../ui/report.js'),
      ]);
      kit.print(await notify({ ...opts, name }, kit.deps()), {
        json: opts.json === true,
        text: renderNotice,
      });
    });
}
