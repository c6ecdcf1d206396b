// User-facing errors with the codes and texts of the native schema engine
// (prisma-engines `user-facing-errors`).

/** An error the CLI shows as `<code>\n\n<message>`. */
export class UserFacingError extends Error {
  /** @param {string} code @param {string} message @param {Record<string, unknown>} [meta] */
  constructor(code, message, meta = {}) {
    super(message);
    this.name = 'UserFacingError';
    this.code = code;
    this.meta = meta;
  }
}

const SOCKET_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * Map a connection-time error of `pg` to the native engine's user-facing error, or null.
 * @param {any} error
 * @param {import('./datasource.mjs').PgTarget} target
 */
export function pgConnectionError(error, target) {
  if (!error || typeof error !== 'object') return null;
  const { host, port, user, database } = target.config;
  const hostText = String(host);
  const portText = String(port);
  const code = typeof error.code === 'string' ? error.code : '';
  const timedOut = /timeout/i.test(String(error.message ?? '')) || code === 'ETIMEDOUT';
  if (SOCKET_CODES.has(code) || (error.syscall === 'connect' && !timedOut)) {
    return new UserFacingError(
      'P1001',
      `Can't reach database server at \`${hostText}\`:\`${portText}\`\n\nPlease make sure your database server is running at \`${hostText}\`:\`${portText}\`.`,
      { database_host: hostText, database_port: portText },
    );
  }
  if (timedOut) {
    return new UserFacingError(
      'P1002',
      `The database server at \`${hostText}\`:\`${portText}\` was reached but timed out.\n\nPlease try again.\n\nPlease make sure your database server is running at \`${hostText}\`:\`${portText}\`.\n`,
      { database_host: hostText, database_port: portText },
    );
  }
  switch (code) {
    case '3D000':
      return new UserFacingError(
        'P1003',
        `Database \`${database}\` does not exist on the database server at \`${target.location}\`.`,
        { database_name: database, database_location: target.location },
      );
    case '28P01':
    case '28000':
      if (code === '28000' && /database/i.test(String(error.message))) {
        return new UserFacingError(
          'P1010',
          `User \`${user}\` was denied access on the database \`${database}\``,
          {
            database_user: user,
            database_name: database,
          },
        );
      }
      return new UserFacingError(
        'P1000',
        `Authentication failed against database server at \`${hostText}\`, the provided database credentials for \`${user}\` are not valid.\n\nPlease make sure to provide valid database credentials for the database server at \`${hostText}\`.`,
        { database_user: user, database_host: hostText },
      );
    case '42501':
      return new UserFacingError(
        'P1010',
        `User \`${user}\` was denied access on the database \`${database}\``,
        {
          database_user: user,
          database_name: database,
        },
      );
    case '42P04':
      return new UserFacingError(
        'P1009',
        `Database \`${database}\` already exists on the database server at \`${hostText}:${portText}\``,
        { database_name: database, database_host: hostText, database_port: portText },
      );
    default:
      return null;
  }
}

const opt = (v) =>
  v === undefined || v === null || v === '' ? 'None' : `Some(${JSON.stringify(String(v))})`;
const optNum = (v) => (v === undefined || v === null || v === '' ? 'None' : `Some(${Number(v)})`);

/**
 * Render a PostgreSQL error as the native engine does in P3018:
 * `Display` (`SEVERITY: message` + DETAIL/HINT), the position block, then `Debug`.
 * @param {any} e a pg DatabaseError
 * @param {string} script the script that failed
 */
export function renderPgDatabaseError(e, script) {
  const severity = String(e.severity ?? 'ERROR');
  let display = `${severity}: ${e.message}`;
  if (e.detail) display += `\nDETAIL: ${e.detail}`;
  if (e.hint) display += `\nHINT: ${e.hint}`;

  let position = '';
  const pos = Number(e.position);
  if (Number.isFinite(pos) && pos > 0) {
    // `position` counts characters (1-based) in the script.
    const lines = script.split('\n');
    const previous = [];
    let index = 0;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i] ?? '';
      index += line.length + 1;
      if (pos <= index) {
        const first = i + 1 - previous.length;
        const numbered = previous
          .map((l, k) => `\x1b[1m${String(first + k).padStart(3)}\x1b[0m${l === '' ? '' : ' '}${l}`)
          .join('\n');
        position = `\n\nPosition:\n${numbered}\n\x1b[1m${String(i + 1).padStart(3)}\x1b[1;31m ${line}\x1b[0m`;
        break;
      }
      previous.push(line);
      if (previous.length > 5) previous.shift();
    }
  }

  const parsedSeverity = severity.charAt(0) + severity.slice(1).toLowerCase();
  const debug =
    `DbError { severity: ${JSON.stringify(severity)}, parsed_severity: Some(${parsedSeverity}), ` +
    `code: SqlState(E${e.code}), message: ${JSON.stringify(String(e.message))}, detail: ${opt(e.detail)}, ` +
    `hint: ${opt(e.hint)}, position: ${Number.isFinite(pos) && pos > 0 ? `Some(Original(${pos}))` : 'None'}, ` +
    `where_: ${opt(e.where)}, schema: ${opt(e.schema)}, table: ${opt(e.table)}, column: ${opt(e.column)}, ` +
    `datatype: ${opt(e.dataType)}, constraint: ${opt(e.constraint)}, file: ${opt(e.file)}, line: ${optNum(e.line)}, ` +
    `routine: ${opt(e.routine)} }`;
  return `${display}${position}\n\n${debug}`;
}

/**
 * The native engine's P3018 (ApplyMigrationError).
 * @param {string} migrationName
 * @param {string} databaseErrorCode
 * @param {string} databaseError
 */
export function applyMigrationError(migrationName, databaseErrorCode, databaseError) {
  return new UserFacingError(
    'P3018',
    `A migration failed to apply. New migrations cannot be applied before the error is recovered from. Read more about how to resolve migration issues in a production database: https://pris.ly/d/migrate-resolve\n\nMigration name: ${migrationName}\n\nDatabase error code: ${databaseErrorCode}\n\nDatabase error:\n${databaseError}\n`,
    { migration_name: migrationName, database_error_code: databaseErrorCode, database_error: databaseError },
  );
}

/**
 * Code and text of a database error raised while running a script, per provider.
 * @param {'postgres' | 'sqlite'} provider
 * @param {any} error
 * @param {string} script
 */
export function describeScriptError(provider, error, script) {
  if (provider === 'postgres') {
    if (error && typeof error.code === 'string' && typeof error.severity === 'string') {
      return { code: error.code, text: renderPgDatabaseError(error, script) };
    }
    return { code: 'none', text: String(error?.message ?? error) };
  }
  // libsql: a LibsqlError { code: 'SQLITE_ERROR', rawCode: 1, message: 'SQLITE_ERROR: ...' } or
  // adapter-libsql's payload { kind: 'sqlite', extendedCode, message, originalCode, originalMessage }.
  const raw = error?.rawCode ?? error?.extendedCode ?? error?.originalCode ?? error?.cause?.rawCode;
  const message = String(error?.originalMessage ?? error?.message ?? error).replace(/^SQLITE_[A-Z_]+: /, '');
  return { code: raw === undefined || raw === null ? 'none' : String(raw), text: message };
}
