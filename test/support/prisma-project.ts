// A small, real Prisma project in a temp dir, run with the real Prisma CLI (7.10 through the
// schema-engine stand-in, or 6.19 through its JS engine), offline.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { execa } from 'execa';

export type Provider = 'postgresql' | 'sqlite';
export type PrismaMajor = 6 | 7;

/** Root of this repository (resolved from this file, not hard-coded). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The executable that stands in for Prisma's native schema-engine. */
export const SCHEMA_ENGINE_STAND_IN = path.join(REPO_ROOT, 'support', 'schema-engine', 'schema-engine.mjs');
const REPO_NODE_MODULES = path.join(REPO_ROOT, 'node_modules');

// ---------------------------------------------------------------------------------------------
// Environment

let placeholder: string | undefined;
/**
 * An existing empty file for PRISMA_QUERY_ENGINE_LIBRARY: without it the CLI tries to download
 * a query engine it does not need for migrations.
 */
export function queryEnginePlaceholder(): string {
  if (placeholder && existsSync(placeholder)) return placeholder;
  const dir = path.join(os.tmpdir(), 'prisma-hotfix-test');
  mkdirSync(dir, { recursive: true });
  placeholder = path.join(dir, 'query-engine-placeholder.node');
  if (!existsSync(placeholder)) writeFileSync(placeholder, '');
  return placeholder;
}

export interface ChildEnvOptions {
  /** Default 7. */
  prismaMajor?: PrismaMajor;
  /**
   * Point PRISMA_SCHEMA_ENGINE_BINARY at the stand-in. Default: only for Prisma 7. Prisma 6 with
   * the JS engine does not need it, except `migrate resolve --rolled-back`, which checks the
   * connection through the binary first.
   */
  standIn?: boolean;
}

/** The environment variables a child `prisma` needs (merge them over process.env). */
export function prismaChildEnv(databaseUrl: string, options: ChildEnvOptions = {}): Record<string, string> {
  const major = options.prismaMajor ?? 7;
  const env: Record<string, string> = {
    DATABASE_URL: databaseUrl,
    CHECKPOINT_DISABLE: '1',
    PRISMA_HIDE_UPDATE_MESSAGE: '1',
    PRISMA_QUERY_ENGINE_LIBRARY: queryEnginePlaceholder(),
  };
  if (options.standIn ?? major === 7) env.PRISMA_SCHEMA_ENGINE_BINARY = SCHEMA_ENGINE_STAND_IN;
  return env;
}

/** prismaChildEnv for a project. */
export function prismaEnv(
  project: PrismaProject,
  options: Omit<ChildEnvOptions, 'prismaMajor'> = {},
): Record<string, string> {
  return prismaChildEnv(project.databaseUrl, { ...options, prismaMajor: project.prismaMajor });
}

// ---------------------------------------------------------------------------------------------
// Project files

/** The default models (User + Post), without generator/datasource blocks. */
export const DEFAULT_MODELS = `model User {
  id    Int     @id @default(autoincrement())
  email String  @unique
  name  String?
  posts Post[]
}

model Post {
  id       Int    @id @default(autoincrement())
  title    String
  authorId Int
  author   User   @relation(fields: [authorId], references: [id])
}
`;

/** Folder name of the default initial migration. */
export const INIT_MIGRATION = '20240101000000_init';

/** The migration Prisma 7.10 generates for DEFAULT_MODELS (`migrate diff --from-empty --script`). */
export function defaultInitMigration(provider: Provider): string {
  if (provider === 'sqlite') {
    return `-- CreateTable
CREATE TABLE "User" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "email" TEXT NOT NULL,
    "name" TEXT
);

-- CreateTable
CREATE TABLE "Post" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "title" TEXT NOT NULL,
    "authorId" INTEGER NOT NULL,
    CONSTRAINT "Post_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES "User" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateIndex
CREATE UNIQUE INDEX "User_email_key" ON "User"("email");
`;
  }
  return `-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateTable
CREATE TABLE "User" (
    "id" SERIAL NOT NULL,
    "email" TEXT NOT NULL,
    "name" TEXT,

    CONSTRAINT "User_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Post" (
    "id" SERIAL NOT NULL,
    "title" TEXT NOT NULL,
    "authorId" INTEGER NOT NULL,

    CONSTRAINT "Post_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "User_email_key" ON "User"("email");

-- AddForeignKey
ALTER TABLE "Post" ADD CONSTRAINT "Post_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
`;
}

/** generator + datasource blocks. Prisma 7: no url (it comes from prisma.config.ts). */
function schemaHeader(provider: Provider, major: PrismaMajor): string {
  if (major === 7) {
    return `generator client {
  provider = "prisma-client"
  output   = "../generated/prisma"
}

datasource db {
  provider = "${provider}"
}
`;
  }
  // Prisma 6.19 still requires `url` in the schema (P1012), even when the JS engine's adapter
  // is used (it then prints a warning that the url is ignored).
  return `generator client {
  provider = "prisma-client-js"
}

datasource db {
  provider = "${provider}"
  url      = env("DATABASE_URL")
}
`;
}

