import { infraError, type HotfixError } from './errors.js';
import { redact, secretsOfUrl } from './redact.js';
import type { Target } from './target.js';

/**
 * Why a connection failed, named for the person at the terminal: a wrong password is not a
 * server that is down, and each has its own fix. From the driver's error code (SQLSTATE for
 * PostgreSQL, errno names for MySQL and the socket) or from Prisma's P-code.
 */
export interface ConnectCause {
  code: 'DB_AUTH_FAILED' | 'DB_NOT_FOUND' | 'DB_TLS' | 'DB_UNREACHABLE';
  /** What it is, in a few words. */
  what: string;
  /** What to do, naming the variable that holds the URL. */
  hint: string;
}

export function connectCause(
  error: { code?: unknown; message?: unknown } | undefined,
  env: { name: string; urlEnv: string },
): ConnectCause {
  const code = typeof error?.code === 'string' ? error.code : '';
  const message = typeof error?.message === 'string' ? error.message : '';
  const v = `$${env.urlEnv}`;
  // 28P01 wrong password, 28000 no such role / not allowed (pg_hba); P1000 is Prisma's word for both.
  if (
    ['28P01', '28000', 'P1000', 'ER_ACCESS_DENIED_ERROR', 'ER_DBACCESS_DENIED_ERROR'].includes(code) ||
    /password authentication failed|role .* does not exist|Access denied for user/i.test(message)
  ) {
    return {
      code: 'DB_AUTH_FAILED',
      what: 'the server refused the login (user or password)',
      hint: `The server is up: check the user and password in ${v} (special characters in the password must be URL-encoded, e.g. "#" as %23, "@" as %40).`,
    };
  }
  if (
    ['3D000', 'P1003', 'ER_BAD_DB_ERROR'].includes(code) ||
    /database .* does not exist|Unknown database/i.test(message)
  ) {
    return {
      code: 'DB_NOT_FOUND',
      what: 'the server has no database of that name',
      hint: `The server is up and the login works: check the database name at the end of ${v}.`,
    };
  }
  if (
    /SSL|TLS|certificate|self[- ]signed/i.test(message) ||
    code === 'P1011' ||
    code.startsWith('ERR_TLS') ||
    code === 'DEPTH_ZERO_SELF_SIGNED_CERT'
  ) {
    return {
      code: 'DB_TLS',
      what: 'the TLS handshake failed',
      hint: `Check sslmode / sslaccept in ${v} and the server's certificate (sslmode=require to encrypt without checking it).`,
    };
  }
  return {
    code: 'DB_UNREACHABLE',
    what: 'no connection',
    hint: `Check that the ${env.name} database is up and reachable from here, and that ${v} points at it (host and port).`,
  };
}

/** A connection our own driver could not open, as the error people see (password masked). */
export function connectError(target: Target, cause: unknown): HotfixError {
  const message = redact(cause instanceof Error ? cause.message : String(cause), secretsOfUrl(target.url));
  const why = connectCause(cause as { code?: unknown; message?: unknown }, target.env);
  return infraError(
    why.code,
    `Cannot connect to the ${target.env.name} database (${target.describe}): ${why.what}. ${message}`,
    { hint: why.hint, cause },
  );
}
