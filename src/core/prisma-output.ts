/**
 * Prisma's error codes, turned into outcomes commands can branch on. The texts are Prisma's
 * own (schema engine), matched loosely: the code is authoritative, the rest is detail.
 */
export type PrismaOutcome =
  | { kind: 'ok' }
  | { kind: 'unreachable'; code: 'P1001' | 'P1000' | 'P1003' | 'P1017'; message: string }
  | { kind: 'lock-timeout'; code: 'P1002'; message: string }
  | { kind: 'not-empty'; code: 'P3005'; message: string }
  | { kind: 'already-applied'; code: 'P3008'; migration: string | undefined; message: string }
  | { kind: 'failed-migrations'; code: 'P3009'; migrations: string[]; message: string }
  | { kind: 'never-applied'; code: 'P3011'; migration: string | undefined; message: string }
  | { kind: 'not-failed'; code: 'P3012'; migration: string | undefined; message: string }
  | { kind: 'migration-not-found'; code: 'P3017'; migration: string | undefined; message: string }
  | {
      kind: 'migration-failed';
      code: 'P3018';
      migration: string | undefined;
      databaseCode: string | undefined;
      databaseError: string | undefined;
      message: string;
    }
  | { kind: 'error'; code: string | undefined; message: string };

const CODE = /\b(P\d{4})\b/;

function backticked(text: string): string | undefined {
  return /`([^`]+)`/.exec(text)?.[1];
}

/** The part of the output that explains the error (Prisma prints it after `Error: Pxxxx`). */
function errorText(text: string): string {
  const at = text.search(/Error: P\d{4}|\bP\d{4}\b/);
  return (at >= 0 ? text.slice(at) : text).trim();
}

export function classifyPrismaOutput(exitCode: number, stdout: string, stderr: string): PrismaOutcome {
  const text = `${stderr}\n${stdout}`;
  const code = CODE.exec(stderr)?.[1] ?? CODE.exec(stdout)?.[1];
  if (exitCode === 0 && !code) return { kind: 'ok' };
  const message = errorText(text).slice(0, 4000);
  switch (code) {
    case 'P1000':
    case 'P1001':
    case 'P1003':
    case 'P1017':
      return { kind: 'unreachable', code, message };
    case 'P1002':
      return { kind: 'lock-timeout', code, message };
    case 'P3005':
      return { kind: 'not-empty', code, message };
    case 'P3008':
      return { kind: 'already-applied', code, migration: backticked(message), message };
    case 'P3009': {
      const migrations = [...message.matchAll(/The `([^`]+)` migration/g)].map((m) => m[1]!);
      return { kind: 'failed-migrations', code, migrations, message };
    }
    case 'P3011':
      return { kind: 'never-applied', code, migration: backticked(message), message };
    case 'P3012':
      return { kind: 'not-failed', code, migration: backticked(message), message };
    case 'P3017':
      return { kind: 'migration-not-found', code, migration: backticked(message), message };
    case 'P3018': {
      const migration = /Migration name:\s*(\S+)/.exec(message)?.[1];
      const databaseCode = /Database error code:\s*(\S+)/.exec(message)?.[1];
      const databaseError = /Database error:\s*\n?([\s\S]*?)(?:\n\s*\n|$)/.exec(message)?.[1]?.trim();
      return { kind: 'migration-failed', code, migration, databaseCode, databaseError, message };
    }
    default:
      if (exitCode === 0) return { kind: 'ok' };
      return { kind: 'error', code, message };
  }
}

/**
 * Prisma could not start its schema engine: not downloaded and its host unreachable (an
 * air-gapped CI, a firewall), or PRISMA_SCHEMA_ENGINE_BINARY naming a path that is not there.
 * Said with the fix, instead of prisma's `ENOTFOUND binaries.prisma.sh`.
 */
export function engineMissing(text: string): { why: string } | undefined {
  const unresolved = /PRISMA_SCHEMA_ENGINE_BINARY is provided but provided path (\S+) can't be resolved/.exec(
    text,
  );
  if (unresolved)
    return { why: `PRISMA_SCHEMA_ENGINE_BINARY points at ${unresolved[1]}, which does not exist` };
  const download = /request to https?:\/\/([^/\s]+)\/\S*schema-engine\S* failed, reason: (.*)/.exec(text);
  if (download) {
    return {
      why: `its schema engine is not installed, and ${download[1]} could not be reached to download it (${download[2]!.trim()})`,
    };
  }
  return undefined;
}

/** Prisma's lines that are not the error: banners, paths, blank lines, a bare `Error: Pxxxx`. */
const BANNER =
  /^(Prisma schema loaded from|Datasource "|Environment variables loaded|Loaded Prisma config|Prisma config detected|\d+ migrations? found in|Applying migration|The following migration|Error: P\d{4}$|\s*$)/;

/** The first lines of what prisma said, without its banners: the real cause. */
export function causeLines(text: string, max = 6): string {
  return text
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => !BANNER.test(l))
    .slice(0, max)
    .join('\n');
}

/** What prisma said of a failure, as a person should read it. */
export interface PrismaCause {
  /** Prisma's error code (the first it printed: P3014 before the P1010 it wraps). */
  code: string | undefined;
  /** Its code, then its message, without banners: "P1010: User `app` was denied access ...". */
  text: string;
  /**
   * The role may not create the temporary shadow database `migrate diff` replays the
   * migrations into (P1010 / P3014, PostgreSQL's "permission denied to create database").
   */
  shadowDenied: boolean;
}

/**
 * Prisma's error code and message from its output: never "Loaded Prisma config from
 * prisma.config.ts." or the other banners it prints first. `text` is '' when it said nothing.
 */
export function prismaCause(stdout: string, stderr: string, max = 6): PrismaCause {
  const output = `${stderr}\n${stdout}`;
  const code = CODE.exec(stderr)?.[1] ?? CODE.exec(stdout)?.[1];
  const said = causeLines(output, max)
    .split('\n')
    .map((l) => l.replace(/^Error:\s*/, ''))
    .filter((l) => l.trim() !== '')
    .join('\n');
  const text = code && !said.startsWith(code) ? (said ? `${code}: ${said}` : code) : said;
  const shadowDenied =
    code === 'P1010' ||
    code === 'P3014' ||
    /permission denied to create database|could not create the shadow database/i.test(output);
  return { code, text, shadowDenied };
}

/** Text on one line (newlines and runs of spaces as one space), cut to `max` characters. */
export function flatLine(text: string, max = 300): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
