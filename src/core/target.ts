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
  const malformed = (why: string) =>
    usageError(
      'MALFORMED_URL',
      `$${env.urlEnv} (environment "${env.name}") is not a usable database URL: ${why}.`,
      {
        hint: 'Expected postgresql://user:password@host:5432/db, mysql://... or file:./dev.db.',
        details: { shape: urlShape(url) },
      },
    );
  // Two mistakes that otherwise read as something else: a pasted space, and a raw "#" in the
  // password (the URL then ends there, and the host and database seem missing).
  if (url !== url.trim())
    throw malformed('it starts or ends with whitespace (a pasted space or newline?); remove it');
  const at = url.lastIndexOf('@');
  if (at > 0 && url.slice(0, at).includes('#'))
    throw malformed('the password holds a raw "#", which ends a URL: write it as %23');
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
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw malformed('it does not parse as a URL (check for unescaped characters in the password)');
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
