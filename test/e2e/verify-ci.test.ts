// hotfix verify where CI shows it, on a real project (SQLite, the real Prisma 7 CLI and git) in a
// folder of its repository, as in a monorepo: --format github (annotations on files relative to
// the repository root, the job summary), and action.yml's script run as GitHub's runner would
// run it. --format gitlab (the code-quality report) and one exit code in every format are tested
// in-process: test/commands/verify.test.ts.
import { execa } from 'execa';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { actionScript, readAction } from '../support/action.js';
import { parseAnnotations } from '../support/github-commands.js';
import { git } from '../support/git.js';
import { hotfixBin, runHotfix } from '../support/hotfix.js';
import { useTwoEnvProject } from '../support/scenario.js';

describe.sequential('hotfix verify --format github, and action.yml', () => {
  let dir: string;
  let sub: string; // the project folder, relative to the repository root
  let migration: string;
  const verify = (args: string[], env: Record<string, string> = {}) =>
    runHotfix(dir, ['verify', ...args], { ...s.env, ...env });

  const s = useTwoEnvProject({ provider: 'sqlite', prefix: 'verify_ci', inSubfolder: true }, async (s) => {
    dir = s.project.dir;
    sub = path.relative(s.repoDir, dir);
    // A hotfix started from the template, its migration.sql then written with a lint error on
    // line 3 (start would have refused it from --sql), and down.sql left a template.
    const r = await runHotfix(dir, ['start', 'fix-orphans', '--json'], s.env);
    expect(r.exitCode, r.stderr).toBe(0);
    migration = JSON.parse(r.stdout).migration.name;
    writeFileSync(
      path.join(dir, 'prisma', 'migrations', migration, 'migration.sql'),
      '-- orphaned posts, 02:05\n\nDELETE FROM "Post";\n',
    );
    git(s.repoDir, 'commit', '-qam', 'the fix');
  });

  test('github: annotations on files relative to the repository root, the summary appended', async () => {
    const summary = path.join(s.repoDir, '..', 'step-summary.md');
    writeFileSync(summary, '## an earlier step\n');
    const r = await verify(['--format', 'github', '--env', 'staging'], { GITHUB_STEP_SUMMARY: summary });
    expect(r.exitCode, r.stderr).toBe(1);
    const annotations = parseAnnotations(r.stdout);
    const folder = `${sub}/prisma/migrations/${migration}`;
    const byTitle = (code: string) => annotations.find((a) => a.properties.title?.includes(code));
    expect(byTitle('LINT_ERROR')).toMatchObject({
      command: 'error',
      properties: { file: `${folder}/migration.sql`, line: '3' },
    });
    expect(byTitle('LINT_ERROR')!.message).toContain('delete-without-where');
    expect(byTitle('HOTFIX_DOWN_TEMPLATE')).toMatchObject({
      command: 'error',
      properties: { file: `${folder}/down.sql`, line: '1' },
    });
    expect(byTitle('MIGRATION_PENDING on staging')).toMatchObject({
      command: 'warning',
      properties: { file: `${folder}/migration.sql`, line: '1' },
    });
    // Every annotation names a file that is in the repository (or is the hotfix's folder).
    for (const a of annotations)
      expect(a.properties.file, a.properties.title).toMatch(new RegExp(`^${sub}/`));
    // The text report follows for the log, its commands switched off.
    expect(r.stdout).toMatch(/::stop-commands::([\w-]+)\n[\s\S]*hotfix verify failed[\s\S]*\n::\1::$/);

    const md = readFileSync(summary, 'utf8');
    expect(md.startsWith('## an earlier step\n### :x: hotfix verify failed: exit 1')).toBe(true);
    expect(md).toContain('`LINT_ERROR`');
    expect(md).toMatch(/\| staging \| .* \| 1 \| 1 \| 0 \| none \|/);
  });

  test("action.yml's script, run as the runner runs it in the working directory", async () => {
    const { script, env } = actionScript(readAction());
    // What `npm ci` gives a project that depends on prisma-hotfix: node_modules/.bin/hotfix.
    const bin = path.join(dir, 'node_modules', '.bin');
    mkdirSync(bin, { recursive: true });
    symlinkSync(hotfixBin, path.join(bin, 'hotfix'));
    const summary = path.join(s.repoDir, '..', 'action-summary.md');
    const inputs = { env: 'staging\nproduction', strict: 'true', 'working-directory': sub };
    // The runner sets each `env:` entry from its `${{ inputs.x }}` expression.
    const stepEnv = Object.fromEntries(
      Object.entries(env).map(([name, value]) => [
        name,
        inputs[/inputs\.([\w-]+)/.exec(value)![1] as keyof typeof inputs],
      ]),
    );
    const run = await execa('bash', ['--noprofile', '--norc', '-e', '-o', 'pipefail', '-c', script], {
      cwd: path.join(s.repoDir, inputs['working-directory']),
      env: { ...s.env, ...stepEnv, GITHUB_STEP_SUMMARY: summary, CI: 'true', NO_COLOR: '1' },
      reject: false,
    });
    expect(run.exitCode, run.stderr).toBe(1);
    const annotations = parseAnnotations(run.stdout);
    // --strict: the pending migrations on staging and production are errors too.
    const pending = annotations.filter((a) =>
      a.properties.title?.startsWith('hotfix verify: MIGRATION_PENDING'),
    );
    expect(pending.map((a) => [a.command, a.properties.title])).toEqual([
      ['error', 'hotfix verify: MIGRATION_PENDING on production'],
      ['error', 'hotfix verify: MIGRATION_PENDING on staging'],
    ]);
    expect(readFileSync(summary, 'utf8')).toMatch(/^### :x: hotfix verify failed: exit 1/);
    expect(readFileSync(summary, 'utf8')).toContain('--strict');

    const bad = await execa('bash', ['-e', '-c', script], {
      cwd: dir,
      env: { ...s.env, ...stepEnv, HOTFIX_VERIFY_STRICT: 'yes please' },
      reject: false,
    });
    expect(bad.exitCode).toBe(2);
    expect(parseAnnotations(bad.stdout)[0]!.message).toBe('The strict input must be true or false.');
  });
});
