import path from 'node:path';
import { usageError } from '../core/errors.js';
import type { Provider } from '../core/lint/index.js';
import { relativeTo } from '../core/text.js';
import type { Files } from './ports.js';
// migration_lock.toml names the database the migrations were written for: lint picks its rules by it.

const PROVIDERS: Record<string, Provider> = {
  postgresql: 'postgresql',
  postgres: 'postgresql',
  cockroachdb: 'postgresql',
  mysql: 'mysql',
  sqlite: 'sqlite',
};

/** Provider from `<migrations>/migration_lock.toml`, or undefined when there is none. */
export async function providerOf(
  files: Files,
  migrationsDir: string,
  cwd: string,
): Promise<Provider | undefined> {
  const lock = path.join(migrationsDir, 'migration_lock.toml');
  const text = await files.read(lock).catch(() => undefined);
  if (text === undefined) return undefined;
  const name = /^\s*provider\s*=\s*"([^"]+)"/m.exec(text)?.[1];
  const provider = name ? PROVIDERS[name.toLowerCase()] : undefined;
  if (!provider) {
    throw usageError(
      'LINT_PROVIDER_UNSUPPORTED',
      `${relativeTo(cwd, lock)} names provider "${name ?? '?'}"; hotfix lint checks postgresql, mysql and sqlite.`,
      { hint: 'Pass --provider postgresql|mysql|sqlite to lint the files anyway.' },
    );
  }
  return provider;
}
