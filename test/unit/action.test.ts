// action.yml: GitHub's metadata syntax (test/support/action.ts), inputs that cannot inject code,
// and a run script bash accepts. Running it on a real project: test/e2e/verify-ci.test.ts.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { actionMetadata, actionScript, readAction } from '../support/action.js';
import { repoRoot } from '../support/hotfix.js';

const hasShellcheck = spawnSync('shellcheck', ['--version']).status === 0;

describe('action.yml', () => {
  const action = readAction();
  const { script, env } = actionScript(action);

  it('is valid action metadata: a composite action with the inputs env, strict, working-directory', () => {
    expect(Object.keys(action.inputs ?? {}).sort()).toEqual(['env', 'strict', 'working-directory']);
    expect(action.inputs?.strict?.default).toBe('false');
    expect(action.runs.steps.filter((s) => s.run !== undefined)).toHaveLength(1);
    expect(action.runs.steps[0]).toMatchObject({
      shell: 'bash',
      'working-directory': '${{ inputs.working-directory }}',
    });
  });

  it('passes inputs to the script as variables, never as expressions inside it', () => {
    expect(script).not.toContain('${{');
    const inputs = Object.keys(action.inputs ?? {});
    for (const value of Object.values(env)) {
      const used = /^\$\{\{ inputs\.([\w-]+) \}\}$/.exec(value)?.[1];
      expect(inputs).toContain(used);
    }
  });

  it("runs the project's own hotfix (npx --no-install), never installs one", () => {
    expect(script).toMatch(/^\s*npx --no-install hotfix "\$\{args\[@\]\}"$/m);
    expect(script).not.toMatch(/npm (ci|install|i)\b|npx (?!--no-install)/);
  });

  it('is a script bash accepts', () => {
    execFileSync('bash', ['-n', '-c', script]);
  });

  it.skipIf(!hasShellcheck)('passes shellcheck', () => {
    execFileSync('shellcheck', ['--shell=bash', '-'], { input: script });
  });

  it('the schema refuses what GitHub refuses', () => {
    const valid = readAction();
    const step = valid.runs.steps[0]!;
    const broken = [
      { ...valid, description: undefined }, // description is required
      { ...valid, inputs: { env: { required: false } } }, // an input needs a description
      { ...valid, runs: { using: 'composite', steps: [{ ...step, shell: undefined }] } }, // run needs shell
      { ...valid, runs: { ...valid.runs, steps: [{ ...step, 'timeout-minutes': 5 }] } }, // not a composite step key
      { ...valid, branding: { icon: 'shield', color: 'pink' } },
    ];
    for (const doc of broken) expect(actionMetadata.safeParse(doc).success, JSON.stringify(doc)).toBe(false);
  });

  it('the example workflow and the README use it with its inputs only', () => {
    const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
    const documents = [
      readFileSync(path.join(repoRoot, '.github/workflows/hotfix-verify.example.yml'), 'utf8'),
      ...[...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!),
    ];
    const inputs = Object.keys(action.inputs ?? {});
    let uses = 0;
    for (const text of documents) {
      const doc = load(text) as { jobs?: Record<string, { steps?: { uses?: string; with?: object }[] }> };
      for (const step of Object.values(doc.jobs ?? {}).flatMap((job) => job.steps ?? [])) {
        if (!step.uses?.endsWith('node_modules/prisma-hotfix')) continue;
        uses++;
        for (const key of Object.keys(step.with ?? {})) expect(inputs).toContain(key);
      }
    }
    expect(uses).toBe(4); // two in the example, two in the README
  });
});