/** `schema` may be models only, or a whole schema (with its own datasource block). */
function schemaFile(provider: Provider, major: PrismaMajor, schema: string | undefined): string {
  if (schema !== undefined && /\bdatasource\s+\w+\s*\{/.test(schema)) return schema;
  return `${schemaHeader(provider, major)}\n${schema ?? DEFAULT_MODELS}`;
}

const PRISMA7_CONFIG = `import { defineConfig, env } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: env('DATABASE_URL') },
});
`;

// Prisma 6.19: migrations run in-process through the Wasm schema engine and a driver adapter.
const PRISMA6_PG_CONFIG = `import { defineConfig } from 'prisma/config';
import { PrismaPg } from '@prisma/adapter-pg';

function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(\`\${name} is not set\`);
  return value;
}

/** A pg config object: a pool built from a connectionString keeps the CLI alive ~10 s. */
function pgConfig(url: string) {
  const u = new URL(url);
  return {
    host: u.searchParams.get('host') ?? decodeURIComponent(u.hostname),
    port: Number(u.port || 5432),
    user: decodeURIComponent(u.username) || 'postgres',
    password: u.password ? decodeURIComponent(u.password) : undefined,
    database: decodeURIComponent(u.pathname.slice(1)) || 'postgres',
    allowExitOnIdle: true,
    idleTimeoutMillis: 1000,
  };
}

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  adapter: async () => {
    const url = requireEnv('DATABASE_URL');
    return new PrismaPg(pgConfig(url), { schema: new URL(url).searchParams.get('schema') ?? undefined });
  },
});
`;

const PRISMA6_SQLITE_CONFIG = `import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'prisma/config';
import { PrismaLibSQL } from '@prisma/adapter-libsql';

const configDir = path.dirname(fileURLToPath(import.meta.url));

function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(\`\${name} is not set\`);
  return value;
}

/** Prisma 6 resolves a relative SQLite path against the schema's directory. */
function sqliteUrl(url: string): string {
  const file = url.replace(/^file:/, '').replace(/\\?.*$/, '');
  return 'file:' + path.resolve(configDir, 'prisma', file);
}

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  adapter: async () => new PrismaLibSQL({ url: sqliteUrl(requireEnv('DATABASE_URL')) }),
});
`;

function configFile(provider: Provider, major: PrismaMajor): string {
  if (major === 7) return PRISMA7_CONFIG;
  return provider === 'postgresql' ? PRISMA6_PG_CONFIG : PRISMA6_SQLITE_CONFIG;
}

function lockFile(provider: Provider): string {
  return `# Please do not edit this file manually\n# It should be added in your version-control system (e.g., Git)\nprovider = "${provider}"\n`;
}

/** node_modules/<name> -> repo's node_modules/<target>, per major. */
function linkedPackages(major: PrismaMajor): Record<string, string> {
  return major === 7
    ? {
        prisma: 'prisma',
        '@prisma/adapter-pg': '@prisma/adapter-pg',
        '@prisma/adapter-libsql': '@prisma/adapter-libsql',
        '@libsql/client': '@libsql/client',
        pg: 'pg',
      }
    : {
        prisma: 'prisma6',
        // adapter-pg 6.19.3 fails on the catalog's `name` columns; 7.10 works with Prisma 6.19.
        '@prisma/adapter-pg': '@prisma/adapter-pg',
        '@prisma/adapter-libsql': 'adapter-libsql6',
        '@libsql/client': '@libsql/client',
        pg: 'pg',
      };
}

function packageVersion(dir: string): string {
  try {
    return String(
      (JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version?: string }).version,
    );
  } catch {
    return '*';
  }
}

// ---------------------------------------------------------------------------------------------
// API

export interface PrismaProjectOptions {
  provider: Provider;
  /** Default 7. */
  prismaMajor?: PrismaMajor;
  /** DATABASE_URL for the project's commands (PostgreSQL URL, or `file:` for SQLite). */
  databaseUrl: string;
  /**
   * Migration folder name -> migration.sql. Default: one initial migration matching the default
   * models (`20240101000000_init`), or none when a custom `schema` is given.
   */
  migrations?: Record<string, string>;
  /** Models (or a whole schema with its datasource block). Default: User + Post. */
  schema?: string;
  /** Parent of the temp dir. Default os.tmpdir(). */
  parentDir?: string;
}

export interface PrismaProject {
  /** The project root (holds prisma.config.ts). */
  dir: string;
  provider: Provider;
  prismaMajor: PrismaMajor;
  databaseUrl: string;
  schemaPath: string;
  migrationsDir: string;
  configPath: string;
  /** node_modules/.bin/prisma of the project (the right major). */
  prismaBin: string;
  /** Writes prisma/migrations/<name>/migration.sql; returns its path. */
  addMigration(name: string, sql: string): Promise<string>;
  /** Removes the project dir. */
  cleanup(): Promise<void>;
}

