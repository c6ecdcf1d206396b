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
