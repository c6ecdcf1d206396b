// A whole project on fakes of the ports: a repository with a Prisma project (two environments,
// production protected), its databases and prisma, all in memory. `run()` runs the real CLI
// (argv parsing, the command, its rendering, the exit code) in-process against it, in
// milliseconds: the fast tier's way to test a command's decisions.
import path from 'node:path';
import { runCli } from '../../../src/cli/index.js';
import type { Lock, LockOptions } from '../../../src/adapters/fs-safe.js';
import { infraError, usageError } from '../../../src/core/errors.js';
import { parseLedger, type LedgerFile } from '../../../src/core/ledger.js';
import type { Ports } from '../../../src/workflow/ports.js';
import { FakeDatabases, FakePrisma, type FakeDatabase } from './db.js';
import { MemoryFiles } from './files.js';
import { MemoryGit } from './git.js';

export { FakeDatabase, FakeDatabases, FakePrisma } from './db.js';
export { MemoryFiles } from './files.js';
export { MemoryGit } from './git.js';
export { AS_IS, events, leaveIntent, rowStates, snapshot, startWithSql } from './scene.js';

export const ROOT = '/repo';
export const MIGRATIONS = `${ROOT}/prisma/migrations`;
export const INIT = '20240101000000_init';
export const INIT_SQL = `CREATE TABLE "User" ("id" SERIAL PRIMARY KEY, "email" TEXT NOT NULL);
CREATE TABLE "Post" ("id" SERIAL PRIMARY KEY, "title" TEXT NOT NULL, "authorId" INTEGER NOT NULL);
`;
export const PROD_URL = 'postgresql://app@prod.internal:5432/app';
export const STAGING_URL = 'postgresql://app@staging.internal:5432/app';

const SCHEMA = `datasource db {
  provider = "postgresql"
}

model User {
  id    Int    @id @default(autoincrement())
  email String
}

model Post {
  id       Int    @id @default(autoincrement())
  title    String
  authorId Int
}
`;

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** stdout parsed, when it is one JSON document. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a JSON document of any command
  json: any;
}

export interface FakeProject {
  /** The repository's root (ROOT). */
  root: string;
  /** The project's folder: the root, or a folder of it with `sub`. */
  dir: string;
  files: MemoryFiles;
  git: MemoryGit;
  dbs: FakeDatabases;
  prod: FakeDatabase;
  staging: FakeDatabase;
  prisma: FakePrisma;
  ports: Ports;
  env: Record<string, string>;
  /** Locks held now (the repository's hotfix lock). */
  locks: Set<string>;
  /** Answers to the [y/N] prompt, in order; undefined: no terminal (CI). */
  answers: boolean[] | undefined;
  /** Answers to a choice (rollback's scope), in order; undefined: no terminal. */
  choices: string[] | undefined;
  /** The questions asked. */
  asked: string[];
  /** What --wait-for-locks slept, in ms (the fake sleep returns at once). */
  slept: number[];
  /** Runs at each sleep: a test clears what was in the way after so many looks. */
  onSleep: (() => void) | undefined;
  /** Runs `hotfix <argv>` in-process. */
  run(argv: string[], env?: Record<string, string | undefined>): Promise<RunResult>;
  /** The working tree's ledger of a hotfix. */
  ledger(name: string): LedgerFile;
  /** Writes a file of the project (relative to its folder). */
  write(rel: string, text: string): void;
  read(rel: string): string | undefined;
}

export interface FakeOptions {
  /** Files beside the defaults (relative to the root). */
  files?: Record<string, string>;
  /** hotfix.config.json; null: none. */
  config?: object | null;
  /** The project in this folder of the repository (a monorepo), not at its root. */
  sub?: string;
}

