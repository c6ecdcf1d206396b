// The CLI wiring itself, driven in-process with fake streams: help, usage errors, --version and
// the one print path (a JSON document on stdout, exit code from the result).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { registerCommands, runCli } from '../../src/cli/index.js';
import type { CliKit } from '../../src/cli/kit.js';
import { initRepo } from '../support/git.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'hotfix-cli-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(path.join(dir, 'README.md'), 'app\n');
initRepo(dir);

async function run(args: string[], env: Record<string, string> = {}, cwd = dir) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    env,
    cwd,
    version: '1.2.3',
  });
  return { code, stdout, stderr };
}

/** Every command as runCli registers it (registering runs no action): a new one is walked too. */
const COMMANDS = (() => {
  const program = new Command();
  registerCommands(program, {} as CliKit);
  return program.commands.map((command) => command.name());
})();

describe('runCli', () => {
  it('--help lists every command and exits 0', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    for (const command of COMMANDS) expect(r.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    expect(r.stdout).toContain('-C, --cwd <dir>');
    expect(r.stdout).toContain('--config <file>');
  });

  it('an unknown option is a usage error: exit 2 with the message on stderr', async () => {
    const r = await run(['status', '--no-such-option']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain("unknown option '--no-such-option'");
    expect(r.stderr).toContain('(run hotfix status --help for usage)');
  });

  it('a missing --env is a usage error, and its help does not claim a default', async () => {
    const r = await run(['deploy', 'x']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("required option '--env <env>' not specified");
    const help = await run(['deploy', '--help']);
    expect(help.stdout).not.toContain('default config');
  });

  it('--version prints the version', async () => {
    const r = await run(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('1.2.3\n');
  });

  it('status --json in a git repository without hotfixes prints one JSON document', async () => {
    const r = await run(['status', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ ok: true, command: 'status', hotfixes: [] });
    expect(r.stdout.trim().split('\n').at(-1)).toBe('}');
  });

  it('-C runs in another folder; an error with --json is one JSON error document', async () => {
    const ok = await run(['-C', path.basename(dir), 'status', '--json'], {}, path.dirname(dir));
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true, hotfixes: [] });
    const bad = await run(['status', 'not a valid name!', '--json']);
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stdout)).toMatchObject({ ok: false, error: { kind: 'usage' } });
    expect(bad.stderr).not.toBe('');
  });

  it('masks credentials from the environment in what it prints', async () => {
    const token = 'tok-0123456789abcdef';
    const r = await run(['status', `--no-such-option=${token}`], { DEPLOY_TOKEN: token });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown option '--no-such-option=***'");
    expect(r.stderr).not.toContain(token);
  });

  it("every command's --help ends with 2-4 examples of itself and its exit codes", async () => {
    expect(COMMANDS).toEqual(expect.arrayContaining(['checklist', 'finish', 'report', 'notify', 'rehash']));
    for (const command of [undefined, ...COMMANDS]) {
      const r = await run(command ? [command, '--help'] : ['--help']);
      expect(r.code).toBe(0);
      const [, after] = r.stdout.split('\nExamples:\n');
      expect(after, `${command} --help has Examples:`).toBeDefined();
      const [examples, codes] = after!.split('\nExit codes:\n');
      expect(codes, `${command} --help has Exit codes: after Examples:`).toBeDefined();
      // The exit codes end the help: nothing but code lines (and their wrapped text) after them.
      for (const line of codes!.trimEnd().split('\n')) expect(line).toMatch(/^(?: {2}[0-4] {2}| {5})\S/);
      const lines = examples!.split('\n').filter((l) => l.startsWith('  $ '));
      expect(lines.length).toBeGreaterThanOrEqual(2);
      expect(lines.length).toBeLessThanOrEqual(4);
      // Each example is of this command, with options its help lists (or the global -C).
      const options = new Set(r.stdout.split('\nExamples:\n')[0]!.match(/--[a-z-]+/g));
      for (const line of lines) {
        expect(line).toMatch(new RegExp(`^  \\$ hotfix (-C \\S+ )?${command ?? ''}`));
        for (const flag of command ? (line.match(/ --?[a-z-]+/g) ?? []) : [])
          expect(options.has(flag.trim()) || flag === ' -C', `${line}: ${flag}`).toBe(true);
      }
      expect(codes).toMatch(/^ {2}0 {2}/m);
      expect(codes).toMatch(/^ {2}2 {2}/m);
    }
    // start refuses SQL it cannot make safe with exit 1, and says so.
    expect((await run(['start', '--help'])).stdout).toMatch(/^ {2}1 {2}START_UNSAFE/m);
  });

  it('usage errors with --json are one JSON document: unknown option, missing argument, bad choice', async () => {
    const cases: [string[], string, string][] = [
      [['status', '--no-such-option', '--json'], 'UNKNOWN_OPTION', 'hotfix status --help'],
      [['start', '--json'], 'MISSING_ARGUMENT', 'hotfix start --help'],
      [['deploy', 'x', '--json'], 'REQUIRED_OPTION_MISSING', 'hotfix deploy --help'],
      [['lint', '--provider', 'oracle', '--json'], 'INVALID_ARGUMENT', 'hotfix lint --help'],
      [['verify', '--format=xml', '--json'], 'INVALID_ARGUMENT', 'hotfix verify --help'],
      [['stauts', '--json'], 'UNKNOWN_COMMAND', 'hotfix --help'],
      [['help', 'stauts', '--json'], 'COMMAND_MISSING', 'hotfix --help'],
    ];
    for (const [args, code, help] of cases) {
      const r = await run(args);
      expect(r.code, args.join(' ')).toBe(2);
      const doc = JSON.parse(r.stdout);
      expect(doc).toMatchObject({ ok: false, error: { code, kind: 'usage' }, exitCode: 2 });
      expect(doc.error.hint).toContain(`Run ${help} for usage.`);
      expect(r.stderr).not.toContain('error:'); // not commander's text: ours, with the hint
      expect(r.stderr).toContain(`(${code}, exit 2)`);
    }
  });

  it('did you mean: a command, an option, an environment', async () => {
    const text = await run(['stauts']);
    expect(text.code).toBe(2);
    expect(text.stderr).toContain('(Did you mean status?)');
    const json = JSON.parse((await run(['stauts', '--json'])).stdout);
    expect(json.error.hint).toBe('Did you mean status? Run hotfix --help for usage.');
    const option = JSON.parse((await run(['verify', '--jsn', '--json'])).stdout);
    expect(option.error).toMatchObject({
      message: "Unknown option '--jsn'.",
      details: { suggestion: '--json' },
    });
    // A typo in a required option is named as such, not as the required option missing.
    const typo = await run(['deploy', 'x', '--envv', 'staging']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain("unknown option '--envv'\n(Did you mean --env?)");
    expect(typo.stderr).not.toContain('required option');
    const typoJson = await run(['deploy', 'x', '--envv', 'staging', '--json']);
    expect(typoJson.code).toBe(2);
    expect(JSON.parse(typoJson.stdout)).toMatchObject({
      ok: false,
      exitCode: 2,
      error: {
        code: 'UNKNOWN_OPTION',
        kind: 'usage',
        message: "Unknown option '--envv'.",
        hint: 'Did you mean --env? Run hotfix deploy --help for usage.',
        details: { suggestion: '--env' },
      },
    });
    const env = await run(['verify', '--env', 'prodution', '--json']);
    expect(env.code).toBe(2);
    expect(JSON.parse(env.stdout).error).toMatchObject({
      code: 'UNKNOWN_ENV',
      message: 'Unknown environment "prodution". Did you mean "production"?',
    });
  });

  it('-C to a missing folder is exit 2 for every command, lint included', async () => {
    for (const args of [['lint'], ['status'], ['verify', '--json']]) {
      const r = await run(['-C', path.join(dir, 'no-such-dir'), ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toContain('CWD_MISSING');
    }
  });

  it('verify: --json is --format json; with another format it is a usage error', async () => {
    const r = await run(['verify', '--json', '--format', 'github']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).error.code).toBe('FORMAT_CONFLICT');
  });
});
