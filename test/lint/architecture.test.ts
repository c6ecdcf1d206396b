// The architecture table (architecture.json) is enforced: dependency-cruiser with the project's
// own config (what npm run lint runs) fails a probe tree that breaks it, rule by rule.
import { execa } from 'execa';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../support/hotfix.js';

const PROBES: [what: string, file: string, text: string, rule: string][] = [
  [
    'cli -> adapters/git (a value import)',
    'src/cli/probe.ts',
    "import { openGit } from '../adapters/git.js';\nexport const x = openGit;\n",
    'cli: value imports',
  ],
  [
    'core -> node:fs',
    'src/core/probe.ts',
    "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n",
    'core: Node built-ins',
  ],
  [
    'commands -> ui through import()',
    'src/commands/probe.ts',
    "export const x = async () => (await import('../ui/render.js')).r;\n",
    'commands: import()',
  ],
  [
    'workflow -> an adapter value',
    'src/workflow/probe.ts',
    "import { openGit } from '../adapters/git.js';\nexport const x = openGit;\n",
    'workflow: value imports',
  ],
  [
    'core -> an npm package outside its row',
    'src/core/chalky.ts',
    "import chalk from 'chalk';\nexport const x = chalk;\n",
    'core: packages',
  ],
  [
    'an import cycle',
    'src/core/a.ts',
    "import { b } from './b.js';\nexport const a = () => b;\n",
    'no cycles',
  ],
];
const SUPPORT: Record<string, string> = {
  'src/adapters/git.ts': 'export const openGit = 1;\nexport interface Git { root: string }\n',
  'src/ui/render.ts': 'export const r = 1;\n',
  'src/core/b.ts': "import { a } from './a.js';\nexport const b = () => a;\n",
  // Allowed: a type-only import of an adapter from workflow/.
  'src/workflow/typed.ts': "import type { Git } from '../adapters/git.js';\nexport type X = Git;\n",
};

let violations: { from: string; rule: string }[] = [];
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'hotfix-arch-'));
  symlinkSync(path.join(repoRoot, 'node_modules'), path.join(dir, 'node_modules'));
  for (const [rel, text] of [...PROBES.map(([, f, t]) => [f, t] as const), ...Object.entries(SUPPORT)]) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), text);
  }
  const config = path.join(repoRoot, '.dependency-cruiser.cjs');
  const r = await execa(
    path.join(repoRoot, 'node_modules', '.bin', 'depcruise'),
    ['src', '--config', config, '--output-type', 'json'],
    { cwd: dir, reject: false },
  );
  const doc = JSON.parse(r.stdout) as { summary: { violations: { from: string; rule: { name: string } }[] } };
  violations = doc.summary.violations.map((v) => ({ from: v.from, rule: v.rule.name }));
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the architecture table, enforced', () => {
  it.each(PROBES)('%s fails', (_what, file, _text, rule) => {
    expect(violations).toContainEqual({ from: file, rule });
  });

  it('a type-only import across layers is allowed where the table says so', () => {
    expect(violations.filter((v) => v.from === 'src/workflow/typed.ts')).toEqual([]);
  });
});
