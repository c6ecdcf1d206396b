/** Exit codes are part of the contract (README "Exit codes"): CI scripts branch on them. */
export const ExitCode = {
  ok: 0,
  findings: 1,
  usage: 2,
  ledger: 3,
  infra: 4,
  /** Ctrl-C (SIGINT), as shells report a command it stopped: 128 + 2. */
  interrupted: 130,
  /** SIGTERM: 128 + 15. */
  terminated: 143,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export type ErrorKind = 'findings' | 'usage' | 'ledger' | 'infra' | 'interrupted';

const exitFor: Record<ErrorKind, ExitCode> = {
  findings: ExitCode.findings,
  usage: ExitCode.usage,
  ledger: ExitCode.ledger,
  infra: ExitCode.infra,
  interrupted: ExitCode.interrupted,
};

export interface HotfixErrorOptions {
  /** What to run or change to get past this; names a flag or a command. */
  hint?: string | undefined;
  cause?: unknown;
  /** Extra machine-readable facts for --json (paths, dirty files, lock holder...). */
  details?: Record<string, unknown> | undefined;
}

/**
 * Every error a command can end with. `code` is stable (scripts may match on it), `kind`
 * decides the exit code, `message` says what happened, `hint` what to do next.
 */
export class HotfixError extends Error {
  readonly code: string;
  readonly kind: ErrorKind;
  readonly hint: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(kind: ErrorKind, code: string, message: string, options: HotfixErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'HotfixError';
    this.kind = kind;
    this.code = code;
    this.hint = options.hint;
    this.details = options.details;
  }

  get exitCode(): ExitCode {
    return exitFor[this.kind];
  }
}

export const usageError = (code: string, message: string, options?: HotfixErrorOptions) =>
  new HotfixError('usage', code, message, options);
export const ledgerError = (code: string, message: string, options?: HotfixErrorOptions) =>
  new HotfixError('ledger', code, message, options);
export const infraError = (code: string, message: string, options?: HotfixErrorOptions) =>
  new HotfixError('infra', code, message, options);
export const findingsError = (code: string, message: string, options?: HotfixErrorOptions) =>
  new HotfixError('findings', code, message, options);

/** The project folder (-C) is not there: checked before anything runs in it. */
export const cwdMissingError = (cwd: string, isFile: boolean) =>
  usageError('CWD_MISSING', isFile ? `${cwd} is not a folder.` : `Folder ${cwd} does not exist.`, {
    hint: 'Check the folder given with -C (--cwd), or run hotfix from your project folder.',
  });

export function isHotfixError(value: unknown): value is HotfixError {
  return value instanceof HotfixError;
}
