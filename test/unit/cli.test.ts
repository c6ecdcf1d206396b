// The CLI wiring itself, driven in-process with fake streams: help, usage errors, --version and
// the one print path (a JSON document on stdout, exit code from the result).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/index.js';
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

describe('runCli', () => {
  it('--help lists every command and exits 0', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    for (const command of ['start', 'status', 'resolve', 'deploy', 'lint', 'rollback', 'verify'])
      expect(r.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    expect(r.stdout).toContain('-C, --cwd <dir>');
    expect(r.stdout).toContain('--config <file>');
  });

  it('an unknown option is a usage error: exit 2 with the message on stderr', async () => {
    const r = await run(['status', '--no-such-option']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain("unknown option '--no-such-option'");
    expect(r.stderr).toContain('(run hotfix --help for usage)');
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
});
