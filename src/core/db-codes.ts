/** PostgreSQL error classes a step reacts to, shared by the drivers and the step messages. */
import { withoutRowValues } from './redact.js';

/** lock_timeout (lock_not_available) and statement_timeout (query_canceled). */
const TIMEOUT_CODES = new Set(['55P03', '57014']);
/** The session ended under it: terminated, server shut down or crashed, connection failure. */
const LOST_CODES = new Set(['57P01', '57P02', '57P03', '08006', '08003', '08000']);

/** A failure that rolls the whole file back (one implicit transaction) and is worth a retry. */
export const isTimeoutCode = (code: string | undefined) =>
  code !== undefined && (TIMEOUT_CODES.has(code) || LOST_CODES.has(code));

/** Stopped by its own lock_timeout or statement_timeout. */
export const isOwnTimeoutCode = (code: string | undefined) => code !== undefined && TIMEOUT_CODES.has(code);

/** The session ended under the step (not its own timeout). */
export const isLostCode = (code: string | undefined) => code !== undefined && LOST_CODES.has(code);

/** The same, in the words of node-postgres or of Prisma (P1017) when there is no SQLSTATE. */
const LOST_WORDS =
  /terminating connection|server closed the connection|server has closed the connection|connection terminated|ECONNRESET|connection reset|Connection lost/i;

export const lostConnection = (code: string | undefined, message: string | undefined) =>
  isLostCode(code) || (message !== undefined && LOST_WORDS.test(message));

/** The line of a tool's output that says the connection was lost. */
export const lostLine = (message: string) =>
  message
    .split('\n')
    .find((l) => LOST_WORDS.test(l))
    ?.trim();

/** A driver error's SQLSTATE and message. */
export function errorParts(error: unknown): { code: string | undefined; message: string } {
  const e = error as { code?: unknown; message?: unknown };
  return {
    code: typeof e.code === 'string' ? e.code : undefined,
    // A driver's message can quote the row that broke a constraint (MySQL's duplicate entry).
    message: withoutRowValues(typeof e.message === 'string' ? e.message : String(error)),
  };
}

/** Where a PostgreSQL setting came from, in words (pg_settings.source). */
export function settingSource(source: string): string {
  switch (source) {
    case 'user':
      return 'the role (ALTER ROLE ... SET)';
    case 'database':
      return 'the database (ALTER DATABASE ... SET)';
    case 'database user':
      return 'the role on this database (ALTER ROLE ... IN DATABASE ... SET)';
    case 'configuration file':
      return "the server's configuration file";
    case 'client':
      return 'the connection URL (options=-c ...)';
    case 'default':
      return "PostgreSQL's default";
    default:
      return source;
  }
}