/** Creates a temp dir holding a small Prisma project (no git repo). */
export async function createPrismaProject(options: PrismaProjectOptions): Promise<PrismaProject> {
  const { provider, databaseUrl } = options;
  const major: PrismaMajor = options.prismaMajor ?? 7;
  const dir = await mkdtemp(
    path.join(options.parentDir ?? os.tmpdir(), `prisma-hotfix-p${major}-${provider}-`),
  );
  const prismaDir = path.join(dir, 'prisma');
  const migrationsDir = path.join(prismaDir, 'migrations');
  const schemaPath = path.join(prismaDir, 'schema.prisma');
  const configPath = path.join(dir, 'prisma.config.ts');
  await mkdir(migrationsDir, { recursive: true });

  await writeFile(schemaPath, schemaFile(provider, major, options.schema));
  await writeFile(configPath, configFile(provider, major));
  await writeFile(path.join(migrationsDir, 'migration_lock.toml'), lockFile(provider));
  const migrations =
    options.migrations ??
    (options.schema === undefined ? { [INIT_MIGRATION]: defaultInitMigration(provider) } : {});
  for (const [name, sql] of Object.entries(migrations)) {
    await mkdir(path.join(migrationsDir, name), { recursive: true });
    await writeFile(path.join(migrationsDir, name, 'migration.sql'), sql);
  }

  // node_modules: symlinks into this repo's node_modules, so that the project runs its own
  // `prisma` of the requested major.
  const links = linkedPackages(major);
  const nodeModules = path.join(dir, 'node_modules');
  await mkdir(path.join(nodeModules, '.bin'), { recursive: true });
  for (const [name, target] of Object.entries(links)) {
    const link = path.join(nodeModules, name);
    await mkdir(path.dirname(link), { recursive: true });
    await symlink(path.join(REPO_NODE_MODULES, target), link, 'dir');
  }
  const prismaBin = path.join(nodeModules, '.bin', 'prisma');
  await symlink(path.join('..', 'prisma', 'build', 'index.js'), prismaBin);

  const prismaVersion = packageVersion(path.join(REPO_NODE_MODULES, links.prisma ?? 'prisma'));
  const adapter = provider === 'postgresql' ? '@prisma/adapter-pg' : '@prisma/adapter-libsql';
  const adapterVersion = packageVersion(path.join(REPO_NODE_MODULES, links[adapter] ?? adapter));
  await writeFile(
    path.join(dir, 'package.json'),
    JSON.stringify(
      {
        name: `prisma-hotfix-fixture-${provider}`,
        private: true,
        type: 'module',
        devDependencies: { prisma: prismaVersion, [adapter]: adapterVersion },
      },
      null,
      2,
    ) + '\n',
  );
  await writeFile(
    path.join(dir, '.gitignore'),
    'node_modules\ngenerated\n*.db\n*.db-journal\n*.db-wal\n*.db-shm\n',
  );

  return {
    dir,
    provider,
    prismaMajor: major,
    databaseUrl,
    schemaPath,
    migrationsDir,
    configPath,
    prismaBin,
    async addMigration(name, sql) {
      const file = path.join(migrationsDir, name, 'migration.sql');
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, sql);
      return file;
    },
    async cleanup() {
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface RunPrismaOptions {
  /** Extra variables (win over the project's). */
  env?: Record<string, string | undefined>;
  /** Text for stdin (e.g. `db execute --stdin`). */
  input?: string;
  /** Default: the project dir. */
  cwd?: string;
  /** Also point PRISMA_SCHEMA_ENGINE_BINARY at the stand-in for Prisma 6 (see ChildEnvOptions). */
  standIn?: boolean;
  /** Default 60 s. */
  timeoutMs?: number;
}

export interface PrismaResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** stdout and stderr, interleaved as printed. */
  all: string;
  durationMs: number;
}

/** Runs the project's own node_modules/.bin/prisma with the offline environment. Never rejects. */
export async function runPrisma(
  project: PrismaProject,
  args: readonly string[],
  options: RunPrismaOptions = {},
): Promise<PrismaResult> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined) env[key] = value;
  }
  // Plain text output whatever the test runner's terminal; no stray engine overrides.
  delete env.FORCE_COLOR;
  delete env.PRISMA_SCHEMA_ENGINE_BINARY;
  delete env.PRISMA_MIGRATION_ENGINE_BINARY;
  env.NO_COLOR = '1';
  Object.assign(env, prismaEnv(project, options.standIn === undefined ? {} : { standIn: options.standIn }));
  for (const [key, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }

  const started = performance.now();
  const result = await execa(process.execPath, [project.prismaBin, ...args], {
    cwd: options.cwd ?? project.dir,
    env,
    extendEnv: false,
    reject: false,
    all: true,
    timeout: options.timeoutMs ?? 60_000,
    ...(options.input === undefined ? { stdin: 'ignore' as const } : { input: options.input }),
  });
  return {
    exitCode: result.exitCode ?? (result.timedOut ? 124 : 1),
    stdout: result.stdout,
    stderr: result.stderr,
    all: result.all,
    durationMs: Math.round(performance.now() - started),
  };
}
