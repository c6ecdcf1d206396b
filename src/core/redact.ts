/**
 * Secrets must never reach output, errors, the ledger or commits. Two layers:
 * literal values we know are secret (the environment's URL and its password), and a
 * pattern pass that masks credentials in any URL-shaped or key=value text.
 */
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s:@/]+):([^\s@/]*)@/gi;
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
 * The secret parts of a database URL: its password, raw and decoded, and password-like query
 * parameters. The rest (host, database) stays readable, which is what an error needs.
 */
export function secretsOfUrl(url: string | undefined): string[] {
  if (!url) return [];
  const secrets: string[] = [];
  try {
    const parsed = new URL(url);
    if (parsed.password) {
      secrets.push(parsed.password);
      const decoded = safeDecode(parsed.password);
      if (decoded !== parsed.password) secrets.push(decoded);
    }
    for (const [key, value] of parsed.searchParams) {
      if (/pass|secret|token|key/i.test(key) && value) secrets.push(value);
    }
  } catch {
    // Not parseable: mask the whole string.
    secrets.push(url);
  }
  return secrets;
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
