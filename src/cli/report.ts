import type { Command } from 'commander';
import { addHelp, EXIT_LEDGER } from './help.js';
import type { CliKit } from './kit.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** Registers `hotfix report` and `hotfix notify`. */
export function register(program: Command, kit: CliKit): void {
  const reportCmd = program
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
  addHelp(reportCmd, {
    examples: [
      ['the report, printed', 'hotfix report post-author-index'],
      [
        "written to a file, with production's _prisma_migrations timestamps in the timeline",
        'hotfix report post-author-index --env production --out incident-2025-06-11.md',
      ],
    ],
    exitCodes: {
      0: 'written (a database that could not be read is named in the report)',
      2: 'usage: no hotfix of that name, an unknown environment, a missing or malformed URL',
      3: EXIT_LEDGER,
      4: 'the --out file could not be written, or git failed',
    },
  });
  const notifyCmd = program
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
  addHelp(notifyCmd, {
    examples: [
      [
        'the message that fits where the hotfix is, to paste into the incident channel',
        'hotfix notify post-author-index',
      ],
      ['the all-clear, once it is deployed everywhere', 'hotfix notify post-author-index --phase resolved'],
    ],
    exitCodes: {
      0: 'printed (nothing is sent)',
      2: 'usage: no hotfix of that name, an unknown --phase',
      3: EXIT_LEDGER,
      4: 'git failed',
    },
  });
}
