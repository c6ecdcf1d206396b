import { z } from 'zod';
import { usageError } from './errors.js';
import { closest } from './suggest.js';

const ENV_VAR = /^[A-Za-z_][A-Za-z0-9_]*$/;

const environmentSchema = z.strictObject({
  /** Name of the environment variable holding this environment's database URL. Never a URL. */
  urlEnv: z.string().regex(ENV_VAR, 'must be an environment variable name such as PRODUCTION_DATABASE_URL'),
  protected: z.boolean().default(false),
  /** Prisma config file to pass with --config for this environment (Prisma 7). */
  prismaConfig: z.string().min(1).optional(),
  /** Variable the project's Prisma config reads the URL from; defaults to the top-level one. */
  prismaUrlEnv: z.string().regex(ENV_VAR).optional(),
});

export const configFileSchema = z.strictObject({
  $schema: z.string().optional(),
  baseBranch: z.string().min(1).default('main'),
  developBranch: z.string().min(1).default('develop'),
  schema: z.string().min(1).optional(),
  migrations: z.string().min(1).optional(),
  /** Variable the project's Prisma config reads (`env('DATABASE_URL')`). */
  prismaUrlEnv: z.string().regex(ENV_VAR).default('DATABASE_URL'),
  environments: z
    .record(
      z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]*$/, 'environment names use letters, digits, "-", "_"'),
      environmentSchema,
    )
    .optional(),
});
export type ConfigFile = z.infer<typeof configFileSchema>;

export interface EnvironmentConfig {
  name: string;
  urlEnv: string;
  protected: boolean;
  prismaConfig: string | undefined;
  prismaUrlEnv: string;
}

export interface HotfixConfig {
  baseBranch: string;
  developBranch: string;
  /** Relative to the project root, forward slashes. */
  schema: string;
  migrations: string;
  prismaUrlEnv: string;
  environments: Record<string, EnvironmentConfig>;
  /** Where the config came from, for messages; undefined when defaults were used. */
  source: string | undefined;
}

export const DEFAULT_ENVIRONMENTS: ConfigFile['environments'] = {
  production: { urlEnv: 'DATABASE_URL', protected: true },
};

export function parseConfigFile(raw: unknown, where: string): ConfigFile {
  const parsed = configFileSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => {
    const at = issue.path.length > 0 ? issue.path.join('.') : '(root)';
    if (issue.code === 'unrecognized_keys') {
      const keys = issue.keys.map((key) => (at === '(root)' ? key : `${at}.${key}`));
      return `unknown key ${keys.join(', ')}`;
    }
    return `${at}: ${issue.message}`;
  });
  throw usageError('CONFIG_INVALID', `${where} is invalid: ${issues.join('; ')}`, {
    hint: 'See "Configuration" in the prisma-hotfix README for the allowed keys.',
    details: { path: where, issues },
  });
}

export function resolveEnvironment(config: HotfixConfig, name: string): EnvironmentConfig {
  const env = config.environments[name];
  if (!env) {
    const known = Object.keys(config.environments);
    const guess = closest(name, known);
    throw usageError(
      'UNKNOWN_ENV',
      `Unknown environment "${name}".${guess ? ` Did you mean "${guess}"?` : ''}`,
      {
        hint: `Known environments: ${known.join(', ') || '(none)'}; add others under "environments" in ${config.source ?? 'hotfix.config.json'}.`,
        details: { env: name, known, ...(guess ? { suggestion: guess } : {}) },
      },
    );
  }
  return env;
}
