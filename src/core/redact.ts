/**
 * Secrets must never reach output, errors, the ledger or commits. Two layers:
 * literal values we know are secret (the environment's URL and its password), and a
 * pattern pass that masks credentials in any URL-shaped or key=value text.
 */
// The password runs to the LAST "@" of the token, as a URL parser reads the userinfo: an
// unencoded "@", ":" or "/" in a password (postgresql://u:p@ss:w/rd@host/db) must not leave
// its tail readable. Quotes and whitespace end a token (JSON strings, prose).
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s:@/"'`<>]+):([^\s"'`<>]*)@/gi;
const KEY_VALUE_PASSWORD = /\b(password|passwd|pwd)=([^\s&;]+)/gi;

export const MASK = '***';

export function redact(text: string, secrets: readonly string[] = []): string {
  let out = text;
  // Longest first so a URL is masked whole before its password alone would be.
  for (const secret of [...secrets].filter((s) => s.length >= 3).sort((a, b) => b.length - a.length)) {
    out = out.split(secret).join(MASK);
  }
  out = out.replace(URL_CREDENTIALS, (_m, scheme: string, user: string) => `${scheme}${user}:${MASK}@`);
  out = out.replace(KEY_VALUE_PASSWORD, (_m, key: string) => `${key}=${MASK}`);
  return out;
}

/**
 * The userinfo of a URL-shaped string by the parser's rule (everything before the last "@"
 * after the scheme), whether or not the string parses as a URL.
 */
function userinfoOf(
  url: string,
): { prefix: string; user: string; password: string | undefined; rest: string } | undefined {
  const scheme = /^\s*[a-z][a-z0-9+.-]*:\/\//i.exec(url)?.[0];
  if (!scheme) return undefined;
  const after = url.slice(scheme.length);
  const at = after.lastIndexOf('@');
  if (at < 0) return undefined;
  const userinfo = after.slice(0, at);
  const colon = userinfo.indexOf(':');
  return {
    prefix: scheme,
    user: colon < 0 ? userinfo : userinfo.slice(0, colon),
    password: colon < 0 ? undefined : userinfo.slice(colon + 1),
    rest: after.slice(at + 1),
  };
}

/**
 * What a database URL looks like without its password, for messages about a URL that may not
 * even parse: `postgresql://u:***@host/db`. The user stays (it helps spot a wrong variable).
 */
export function urlShape(url: string): string {
  const parts = userinfoOf(url);
  const shown = parts
    ? `${parts.prefix}${parts.user}${parts.password === undefined ? '' : `:${MASK}`}@${parts.rest}`
    : url;
  return redact(shown, secretsOfUrl(url)).replace(/[^\s]{120,}/g, '…');
}

/**
 * The secret parts of a database URL: its password, raw and decoded, and password-like query
 * parameters. The rest (host, database) stays readable, which is what an error needs.
 */
export function secretsOfUrl(url: string | undefined): string[] {
  if (!url) return [];
  const secrets: string[] = [];
  const addPassword = (password: string) => {
    secrets.push(password);
    const decoded = safeDecode(password);
    if (decoded !== password) secrets.push(decoded);
  };
  try {
    const parsed = new URL(url);
    if (parsed.password) addPassword(parsed.password);
    for (const [key, value] of parsed.searchParams) {
      if (/pass|secret|token|key/i.test(key) && value) secrets.push(value);
    }
  } catch {
    // Not parseable: mask the whole string.
    secrets.push(url);
  }
  // The parser's userinfo can differ from the last-"@" rule (or the URL did not parse at all):
  // mask the password both ways.
  const password = userinfoOf(url)?.password;
  if (password) addPassword(password);
  return [...new Set(secrets)];
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/**
 * Row values in a database's error text, masked: PostgreSQL's DETAIL lines quote the rows that
 * broke a constraint (`Key (email)=(alice@…) already exists`, `Failing row contains (…)`), MySQL
 * quotes the duplicate entry, and a failed cast quotes the value it read. Such text reaches
 * messages, CI logs and the ledger (which git keeps), so every error read from a database or
 * from prisma passes through here; names of columns, constraints and tables stay.
 */
export function withoutRowValues(text: string): string {
  return text
    .replace(
      /(Key \([^)\n]*\))=\(.*?\)(?=\s+(?:already exists|is duplicated|is not present|is still referenced|conflicts with)|\.?\s*$)/gm,
      '$1=(…)',
    )
    .replace(/(Failing row contains )\(.*$/gm, '$1(…)')
    .replace(/(Duplicate entry )'.*?'(?= for key)/g, "$1'…'")
    .replace(/(Incorrect \w+ value: )'.*?'(?= for column)/g, "$1'…'")
    .replace(
      /(invalid input (?:syntax for(?: type)? [\w ]+|value for [\w ]+): )".*?"(?=\s*$|\s*\n|\s*\(|\.|,)/gm,
      '$1"…"',
    );
}
