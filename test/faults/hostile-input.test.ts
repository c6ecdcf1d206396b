// Hostile names and paths, with real git (SQLite project, no server needed): each is rejected
// before any git or prisma call, with exit 2, and nothing is created: no branch, no folder, no
// ledger, no commit.
import { mkdirSync, readdirSync, renameSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { git, snapshot } from '../support/git.js';
import { runHotfix } from '../support/hotfix.js';
import { useTwoEnvProject } from '../support/scenario.js';

const NAMES = [
  '../x',
  '/etc/passwd',
  '--upload-pack=touch /tmp/pwned',
  '-x',
  'a\nb',
  'a\u0000b',
  'x'.repeat(201),
  'a\u2215b', // DIVISION SLASH, looks like "/"
  'a\uff0e\uff0eb', // FULLWIDTH FULL STOP, looks like "."
  '.hidden',
  'a b',
];

describe.sequential('hostile names and paths', () => {
  const s = useTwoEnvProject({ provider: 'sqlite', prefix: 'hostile' });

  const folders = () => readdirSync(s.project.migrationsDir).sort();

  test.each(NAMES.map((n) => [JSON.stringify(n).slice(0, 40), n]))(
    'hotfix start %s: refused (exit 2), nothing created',
    async (_shown, name) => {
      const before = snapshot(s.project.dir);
      const migrations = folders();
      // A NUL cannot be passed in argv at all: the OS refuses it before hotfix runs.
      if (name.includes('\u0000')) {
        await expect(runHotfix(s.project.dir, ['start', name], s.env)).rejects.toThrow();
        return;
      }
      const r = await runHotfix(s.project.dir, ['start', name], s.env);
      expect(r.exitCode, r.stdout + r.stderr).toBe(2);
      expect(r.stderr).not.toMatch(/bug|Unexpected/i);
      expect(snapshot(s.project.dir)).toEqual(before);
      expect(folders()).toEqual(migrations);
      expect(git(s.project.dir, 'branch', '--list', 'hotfix/*')).toBe('');
    },
  );

  test.each(NAMES.filter((n) => !n.includes('\u0000')).map((n) => [JSON.stringify(n).slice(0, 40), n]))(
    'hotfix deploy %s: refused (exit 2) before any git or prisma call',
    async (_shown, name) => {
      const r = await runHotfix(s.project.dir, ['deploy', name, '--env', 'staging'], {
        ...s.env,
        // Were prisma or git reached, they would fail differently: neither is on this PATH.
        PATH: '/nonexistent',
      });
      expect(r.exitCode, r.stdout + r.stderr).toBe(2);
      // A leading "-" is taken for an option and refused as one; the rest as a bad name.
      expect(r.stderr).toMatch(/name|unknown option/i);
    },
  );

  test('a migrations folder that is a symlink out of the repository: refused, nothing written there', async () => {
    const outside = path.join(os.tmpdir(), `hotfix-outside-${process.pid}`);
    mkdirSync(outside, { recursive: true });
    const real = s.project.migrationsDir;
    renameSync(real, `${real}.real`);
    symlinkSync(outside, real);
    // Committed, as a hostile repository would hold it: the tree is clean.
    git(s.project.dir, 'add', '-A');
    git(s.project.dir, 'commit', '-qm', 'migrations point elsewhere');
    try {
      const r = await runHotfix(s.project.dir, ['start', 'escape'], s.env);
      expect(r.exitCode, r.stdout + r.stderr).toBe(2);
      expect(r.stderr).toMatch(/outside|symlink|link/i);
      expect(readdirSync(outside)).toEqual([]);
    } finally {
      git(s.project.dir, 'reset', '-q', '--hard', 'HEAD~1');
    }
    expect(readdirSync(real).length).toBeGreaterThan(0);
  });
});
