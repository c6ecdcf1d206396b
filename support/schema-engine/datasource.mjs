// Connection-string handling shared by the one-shot commands and the adapter factories.
import path from 'node:path';

/** @typedef {{ provider: 'postgres', url: string, config: import('pg').PoolConfig & { host: string, port: number, user: string, database: string }, schema: string, location: string }} PgTarget */
/** @typedef {{ provider: 'sqlite', url: string, file: string, location: string }} SqliteTarget */
/** @typedef {PgTarget | SqliteTarget} Target */

export class UnsupportedUrlError extends Error {}

/**
 * Which connector a URL belongs to, like the native engine's `connector_for_connection_string`.
 * @param {string} url
 */
export function providerOf(url) {
  const scheme = url.split(':')[0];
  switch (scheme) {
    case 'postgres':
    case 'postgresql':
      return 'postgres';
    case 'file':
    case 'sqlite':
      return 'sqlite';
    case 'prisma+postgres':
      throw new UnsupportedUrlError(
        'The schema-engine stand-in does not support `prisma+postgres://` URLs: use a direct PostgreSQL URL.',
      );
    case 'mysql':
    case 'sqlserver':
    case 'mongodb':
    case 'mongodb+srv':
      throw new UnsupportedUrlError(
        `The schema-engine stand-in does not support the \`${scheme}\` provider.`,
      );
    default:
      throw new UnsupportedUrlError('The provided database string is invalid. The scheme is not recognized.');
  }
}

/**
 * Path of a SQLite database file, resolved the way the native engine does: `file:` (or
 * `sqlite:`) is stripped, so is the query string, and a relative path is relative to the
 * engine's working directory, which the Prisma CLI sets to the config file's directory
 * (`--config`'s directory, else the CLI's cwd).
 * @param {string} url
 * @param {string} [baseDir]
 */
export function sqliteFilePath(url, baseDir = process.cwd()) {
  let rest = url.startsWith('file:') ? url.slice('file:'.length) : url.replace(/^sqlite:/, '');
  const q = rest.indexOf('?');
  if (q >= 0) rest = rest.slice(0, q);
  if (rest.startsWith('//')) {
    // file:///abs/path or file://localhost/abs/path
    rest = rest.replace(/^\/\/(localhost)?/, '');
  }
  try {
    rest = decodeURIComponent(rest);
  } catch {
    // keep as is
  }
  if (rest === '' || rest === ':memory:') return ':memory:';
  return path.resolve(baseDir, rest);
}

function sslFromParams(params) {
  const mode = params.get('sslmode');
  const accept = params.get('sslaccept');
  if (!mode || mode === 'disable' || mode === 'prefer' || mode === 'allow') return undefined;
  return { rejectUnauthorized: accept === 'strict' || mode === 'verify-full' || mode === 'verify-ca' };
}

/**
 * A pg config object (never a connectionString: adapter-pg spreads the config to build the
 * shadow database pool, and a connectionString would win over `database`).
 * @param {string} url
 * @returns {PgTarget}
 */
export function pgTarget(url) {
  let u;
  try {
    u = new URL(url);
  } catch {
    throw new UnsupportedUrlError('The provided database string is invalid. Invalid URL.');
  }
  const params = u.searchParams;
  const decode = (s) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  let host = params.get('host') || decode(u.hostname) || 'localhost';
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  const port = Number(u.port || params.get('port') || 5432);
  const user = decode(u.username) || params.get('user') || 'postgres';
  const password = u.password ? decode(u.password) : (params.get('password') ?? undefined);
  const database = decode(u.pathname.replace(/^\//, '')) || 'postgres';
  const schema = params.get('schema') || 'public';
  const connectTimeout = Number(params.get('connect_timeout') ?? 5);

  /** @type {PgTarget['config']} */
  const config = {
    host,
    port,
    user,
    database,
    // Without this every CLI call waits for the pool's idle timeout before exiting.
    allowExitOnIdle: true,
    max: Math.max(1, Number(params.get('connection_limit') ?? 4)),
    idleTimeoutMillis: 1_000,
    connectionTimeoutMillis: connectTimeout > 0 ? connectTimeout * 1000 : 0,
    // The engine works in `schema`; the native engine sets the search path the same way.
    options: `-c search_path=${schema.replace(/([\\ ])/g, '\\$1')}`,
  };
  if (password !== undefined) config.password = password;
  const ssl = sslFromParams(params);
  if (ssl) config.ssl = ssl;
  const appName = params.get('application_name');
  if (appName) config.application_name = appName;
  const location = host.startsWith('/') ? host : `${host}:${port}`;
  return { provider: 'postgres', url, config, schema, location };
}

/**
 * @param {string} url
 * @returns {Target}
 */
export function targetOf(url) {
  if (providerOf(url) === 'postgres') return pgTarget(url);
  const file = sqliteFilePath(url);
  return { provider: 'sqlite', url, file, location: file };
}

/** Quote a PostgreSQL identifier. @param {string} name */
export const pgIdent = (name) => `"${name.replace(/"/g, '""')}"`;
