import { execa } from 'execa';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const hotfixBin = path.join(repoRoot, 'bin', 'hotfix.js');

export interface HotfixRun {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Spawns the real bin (compiled by `npm install`), as a user or CI would, without a TTY. */
export async function runHotfix(
  cwd: string,
  args: string[],
  env: Record<string, string | undefined> = {},
): Promise<HotfixRun> {
  const result = await execa(process.execPath, [hotfixBin, ...args], {
    cwd,
    env: { NO_COLOR: '1', ...env },
    reject: false,
    stdin: 'ignore',
    timeout: 180_000,
  });
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
}

export function startHotfix(cwd: string, args: string[], env: Record<string, string | undefined> = {}) {
  return execa(process.execPath, [hotfixBin, ...args], {
    cwd,
    env: { NO_COLOR: '1', ...env },
    reject: false,
    stdin: 'ignore',
  });
}
