import type { Command } from 'commander';

/** What a command's `--help` ends with: realistic examples, then what each exit code means. */
export interface CommandHelp {
  /** [what it does, the command line]; the line is shell-quoted as it would be typed. */
  examples: readonly (readonly [string, string])[];
  /** Exit code -> what it means for this command. */
  exitCodes: Readonly<Partial<Record<0 | 1 | 2 | 3 | 4, string>>>;
}

/** The codes every command shares the meaning of (README "Output and exit codes"). */
export const EXIT_USAGE = 'usage or precondition: a bad flag or name, an unknown environment, a missing URL';
export const EXIT_LEDGER = 'a ledger file (.hotfix/<name>.json) is unreadable: corrupt, conflicted, newer';
export const EXIT_INFRA = 'infrastructure: database unreachable, a lock held, prisma or git failed';

/** Words of `text` in lines of at most `width` characters, each after `first` or then `rest`. */
export function wrap(text: string, first: string, rest: string, width = 80): string[] {
  const lines: string[] = [];
  let line = first;
  for (const word of text.split(/\s+/)) {
    const blank = line === first || line === rest;
    if (!blank && line.length + 1 + word.length > width) {
      lines.push(line);
      line = rest;
    }
    line += line === first || line === rest ? word : ` ${word}`;
  }
  return [...lines, line];
}

export function addHelp(cmd: Command, help: CommandHelp): Command {
  // Explanations wrap like commander's own help; command lines never do: they are to be copied.
  const examples = help.examples.flatMap(([what, line]) => [...wrap(what, '  # ', '  # '), `  $ ${line}`]);
  const codes = Object.entries(help.exitCodes).flatMap(([code, meaning]) =>
    wrap(meaning, `  ${code}  `, '     '),
  );
  return cmd.addHelpText('after', ['', 'Examples:', ...examples, '', 'Exit codes:', ...codes].join('\n'));
}

/** `hotfix --help`: the incident in four commands, and the exit codes of all of them. */
export const PROGRAM_HELP: CommandHelp = {
  examples: [
    [
      'production was patched by hand; the schema now says the same',
      'hotfix start post-author-index --from-schema --reason "slow author page"',
    ],
    ['record that production already has it', 'hotfix resolve post-author-index --env production'],
    ['run it where it was not patched', 'hotfix deploy post-author-index --env staging'],
    ['the CI gate, with the databases', 'hotfix verify --env staging --env production'],
  ],
  exitCodes: {
    0: 'ok, including "already done"',
    1: 'findings: the database lacks the change, the migration failed, lint errors, verify errors',
    2: `${EXIT_USAGE}, a dirty tree, protected without --yes`,
    3: EXIT_LEDGER,
    4: EXIT_INFRA,
  },
};
