import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** Turns a folder into a git repository on `main` with everything committed. */
export function initRepo(dir: string, branch = 'main'): void {
  git(dir, 'init', '-q', '-b', branch);
  git(dir, 'config', 'user.email', 'oncall@example.com');
  git(dir, 'config', 'user.name', 'On Call');
  git(dir, 'config', 'commit.gpgsign', 'false');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'initial');
}

/** Everything a failed command must leave as it was: refs, HEAD, index, and every file's bytes. */
export function snapshot(dir: string): {
  refs: string;
  head: string;
  status: string;
  files: Record<string, string>;
} {
  const files: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const entry of readdirSync(path.join(dir, rel))) {
      if (entry === '.git' || entry === 'node_modules') continue;
      const child = rel ? `${rel}/${entry}` : entry;
      const full = path.join(dir, child);
      if (statSync(full).isDirectory()) walk(child);
      else files[child] = createHash('sha256').update(readFileSync(full)).digest('hex');
    }
  };
  walk('');
  return {
    refs: git(dir, 'for-each-ref', '--format=%(refname) %(objectname)'),
    head: git(dir, 'symbolic-ref', '-q', 'HEAD'),
    status: git(dir, 'status', '--porcelain=v1', '--untracked-files=all'),
    files,
  };
}