export function fakeProject(options: FakeOptions = {}): FakeProject {
  const files = new MemoryFiles();
  const dir = options.sub ? path.join(ROOT, options.sub) : ROOT;
  const config =
    options.config === undefined
      ? {
          environments: {
            production: { urlEnv: 'PRODUCTION_DATABASE_URL', protected: true },
            staging: { urlEnv: 'STAGING_DATABASE_URL' },
          },
        }
      : options.config;
  files.seed(dir, {
    'package.json': `${JSON.stringify({ name: 'app', version: '1.4.0' }, null, 2)}\n`,
    'prisma/schema.prisma': SCHEMA,
    'prisma/migrations/migration_lock.toml': 'provider = "postgresql"\n',
    [`prisma/migrations/${INIT}/migration.sql`]: INIT_SQL,
    ...(config ? { 'hotfix.config.json': `${JSON.stringify(config, null, 2)}\n` } : {}),
    ...options.files,
  });
  const git = new MemoryGit(files, ROOT);
  git.commitAll('init');
  git.branches.set('develop', git.branches.get('main')!);
  const dbs = new FakeDatabases();
  dbs.files = files;
  const prod = dbs.add(PROD_URL);
  const staging = dbs.add(STAGING_URL);
  for (const db of [prod, staging]) db.row(INIT, INIT_SQL);
  const prisma = new FakePrisma(files, dbs, path.join(dir, 'prisma', 'migrations'));
  const locks = new Set<string>();
  const lock = (file: string, label: string, _options: LockOptions): Promise<Lock> => {
    if (locks.has(file))
      return Promise.reject(
        infraError('LOCK_HELD', `Another hotfix command holds ${file}.`, { hint: 'Wait for it.' }),
      );
    locks.add(file);
    void label;
    return Promise.resolve({ path: file, release: () => Promise.resolve(void locks.delete(file)) });
  };
  const ports: Ports = {
    files,
    git: (cwd) =>
      cwd === ROOT || cwd.startsWith(`${ROOT}/`)
        ? Promise.resolve(git)
        : Promise.reject(usageError('NOT_A_REPO', `${cwd} is not inside a git repository.`)),
    prisma: () => Promise.resolve(prisma),
    db: dbs,
    lock,
    run: { setActivity: () => undefined, setCanceller: () => undefined, faultPoint: () => undefined },
    host: 'test-host',
  };
  const env = {
    PRODUCTION_DATABASE_URL: PROD_URL,
    STAGING_DATABASE_URL: STAGING_URL,
    DATABASE_URL: 'postgresql://app@dev.internal:5432/dev',
  };
  let tick = 0;
  const project: FakeProject = {
    root: ROOT,
    dir,
    files,
    git,
    dbs,
    prod,
    staging,
    prisma,
    ports,
    env,
    locks,
    answers: undefined,
    choices: undefined,
    asked: [],
    slept: [],
    onSleep: undefined,
    run: async (argv, extraEnv = {}) => {
      let stdout = '';
      let stderr = '';
      const answers = project.answers;
      const exitCode = await runCli(argv, {
        stdout: { write: (t: string) => (stdout += t) },
        stderr: { write: (t: string) => (stderr += t) },
        env: { ...env, ...extraEnv },
        cwd: dir,
        version: '0.0.0-test',
        ports,
        // Each run a minute after the last: migration folders and events get distinct times.
        now: () => new Date(Date.UTC(2026, 11, 7, 10, tick++)),
        sleep: (ms) => {
          project.slept.push(ms);
          project.onSleep?.();
          return Promise.resolve();
        },
        confirm: answers
          ? (question) => {
              project.asked.push(question);
              return Promise.resolve(answers.shift() ?? false);
            }
          : undefined,
        choose: project.choices
          ? (question) => {
              project.asked.push(question);
              return Promise.resolve(project.choices?.shift());
            }
          : undefined,
      });
      let json: unknown;
      try {
        json = JSON.parse(stdout);
      } catch {
        json = undefined;
      }
      return { exitCode, stdout, stderr, json };
    },
    ledger: (name) => {
      const text = files.files.get(path.join(dir, '.hotfix', `${name}.json`));
      if (text === undefined) throw new Error(`no ledger for ${name}`);
      return parseLedger(text, `.hotfix/${name}.json`);
    },
    write: (rel, text) => files.put(path.join(dir, rel), text),
    read: (rel) => files.files.get(path.join(dir, rel)),
  };
  return project;
}
