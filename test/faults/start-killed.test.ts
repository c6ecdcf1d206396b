// hotfix start killed by SIGKILL (real git, SQLite project) after it wrote its files and ledger,
// before its commit: the next start reports the stale lock, then the interrupted start with the
// exact commands to keep or drop what it wrote; both ways end in a clean repository. Killed
// earlier (after making its branch, after writing the migration files), it gives the way back.
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { git } from '../support/git.js';
import { runHotfix } from '../support/hotfix.js';
import { useTwoEnvProject } from '../support/scenario.js';

describe.sequential('start killed before its commit', () => {
  const hotfix = (args: string[], extra: Record<string, string> = {}) =>
    runHotfix(s.project.dir, args, { ...s.env, ...extra });
  const sh = (cmd: string) => {
    // The hint's commands, run as a person would paste them.
    for (const part of cmd.split(' && ')) {
      const words = part.match(/"[^"]*"|\S+/g)!.map((w) => w.replace(/^"|"$/g, ''));
      expect(words[0]).toBe('git');
      git(s.project.dir, ...words.slice(1));
    }
  };

  const s = useTwoEnvProject({ provider: 'sqlite', prefix: 'start_killed' });

  async function killed(name: string): Promise<{ keep: string; drop: string }> {
    const r = await hotfix(['start', name], { HOTFIX_TEST_KILL_AT: 'start-after-create-ledger' });
    expect(r.exitCode).not.toBe(0);
    const next = await hotfix(['--force-unlock', 'start', name]);
    expect(next.exitCode, next.stderr).toBe(2);
    expect(next.stderr).toContain('START_INTERRUPTED');
    expect(next.stderr).toContain(`An earlier hotfix start ${name} was interrupted before its commit`);
    const hint = /What to do: To keep it: (.*)\. To drop it and start again: (.*)\n/.exec(next.stderr)!;
    expect(existsSync(path.join(s.repoDir, '.git', 'hotfix.lock'))).toBe(false);
    return { keep: hint[1]!, drop: hint[2]! };
  }

  test('keep it: the commands given commit what it wrote; the hotfix is then whole', async () => {
    const { keep } = await killed('kept');
    sh(keep);
    expect(git(s.project.dir, 'status', '--porcelain')).toBe('');
    const status = await hotfix(['status', 'kept']);
    expect(status.exitCode, status.stderr).toBe(0);
    git(s.project.dir, 'checkout', '-q', 'main');
  });

  test('drop it: the commands given remove it; start then runs again from the base', async () => {
    const { drop } = await killed('dropped');
    sh(drop);
    expect(git(s.project.dir, 'status', '--porcelain')).toBe('');
    expect(git(s.project.dir, 'branch', '--list', 'hotfix/dropped')).toBe('');
    const again = await hotfix(['start', 'dropped']);
    expect(again.exitCode, again.stderr).toBe(0);
  });

  // Killed before its ledger was written: there is nothing whole to keep, only the way to drop it.
  test.each(['start-after-create-branch', 'start-after-write-files'])(
    'killed at %s: the next start names it and gives the commands to drop it; start then runs again',
    async (point) => {
      const name = `early-${point.replace('start-after-', '')}`;
      git(s.project.dir, 'checkout', '-q', 'main');
      const r = await hotfix(['start', name], { HOTFIX_TEST_KILL_AT: point });
      expect(r.exitCode).not.toBe(0);
      // A person's own file, made meanwhile, is not the start's to remove.
      writeFileSync(path.join(s.project.dir, 'notes.txt'), 'mine\n');
      const next = await hotfix(['--force-unlock', 'start', name]);
      expect(next.exitCode, next.stderr).toBe(2);
      expect(next.stderr).toContain('START_INTERRUPTED');
      expect(next.stderr).toContain(
        `An earlier hotfix start ${name} was interrupted before it wrote its ledger`,
      );
      expect(next.stderr).toContain('Other changes in the tree stay as they are (notes.txt).');
      expect(next.stderr).not.toContain('To keep it');
      const drop = /What to do: To drop it and start again: (.*)\n/.exec(next.stderr)![1]!;
      expect(drop).not.toContain('notes.txt');
      sh(drop);
      expect(git(s.project.dir, 'status', '--porcelain')).toBe('?? notes.txt');
      rmSync(path.join(s.project.dir, 'notes.txt'));
      expect(git(s.project.dir, 'branch', '--list', `hotfix/${name}`)).toBe('');
      const again = await hotfix(['start', name]);
      expect(again.exitCode, again.stderr).toBe(0);
      git(s.project.dir, 'checkout', '-q', 'main');
    },
  );

  test('a hotfix branch with a commit of its own is never offered for deletion', async () => {
    git(s.project.dir, 'checkout', '-q', 'main');
    const r = await hotfix(['start', 'worked-on'], { HOTFIX_TEST_KILL_AT: 'start-after-create-branch' });
    expect(r.exitCode).not.toBe(0);
    git(s.project.dir, 'commit', '-q', '--allow-empty', '-m', 'work of a person');
    const next = await hotfix(['--force-unlock', 'start', 'worked-on']);
    expect(next.exitCode, next.stderr).toBe(2);
    expect(next.stderr).not.toContain('START_INTERRUPTED');
    expect(next.stderr).not.toMatch(/branch -[dD]/);
    expect(git(s.project.dir, 'log', '-1', '--format=%s')).toBe('work of a person');
    git(s.project.dir, 'checkout', '-q', 'main');
  });
});
