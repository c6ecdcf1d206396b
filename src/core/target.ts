import { createHash } from 'node:crypto';
import path from 'node:path';
import type { EnvironmentConfig } from './config.js';
import { usageError } from './errors.js';
import { urlShape } from './redact.js';

export type Provider = 'postgresql' | 'mysql' | 'sqlite';

/** A database to act on. The URL stays in memory: messages use `describe`, the ledger the fingerprint. */
export interface Target {
  env: EnvironmentConfig;
  url: string;
  provider: Provider;
  /** host:port/database (or the SQLite file), without credentials. */
  describe: string;
  /** Short hash of provider/host/port/database: names a database in the ledger without a secret. */
  fingerprint: string;
  /** SQLite: absolute path of the file. */
  sqliteFile?: string;
}

export function providerOf(url: string): Provider | undefined {
  if (/^postgres(ql)?:\/\//i.test(url)) return 'postgresql';
  if (/^mysql:\/\//i.test(url)) return 'mysql';
  if (/^file:/i.test(url)) return 'sqlite';
  return undefined;
}

export const fingerprintOf = (parts: string) => createHash('sha256').update(parts).digest('hex').slice(0, 12);

/**
 * Reads an environment's URL from the variable the config names. Missing or malformed is a
 * usage error (exit 2) raised before anything runs; the value is never echoed, only its shape.
 * `baseDir` resolves relative SQLite paths the way the project's Prisma config does.
 */
export function resolveTarget(
  env: EnvironmentConfig,
  vars: Record<string, string | undefined>,
  baseDir: string,
): Target {
  const url = vars[env.urlEnv];
  if (url === undefined || url.trim() === '') {
    throw usageError(
      'MISSING_URL',
      `Environment "${env.name}" reads its database URL from $${env.urlEnv}, which is not set.`,
      {
        hint: `Export ${env.urlEnv}=<url of the ${env.name} database> (or change "urlEnv" for ${env.name} in hotfix.config.json).`,
      },
    );
  }
  const malformed = (
    why: string,
    hint = 'Expected postgresql://user:password@host:5432/db, mysql://... or file:./dev.db.',
  ) =>
    usageError(
      'MALFORMED_URL',
      `$${env.urlEnv} (environment "${env.name}") is not a usable database URL: ${why}.`,
      {
        hint,
        details: { shape: urlShape(url) },
      },
    );
  // A pasted space or newline otherwise reads as a bad host or database name.
  if (url !== url.trim())
    throw malformed('it starts or ends with whitespace (a pasted space or newline?); remove it');
  const provider = providerOf(url);
  if (!provider) throw malformed(`unsupported scheme "${/^[a-z0-9+.-]*:/i.exec(url)?.[0] ?? '(none)'}"`);
  if (provider === 'sqlite') {
    const raw = url.slice('file:'.length).replace(/^\/\//, '').split('?')[0] ?? '';
    if (!raw) throw malformed('no file path after "file:"');
    const file = path.resolve(baseDir, raw);
    return {
      env,
      url,
      provider,
      describe: file,
      fingerprint: fingerprintOf(`sqlite|${file}`),
      sqliteFile: file,
    };
  }
  // A password with characters a URL gives a meaning to ("#" ends it, "/" and "?" end the host,
  // "@" ends the password) fails to parse, or parses as another host, with no word about the
  // password. Named here, the characters alone and never the password: enough to see the fix.
  const unencoded = unencodedCredentials(url);
  if (unencoded.length > 0) {
    const chars = [...new Set(unencoded.flatMap((u) => u.chars))];
    throw malformed(
      `${unencoded.map((u) => `its ${u.part} holds ${named(u.chars)}`).join(' and ')}, which a URL cannot carry unencoded`,
      `Percent-encode the whole ${unencoded.map((u) => u.part).join(' and the whole ')}, e.g. with encodeURIComponent() in JavaScript (${chars.map((c) => `${quote(c)} becomes ${encodeURIComponent(c)}`).join(', ')}), and set $${env.urlEnv} again.`,
    );
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw malformed('it does not parse as a URL');
  }
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (!parsed.hostname) throw malformed('no host');
  if (!database) throw malformed('no database name in the path');
  const port = parsed.port || (provider === 'postgresql' ? '5432' : '3306');
  const describe = `${parsed.hostname}:${port}/${database}`;
  return {
    env,
    url,
    provider,
    describe,
    fingerprint: fingerprintOf(`${provider}|${parsed.hostname}|${port}|${database}`),
  };
}

// What a URL's user name and password may hold as they are (RFC 3986 userinfo: unreserved,
// sub-delims and ":"), besides %XX. Other ASCII characters must be percent-encoded; non-ASCII
// ones are encoded by every parser on its own, so they are left alone.
const USERINFO_CHAR = /[A-Za-z0-9\-._~!$&'()*+,;=:]/;
// What may follow the "@" up to the path: host[:port], or several (PostgreSQL), or none (a socket).
const HOSTS = /^[A-Za-z0-9\-._~%!$&'()*+,;=:[\]]*$/;

/**
 * The user name and password of a server URL, found without parsing it (it may not parse,
 * which is what is to be explained): the userinfo ends at the first "@" followed by hosts up to
 * "/", "?", "#" or the end. An "@" in the password has more text with an "@" after it; one in
 * the query string comes after the real one.
 */
function credentialsOf(url: string): { user: string; password: string | undefined } | undefined {
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(url)?.[0];
  if (!scheme) return undefined;
  const rest = url.slice(scheme.length);
  for (let at = rest.indexOf('@'); at >= 0; at = rest.indexOf('@', at + 1)) {
    const hosts = rest.slice(at + 1).split(/[/?#]/, 1)[0]!;
    if (!HOSTS.test(hosts)) continue;
    const userinfo = rest.slice(0, at);
    const colon = userinfo.indexOf(':');
    return colon < 0
      ? { user: userinfo, password: undefined }
      : { user: userinfo.slice(0, colon), password: userinfo.slice(colon + 1) };
  }
  return undefined;
}

/** ASCII characters of `text` a URL's userinfo cannot hold as they are ("%" only when not %XX). */
function unencodedIn(text: string): string[] {
  const found = new Set<string>();
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '%' && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) continue;
    if (ch.charCodeAt(0) < 128 && !USERINFO_CHAR.test(ch)) found.add(ch);
  }
  return [...found];
}

/** The parts of a server URL's credentials that hold characters to percent-encode, and which. */
function unencodedCredentials(url: string): { part: 'user name' | 'password'; chars: string[] }[] {
  const credentials = credentialsOf(url);
  if (!credentials) return [];
  const parts = [
    { part: 'user name' as const, chars: unencodedIn(credentials.user) },
    { part: 'password' as const, chars: unencodedIn(credentials.password ?? '') },
  ];
  return parts.filter((p) => p.chars.length > 0);
}

/** A character quoted, whitespace escaped ("\t"). */
const quote = (ch: string) => (/\s/.test(ch) ? JSON.stringify(ch) : `"${ch}"`);

/** Characters as a message names them: `"#", "/" and a space`. */
function named(chars: readonly string[]): string {
  const words = chars.map((ch) =>
    ch === '%' ? 'a "%" not followed by two hex digits' : ch === ' ' ? 'a space' : quote(ch),
  );
  return words.length > 1 ? `${words.slice(0, -1).join(', ')} and ${words.at(-1)!}` : words.join('');
}

/** How an environment reaches prisma: its URL under the variable its Prisma config reads. */
export interface PrismaTarget {
  /** The database URL; reaches prisma only through the child's environment. */
  url?: string | undefined;
  /** The variable the project's Prisma config reads it from. */
  urlEnv: string;
  prismaConfig?: string | undefined;
  /** PostgreSQL: the adapter names prisma's sessions so an interrupt can end them. */
  provider?: Provider | undefined;
}

export function prismaTarget(target: Target): PrismaTarget {
  return {
    url: target.url,
    urlEnv: target.env.prismaUrlEnv,
    prismaConfig: target.env.prismaConfig,
    provider: target.provider,
  };
}
