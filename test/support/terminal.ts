// Runs hotfix on a pseudo-terminal (script(1)), as a person at a terminal would.
import { execa } from 'execa';
import { hotfixBin } from './hotfix.js';

export const shq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * Runs hotfix on a pseudo-terminal, typing `answer` once at the [y/N] prompt (`\x03` is Ctrl-C).
 * CI runners set CI, which hotfix rightly reads as "nobody to ask" even on a terminal: it is unset
 * here (and NO_COLOR when colour is wanted), so the test is the same on a laptop and in CI.
 */
export async function atTerminal(
  cwd: string,
  args: string[],
  env: Record<string, string>,
  answer: string,
  colour = false,
): Promise<{ exitCode: number | undefined; all: string }> {
  const envs = Object.entries(colour ? env : { ...env, NO_COLOR: '1' })
    .map(([k, v]) => `${k}=${shq(v)}`)
    .join(' ');
  const unset = colour ? '-u CI -u NO_COLOR' : '-u CI';
  const child = execa(
    'script',
    [
      '-qec',
      `env ${unset} ${envs} ${shq(process.execPath)} ${shq(hotfixBin)} ${args.map(shq).join(' ')}`,
      '/dev/null',
    ],
    { cwd, reject: false, stdin: 'pipe', all: true },
  );
  let seen = '';
  let typed = false;
  child.all.on('data', (d: Buffer) => {
    seen += d.toString();
    if (!typed && seen.includes('[y/N]')) {
      typed = true;
      child.stdin.write(answer);
    }
  });
  const r = await child;
  return { exitCode: r.exitCode, all: String(r.all) };
}
