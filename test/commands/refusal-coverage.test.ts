// Every refusal a command can make has a test in the fast tier: each error code that src/
// raises as a usage or findings error (exit 2 or 1: a decision, not a broken outside world)
// appears in a test under test/unit, test/lint or test/commands. adapters/ are left out: what
// they refuse comes from the real outside world (a table without a key for --backup), and is
// tested against it (test/integration, test/e2e).
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../support/hotfix.js';

const files = (dir: string): string[] =>
  readdirSync(path.join(repoRoot, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : [],
  );

/** code -> where src raises it, for usageError(...) and findingsError(...) with a literal code. */
function refusals(): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of files('src').filter((x) => !x.startsWith('src/adapters/'))) {
    const text = readFileSync(path.join(repoRoot, f), 'utf8');
    for (const m of text.matchAll(/\b(?:usageError|findingsError)\(\s*'([A-Z][A-Z0-9_]+)'/g))
      out.set(m[1]!, f);
  }
  return out;
}

const fastTests = ['test/unit', 'test/lint', 'test/commands']
  .flatMap(files)
  .filter((f) => !f.endsWith('refusal-coverage.test.ts'))
  .map((f) => readFileSync(path.join(repoRoot, f), 'utf8'))
  .join('\n');

describe('refusals, each tested in the fast tier', () => {
  const all = [...refusals()];
  it('finds the refusals of src/', () => {
    expect(all.length).toBeGreaterThan(60);
  });
  it.each(all)('%s (%s)', (code) => {
    expect(fastTests).toMatch(new RegExp(`\\b${code}\\b`));
  });
});
