import { execa } from 'execa';
import { infraError } from '../core/errors.js';
import { redact } from '../core/redact.js';
import { holdIfStopping, killGroup, trackChild, untrackChild } from './interrupt.js';

export interface ExecOptions {
  cwd: string;
  /** Added to (not replacing) the parent environment unless `extendEnv` is false. */
  env?: Record<string, string | undefined>;
  extendEnv?: boolean;
  timeoutMs?: number;
  input?: string;
  /** Literal values to mask in anything reported (URLs, passwords). */
  secrets?: readonly string[];
}

export interface ExecResult {
  command: string;
  args: readonly string[];
  exitCode: number;
  stdout: string;
  stderr: string;
  durationMs: number;
}

export type Exec = (file: string, args: readonly string[], options: ExecOptions) => Promise<ExecResult>;

export const DEFAULT_TIMEOUT_MS = 5 * 60_000;

/**
 * The one place a child process starts. Argument arrays only (no shell), so no name or path
 * can be interpreted as shell syntax. A non-zero exit is a result, not an exception: callers
 * decide what an exit code means (prisma uses 1 and 2 for different things). Failing to run
 * at all (missing binary, timeout, killed) is an infrastructure error with redacted stderr.
 */
export const exec: Exec = async (file, args, options) => {
  const started = Date.now();
  const secrets = options.secrets ?? [];
  const shown = `${file} ${args.join(' ')}`;
  // Its own process group, so that an interrupt can stop the child with everything it started
  // (prisma runs its schema engine as a child of its own, which would go on running the SQL).
  const child = execa(file, args, {
    detached: true,
    cwd: options.cwd,
    env: options.env,
    extendEnv: options.extendEnv ?? true,
    timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    input: options.input,
    stdin: options.input === undefined ? 'ignore' : undefined,
    reject: false,
    stripFinalNewline: false,
    windowsHide: true,
  });
  const group = child.pid;
  if (group !== undefined) trackChild(group);
  const result = await child.finally(() => {
    if (group !== undefined) untrackChild(group);
  });
  // A timeout kills the child; what it started must go with it. (Only then: once a group is
  // gone its number may be reused, and a signal must never reach someone else's processes.)
  if (result.timedOut && group !== undefined) killGroup(group);
  // Stopped by our own interrupt handler: what the child says now is not an outcome.
  await holdIfStopping();
  const stdout = redact(String(result.stdout ?? ''), secrets);
  const stderr = redact(String(result.stderr ?? ''), secrets);
  const details = { command: redact(shown, secrets), exitCode: result.exitCode, stderr: stderr.slice(-4000) };
  if (result.timedOut) {
    throw infraError(
      'EXEC_TIMEOUT',
      `${redact(file, secrets)} did not finish within ${Math.round((options.timeoutMs ?? DEFAULT_TIMEOUT_MS) / 1000)} s and was stopped.`,
      {
        hint: 'Check that the database is reachable and not locked, then retry.',
        details,
      },
    );
  }
  if (result.failed && result.exitCode === undefined) {
    const code = (result as { code?: string }).code;
    if (code === 'ENOENT') {
      throw infraError('EXEC_NOT_FOUND', `${redact(file, secrets)} was not found.`, {
        hint: 'Install it, or check PATH and the project folder (-C).',
        details,
      });
    }
    const signal = result.signal ? ` (killed by ${result.signal})` : '';
    throw infraError(
      'EXEC_FAILED',
      `${redact(file, secrets)} could not run${signal}: ${redact(result.shortMessage ?? '', secrets)}`,
      {
        details,
      },
    );
  }
  return {
    command: file,
    args,
    exitCode: result.exitCode ?? 1,
    stdout,
    stderr,
    durationMs: Date.now() - started,
  };
};
