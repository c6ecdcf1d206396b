// JSON log lines on stderr, in the shape the native schema engine writes them
// (tracing-subscriber's JSON formatter): the Prisma CLI parses every stderr line as
// JSON, keeps `fields.message`, and treats `level: "ERROR"` lines as the last error.

const LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'];

/** @param {string} level @param {Record<string, unknown>} fields @param {string} [target] */
export function log(level, fields, target = 'schema_engine') {
  const line = JSON.stringify({
    timestamp: new Date().toISOString(),
    level: LEVELS.includes(level) ? level : 'INFO',
    fields,
    target,
  });
  try {
    process.stderr.write(line + '\n');
  } catch {
    // stderr closed: nothing sensible to do
  }
}

export const info = (message, extra = {}) => log('INFO', { message, ...extra });
export const warn = (message, extra = {}) => log('WARN', { message, ...extra });
export const debug = (message, extra = {}) => {
  if (/debug|trace/i.test(process.env.RUST_LOG ?? '')) log('DEBUG', { message, ...extra });
};

/**
 * Forwards one log line from the Wasm engine. The engine hands over JSON strings
 * (`{"level":"INFO","fields":{...},"target":...}`) or plain text; both end up as one JSON line.
 * @param {unknown} raw
 */
export function forwardEngineLog(raw) {
  const text = typeof raw === 'string' ? raw : JSON.stringify(raw);
  let parsed;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
    const level = String(parsed.level ?? 'INFO').toUpperCase();
    // Engine-internal ERROR lines would become the CLI's "last error" and replace the
    // real reply; errors are reported through the JSON-RPC reply instead.
    const fields =
      parsed.fields && typeof parsed.fields === 'object' ? { ...parsed.fields } : { message: text };
    if (typeof fields.message !== 'string') fields.message = String(fields.message ?? '');
    if (!/debug|trace/i.test(process.env.RUST_LOG ?? '') && (level === 'DEBUG' || level === 'TRACE')) return;
    log(level === 'ERROR' ? 'WARN' : level, fields, parsed.target ?? 'schema_engine_wasm');
    return;
  }
  if (/debug|trace/i.test(process.env.RUST_LOG ?? '')) log('DEBUG', { message: text }, 'schema_engine_wasm');
}
