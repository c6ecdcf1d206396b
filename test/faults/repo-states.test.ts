// Repository states that must stop a command before it changes anything (real git, SQLite
// project): a merge or a rebase in progress, a lock taken on another host, a .hotfix/ that is a
// symbolic link out of the repository. Each is refused with its cause; the repository is as it was.
import { mkdirSync, readdirSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { git, snapshot } from '../support/git.js';
import { runHotfix, startWithSql } from '../support/hotfix.js';
import { useTwoEnvProject } from '../support/scenario.js';

describe.sequential('repository states', () => {
  const hotfix = (args: string[], extra: Record<string, string> = {}) =>
    runHotfix(s.project.dir, args, { ...s.env, ...extra });

  const s = useTwoEnvProject({ provider: 'sqlite', prefix: 'repo_states' }, async (s) => {
    await startWithSql(
      s,
      'states',
      'CREATE INDEX "Post_title_idx" ON "Post"("title");\n',
      'DROP INDEX "Post_title_idx";\n',
    );
    git(s.project.dir, 'checkout', '-q', 'main');
  });

  /** Two branches that change the same line of README.md. */
  function conflict(name: string): void {
    writeFileSync(path.join(s.project.dir, 'CONFLICT.md'), 'base\n');
    git(s.project.dir, 'add', '-A');
    git(s.project.dir, 'commit', '-qm', `${name}: base`);
    git(s.project.dir, 'checkout', '-q', '-b', `${name}-a`);
    writeFileSync(path.join(s.project.dir, 'CONFLICT.md'), 'side a\n');
    git(s.project.dir, 'commit', '-qam', `${name}: a`);
    git(s.project.dir, 'checkout', '-q', 'main');
    writeFileSync(path.join(s.project.dir, 'CONFLICT.md'), 'side main\n');
    git(s.project.dir, 'commit', '-qam', `${name}: main`);
  }

  test('a merge in progress on the base branch: start refuses, the merge is left as it was', async () => {
    conflict('merge');
    expect(() => git(s.project.dir, 'merge', '-q', 'merge-a')).toThrow();
    const before = snapshot(s.project.dir);
    const r = await hotfix(['start', 'during-merge']);
    expect(r.exitCode, r.stderr).toBe(2);
    expect(r.stderr).not.toMatch(/bug|Unexpected/i);
    expect(snapshot(s.project.dir)).toEqual(before);
    expect(git(s.project.dir, 'rev-parse', '-q', '--verify', 'MERGE_HEAD').trim()).not.toBe('');
    git(s.project.dir, 'merge', '--abort');
  });

  test('a rebase in progress: start and deploy refuse, the rebase is left as it was', async () => {
    conflict('rebase');
    git(s.project.dir, 'checkout', '-q', 'rebase-a');
    expect(() => git(s.project.dir, 'rebase', '-q', 'main')).toThrow();
    const state = () => [
      git(s.project.dir, 'rev-parse', 'HEAD'),
      git(s.project.dir, 'status', '--porcelain'),
    ];
    const before = state();
    try {
      for (const args of [
        ['start', 'during-rebase'],
        ['deploy', 'states', '--env', 'staging'],
      ]) {
        const r = await hotfix(args);
        expect(r.exitCode, r.stderr).toBe(2);
        expect(r.stderr).not.toMatch(/bug|Unexpected/i);
      }
      expect(state()).toEqual(before);
      expect(readdirSync(path.join(s.repoDir, '.git'))).toContain('rebase-merge');
    } finally {
      git(s.project.dir, 'rebase', '--abort');
      git(s.project.dir, 'checkout', '-q', 'main');
    }
  });

  test('a lock taken on another host: reported with the host; --force-unlock never removes it', async () => {
    git(s.project.dir, 'checkout', '-q', 'hotfix/states');
    const lock = path.join(s.repoDir, '.git', 'hotfix.lock');
    writeFileSync(
      lock,
      `${JSON.stringify({ pid: 4242, host: 'ci-runner-7', since: '2026-11-27T02:10:00Z', command: 'hotfix deploy states' })}\n`,
    );
    for (const extra of [[], ['--force-unlock']]) {
      const r = await hotfix([...extra, 'deploy', 'states', '--env', 'staging']);
      expect(r.exitCode).toBe(4);
      expect(r.stderr).toContain('pid 4242 on ci-runner-7');
      expect(r.stderr).toContain('--force-unlock never removes another host');
    }
    expect(readdirSync(path.join(s.repoDir, '.git'))).toContain('hotfix.lock');
    renameSync(lock, `${lock}.gone`);
    git(s.project.dir, 'checkout', '-q', 'main');
  });

  test('.hotfix/ as a symbolic link out of the repository: refused before anything is written there', async () => {
    const outside = path.join(os.tmpdir(), `hotfix-ledgers-${process.pid}`);
    mkdirSync(outside, { recursive: true });
    git(s.project.dir, 'checkout', '-q', 'hotfix/states');
    const dir = path.join(s.project.dir, '.hotfix');
    renameSync(dir, `${dir}.real`);
    symlinkSync(outside, dir);
    git(s.project.dir, 'add', '-A');
    git(s.project.dir, 'commit', '-qm', 'ledgers elsewhere');
    try {
      const r = await hotfix(['deploy', 'states', '--env', 'staging']);
      expect(r.exitCode, r.stderr).toBe(2);
      expect(r.stderr).toContain('PATH_OUTSIDE_REPO');
      expect(readdirSync(outside)).toEqual([]);
    } finally {
      git(s.project.dir, 'reset', '-q', '--hard', 'HEAD~1');
    }
    expect(readdirSync(dir)).toContain('states.json');
  });
});
