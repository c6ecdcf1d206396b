// The scene most tests and the demo need: a git repository holding a Prisma project with a
// protected "production" and a "staging" database, both migrated to the initial migration.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createPgDatabase, pgTemplate, type PgDatabase } from './db.js';
import { git, initRepo } from './git.js';
import { repoRoot } from './hotfix.js';
import {
  createPrismaProject,
  prismaEnv,
  runPrisma,
  type PrismaMajor,
  type Provider,
  type PrismaProject,
} from './prisma-project.js';

export const PROD_ENV = 'PRODUCTION_DATABASE_URL';
export const STAGING_ENV = 'STAGING_DATABASE_URL';

export interface TwoEnvProject {
  project: PrismaProject;
  /** The git repository: project.dir, or its parent with `inSubfolder`. */
  repoDir: string;
  /** Environment for `hotfix`: the offline prisma settings plus both URLs. */
  env: Record<string, string>;
  prodUrl: string;
  stagingUrl: string;
  cleanup(): Promise<void>;
}

export interface TwoEnvOptions {
  provider: Provider;
  prismaMajor?: PrismaMajor;
  /** Readable part of database names. */
  prefix: string;
  /** A password put into the URLs hotfix sees (PostgreSQL trust auth ignores it). */
  password?: string;
  /** Parent of the temp dirs (the demo keeps everything in one folder). */
  parentDir?: string;
  /** The project in a folder of the repository (a monorepo), not at its root. */
  inSubfolder?: boolean;
}

export async function createTwoEnvProject(options: TwoEnvOptions): Promise<TwoEnvProject> {
  const dbs: PgDatabase[] = [];
  const dbDir = mkdtempSync(path.join(options.parentDir ?? os.tmpdir(), `hotfix-${options.prefix}-`));
  let urls: { dev: string; prod: string; staging: string };
  if (options.provider === 'sqlite') {
    const file = (name: string) => `file:${path.join(dbDir, `${name}.db`)}`;
    urls = { dev: file('dev'), prod: file('production'), staging: file('staging') };
  } else {
    dbs.push(await createPgDatabase(`${options.prefix}_dev`));
    urls = { dev: dbs[0]!.url, prod: '', staging: '' };
  }
  const repoDir = options.inSubfolder ? mkdtempSync(path.join(dbDir, 'repo-')) : undefined;
  const project = await createPrismaProject({
    provider: options.provider,
    prismaMajor: options.prismaMajor,
    databaseUrl: urls.dev,
    parentDir: repoDir ?? dbDir,
  });
  writeFileSync(
    path.join(project.dir, 'hotfix.config.json'),
    `${JSON.stringify({ environments: { production: { urlEnv: PROD_ENV, protected: true }, staging: { urlEnv: STAGING_ENV } } }, null, 2)}\n`,
  );
  initRepo(repoDir ?? project.dir);
  const deploy = async (url: string) => {
    const r = await runPrisma(project, ['migrate', 'deploy'], { env: { DATABASE_URL: url } });
    if (r.exitCode !== 0) throw new Error(`prisma migrate deploy failed:\n${r.all}`);
  };
  if (options.provider === 'sqlite') {
    // Deployed once by the real CLI, then copied: the same file Prisma would have written.
    await deploy(urls.prod);
    copyFileSync(urls.prod.replace(/^file:/, ''), urls.staging.replace(/^file:/, ''));
  } else {
    // Production and staging start from a database the real CLI migrated once per history
    // (and Prisma version), cloned by PostgreSQL: see pgTemplate.
    const template = await pgTemplate(historyKey(project), deploy);
    const [prod, staging] = await Promise.all(
      ['prod', 'staging'].map((n) => createPgDatabase(`${options.prefix}_${n}`, template)),
    );
    dbs.push(prod!, staging!);
    urls = { ...urls, prod: prod!.url, staging: staging!.url };
  }
  const withPassword = (url: string) =>
    options.password ? url.replace('postgres@', `postgres:${options.password}@`) : url;
  return {
    project,
    repoDir: repoDir ?? project.dir,
    env: {
      ...prismaEnv(project),
      [PROD_ENV]: withPassword(urls.prod),
      [STAGING_ENV]: withPassword(urls.staging),
    },
    prodUrl: urls.prod,
    stagingUrl: urls.staging,
    cleanup: async () => {
      await project.cleanup();
      await Promise.all(dbs.map((db) => db.drop()));
      rmSync(dbDir, { recursive: true, force: true });
    },
  };
}

/** The schema edit of Prisma's guide: say in the schema that Post is indexed by authorId. */
export function addPostAuthorIndex(schemaPath: string): void {
  writeFileSync(
    schemaPath,
    readFileSync(schemaPath, 'utf8').replace(
      /(model Post \{[\s\S]*?)(\n\})/,
      '$1\n\n  @@index([authorId])$2',
    ),
  );
}

/**
 * The seed's data-corruption scene: a "Comment" table that arrived without a foreign key (a
 * migration committed on main), applied to the given databases.
 */
export async function addCommentsTable(s: TwoEnvProject, urls: string[]): Promise<void> {
  await s.project.addMigration(
    '20240201000000_comments',
    'CREATE TABLE "Comment" ("id" SERIAL PRIMARY KEY, "postId" INTEGER NOT NULL, "body" TEXT NOT NULL);\n',
  );
  git(s.project.dir, 'add', '-A');
  git(s.project.dir, 'commit', '-qm', 'comments');
  for (const url of urls) {
    const r = await runPrisma(s.project, ['migrate', 'deploy'], { env: { DATABASE_URL: url } });
    if (r.exitCode !== 0) throw new Error(`prisma migrate deploy failed:\n${r.all}`);
  }
}

/** What a migrated template holds: every migration.sql of the project, and the Prisma version. */
function historyKey(project: PrismaProject): string {
  const hash = createHash('sha256');
  for (const name of readdirSync(project.migrationsDir).sort()) {
    const file = path.join(project.migrationsDir, name, 'migration.sql');
    try {
      hash.update(name).update(readFileSync(file));
    } catch {
      // migration_lock.toml and other files: not part of the history
    }
  }
  // The version of the prisma package the project runs (its _prisma_migrations DDL).
  const pkg = project.prismaMajor === 6 ? 'prisma6' : 'prisma';
  hash.update(readFileSync(path.join(repoRoot, 'node_modules', pkg, 'package.json')));
  return hash.digest('hex').slice(0, 16);
}

/**
 * The project of a test file: made before its tests (and `setup` run on it), removed after them.
 * The object stands for it once made: read it inside tests and hooks only.
 */
export function useTwoEnvProject(
  options: TwoEnvOptions,
  setup?: (s: TwoEnvProject) => Promise<void> | void,
): TwoEnvProject {
  let current: TwoEnvProject | undefined;
  beforeAll(async () => {
    current = await createTwoEnvProject(options);
    await setup?.(current);
  });
  afterAll(async () => {
    await current?.cleanup();
  });
  return new Proxy({} as TwoEnvProject, {
    get: (_target, key) => {
      if (!current) throw new Error('the project is made in beforeAll: use it inside a test');
      return Reflect.get(current, key) as unknown;
    },
  });
}
