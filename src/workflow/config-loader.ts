import path from 'node:path';
import {
  DEFAULT_ENVIRONMENTS,
  parseConfigFile,
  type EnvironmentConfig,
  type HotfixConfig,
} from '../core/config.js';
import { usageError } from '../core/errors.js';
import type { Files } from './ports.js';
import { toPosix } from '../core/text.js';

export const CONFIG_FILE = 'hotfix.config.json';
const PRISMA_CONFIG_FILES = [
  'prisma.config.ts',
  'prisma.config.mts',
  'prisma.config.js',
  'prisma.config.mjs',
  '.config/prisma.ts',
];

/**
 * Reads `schema` and `migrations.path` from prisma.config.ts without executing it: running a
 * project's TypeScript just to learn two paths would need a TS loader and could have side
 * effects. String literals cover the documented form; anything fancier goes in hotfix.config.json.
 */
export function pathsFromPrismaConfig(text: string): { schema?: string; migrations?: string } {
  const literal = `['"\`]([^'"\`]+)['"\`]`;
  const schema = new RegExp(`\\bschema\\s*:\\s*${literal}`).exec(text)?.[1];
  const migrationsBlock = /\bmigrations\s*:\s*\{([^}]*)\}/.exec(text)?.[1];
  const migrations = migrationsBlock
    ? new RegExp(`\\bpath\\s*:\\s*${literal}`).exec(migrationsBlock)?.[1]
    : undefined;
  return { ...(schema ? { schema } : {}), ...(migrations ? { migrations } : {}) };
}

/** What marks a folder as a project root, nearest first (as git finds .git and Prisma its config). */
const ROOT_MARKERS = [CONFIG_FILE, '.hotfix', ...PRISMA_CONFIG_FILES, 'prisma/schema.prisma', 'package.json'];

/**
 * The project a command runs in, from any folder inside it: the nearest folder at or above
 * `cwd` that holds hotfix.config.json, .hotfix/, a Prisma config, prisma/schema.prisma or
 * package.json, stopping at `boundary` (the git top level). Nothing found: the boundary.
 */
export async function findProjectRoot(
  files: Files,
  cwd: string,
  boundary: string | undefined,
): Promise<string> {
  const exists = async (p: string) => (await files.kind(p)) !== undefined;
  const stop = boundary ? path.resolve(boundary) : await gitTopLevel(files, cwd);
  let dir = path.resolve(cwd);
  for (;;) {
    for (const marker of ROOT_MARKERS) {
      if (await exists(path.join(dir, marker))) return dir;
    }
    const parent = path.dirname(dir);
    if (dir === stop || parent === dir) return stop ?? path.resolve(cwd);
    dir = parent;
  }
}

/** The nearest folder holding .git (a folder, or a file in a linked worktree), without running git. */
async function gitTopLevel(files: Files, cwd: string): Promise<string | undefined> {
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    if ((await files.kind(path.join(dir, '.git'))) !== undefined) return dir;
    if (path.dirname(dir) === dir) return undefined;
  }
}

export async function loadConfig(files: Files, root: string, explicitPath?: string): Promise<HotfixConfig> {
  const readIfExists = (f: string) => files.read(f);
  const configPath = explicitPath ? path.resolve(root, explicitPath) : path.join(root, CONFIG_FILE);
  const shown = toPosix(path.relative(root, configPath)) || CONFIG_FILE;
  const text = await readIfExists(configPath);
  if (text === undefined && explicitPath) {
    throw usageError('CONFIG_MISSING', `Config file ${shown} does not exist.`, {
      hint: 'Check the --config path.',
    });
  }
  let raw: unknown = {};
  if (text !== undefined) {
    try {
      raw = JSON.parse(text);
    } catch (cause) {
      throw usageError('CONFIG_INVALID', `${shown} is not valid JSON: ${(cause as Error).message}`, {
        hint: 'Fix the JSON syntax (see "Configuration" in the README).',
        cause,
      });
    }
  }
  const file = parseConfigFile(raw, shown);

  let schema = file.schema;
  let migrations = file.migrations;
  if (!schema || !migrations) {
    for (const candidate of PRISMA_CONFIG_FILES) {
      const prismaConfig = await readIfExists(path.join(root, candidate));
      if (prismaConfig === undefined) continue;
      const found = pathsFromPrismaConfig(prismaConfig);
      schema ??= found.schema;
      migrations ??= found.migrations;
      break;
    }
  }
  if (!schema) {
    const pkg = await readIfExists(path.join(root, 'package.json'));
    try {
      const prismaField = pkg ? (JSON.parse(pkg) as { prisma?: { schema?: unknown } }).prisma : undefined;
      if (typeof prismaField?.schema === 'string') schema = prismaField.schema;
    } catch {
      // A broken package.json is not ours to report here.
    }
  }
  schema ??= 'prisma/schema.prisma';
  // A schema folder (multi-file schemas) keeps migrations inside it, a file keeps them beside it.
  migrations ??= toPosix(path.join(schema.endsWith('.prisma') ? path.dirname(schema) : schema, 'migrations'));

  const environments: Record<string, EnvironmentConfig> = {};
  for (const [name, env] of Object.entries(file.environments ?? DEFAULT_ENVIRONMENTS ?? {})) {
    environments[name] = {
      name,
      urlEnv: env.urlEnv,
      protected: env.protected ?? false,
      prismaConfig: env.prismaConfig,
      prismaUrlEnv: env.prismaUrlEnv ?? file.prismaUrlEnv,
    };
  }
  return {
    baseBranch: file.baseBranch,
    developBranch: file.developBranch,
    schema: toPosix(path.normalize(schema)),
    migrations: toPosix(path.normalize(migrations)),
    prismaUrlEnv: file.prismaUrlEnv,
    environments,
    source: text === undefined ? undefined : shown,
  };
}
