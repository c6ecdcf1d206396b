import path from 'node:path';
import type { Git } from '../adapters/git.js';
import type { HotfixConfig } from '../core/config.js';
import { usageError, type HotfixError } from '../core/errors.js';
import { branchFor, newNameVerdict, resolveInside } from '../core/names.js';
import { hotfixParts, unsafeVerdict } from '../core/plan/start-parts.js';
import {
  checkStartArgs,
  fromSchemaDiff,
  fromSqlFile,
  fromTemplate,
  migrationNameFor,
  namesVerdict,
  repositoryVerdict,
  requireSchemaChange,
  type MigrationFiles,
  type StartFacts,
} from '../core/plan/start.js';
import type { DiffSource } from '../core/prisma-argv.js';
import { loadParser } from '../core/sql/parser.js';
import { relativeTo } from '../core/text.js';
import { withTask, type Deps } from './deps.js';
import { devDatabaseCheck, diff } from './dev-database.js';
import { lintFiles } from './lint-gate.js';
import { providerOf } from './migration-lock.js';
import { actorOf, type Project } from './project.js';
import { interruptedStart } from './start-recovery.js';

export interface StartOptions {
  name: string;
  sqlFile?: string | undefined;
  fromSchema?: boolean | undefined;
  base?: string | undefined;
  /** false: --no-branch, stay on the base. */
  branch: boolean;
  reason?: string | undefined;
  /** Add SET lock_timeout / statement_timeout around migration.sql (the CLI's default). */
  timeouts?: { lockTimeout: string; statementTimeout: string } | undefined;
  /** Write the SQL exactly as given: no safe rewrite. */
  asIs?: boolean | undefined;
  /** Start even with error findings that cannot be made safe (needs --reason). */
  acceptRisk?: boolean | undefined;
  /** git fetch the base branch's remote first, so "behind its upstream" is up to date. */
  fetch?: boolean | undefined;
}

const throwIf = (error: HotfixError | undefined): void => {
  if (error) throw error;
};

/**
 * Everything start's plan needs, checked as it is read: the repository first (a wrong branch
 * is told before anything else), then the names it would take, then the migration's SQL (from
 * the --sql file, Prisma's diff, or templates), made safe and linted. What cannot be made safe
 * stops here, before anything is written.
 */
export async function gatherStartFacts(p: Project, input: StartOptions, deps: Deps): Promise<StartFacts> {
  const name = checkStartArgs(input);
  const { git, config, root: projectRoot, files: fs } = p;
  const base = input.base ?? config.baseBranch;
  const current = await git.currentBranch();
  const migrationsRel = relativeTo(git.root, path.resolve(projectRoot, config.migrations));
  await interruptedStart(git, p.store, name, current, base, migrationsRel);
  const schemaRel = relativeTo(git.root, path.resolve(projectRoot, config.schema));
  const sqlFileAbs = input.sqlFile ? path.resolve(deps.cwd, input.sqlFile) : undefined;
  const baseExists = await git.branchExists(base);
  throwIf(
    repositoryVerdict({
      base,
      baseExists,
      current,
      // Read only when the branch checks pass: the verdict looks at them last.
      dirty: baseExists && current === base ? await git.dirtyPaths() : [],
      fromSchema: input.fromSchema === true,
      schemaRel,
      sqlFileRel: sqlFileAbs ? relativeTo(git.root, sqlFileAbs) : undefined,
    }),
  );

  // A base behind its upstream lacks what was merged since: the hotfix would start from old code.
  if (baseExists) {
    if (input.fetch) await git.fetchUpstream(base);
    const behind = await git.behindUpstream(base).catch(() => undefined);
    if (behind && behind.behind > 0)
      deps.progress?.(
        `! ${base} is ${behind.behind} commit(s) behind ${behind.upstream}${input.fetch ? '' : ' (as of the last fetch; --fetch fetches first)'}: the hotfix starts from older code than ${behind.upstream}. To start from it: git checkout ${base} && git pull --ff-only`,
      );
  }
  const ledgers = await p.store.listAll();
  const existing = ledgers.find((entry) => entry.file.name === name);
  // Hotfixes by their ledgers, and hotfix branches whose ledger is gone or not committed yet.
  const branches = (await git.localBranches('hotfix/*')).map((b) => b.slice('hotfix/'.length));
  throwIf(newNameVerdict(name, [...ledgers.map((entry) => entry.file.name), ...branches]));
  const migrationsDir = path.resolve(projectRoot, config.migrations);
  const migrationName = migrationNameFor(name, deps.now());
  throwIf(
    namesVerdict({
      name,
      existingLedger: existing?.source,
      branchTaken: await git.branchExists(branchFor(name)),
      migrationsRel: config.migrations,
      migrationsDirExists: (await fs.kind(migrationsDir)) !== undefined,
      migrationName,
      migrationFolderExists: (await fs.kind(resolveInside(migrationsDir, migrationName))) !== undefined,
    }),
  );
  const made = await migrationFiles(name, input, sqlFileAbs, deps, git, config, projectRoot);
  // The schema edited for --from-schema travels with the hotfix, in the same commit.
  const extraPaths =
    made.source === 'schema-diff'
      ? (await git.dirtyPaths())
          .filter((f) => f === schemaRel || f.startsWith(`${schemaRel}/`))
          .map((f) => relativeTo(projectRoot, path.resolve(git.root, f)))
      : [];
  const provider = (await providerOf(fs, migrationsDir, projectRoot)) ?? 'postgresql';
  if (provider === 'postgresql') await loadParser();
  const { parts, rewrites } = hotfixParts({
    name,
    migrationName,
    now: deps.now(),
    files: made,
    provider,
    timeouts: input.timeouts,
    asIs: input.asIs === true,
  });
  const dirOf = (part: string) => relativeTo(git.root, resolveInside(migrationsDir, part));
  // Linted before anything is written: what cannot be made safe stops here.
  const lint = await lintFiles(
    parts.flatMap((part) => [
      { file: `${dirOf(part.name)}/migration.sql`, sql: part.sql, hotfix: true },
      { file: `${dirOf(part.name)}/down.sql`, sql: part.down, hotfix: true, reverseOf: part.sql },
    ]),
    migrationsDir,
    projectRoot,
    fs,
  );
  // Named by where the SQL came from: the migration files are not written when it stops.
  const from = input.sqlFile ?? (input.fromSchema ? `${config.schema} (prisma migrate diff)` : undefined);
  if (made.source !== 'template') throwIf(unsafeVerdict(lint.findings, input.acceptRisk === true, from));
  return {
    name,
    base,
    branch: input.branch ? branchFor(name) : undefined,
    current,
    migrationName,
    migrationsRel: config.migrations,
    projectDir: relativeTo(git.root, projectRoot),
    ledgerRel: relativeTo(projectRoot, p.store.absolutePath(name)),
    files: made,
    parts,
    rewrites,
    lint,
    acceptRisk: input.acceptRisk === true,
    extraPaths,
    at: deps.now().toISOString(),
    actor: await actorOf(git, deps),
    host: deps.ports.host,
    reason: input.reason,
    sqlFileName: input.sqlFile ? path.basename(input.sqlFile) : undefined,
    timeouts: input.timeouts,
    config,
  };
}

/** migration.sql and down.sql: from the --sql file, from a schema diff, or templates. */
async function migrationFiles(
  name: string,
  input: StartOptions,
  sqlFileAbs: string | undefined,
  deps: Deps,
  git: Git,
  config: HotfixConfig,
  projectRoot: string,
): Promise<MigrationFiles> {
  if (sqlFileAbs) {
    let sql: string;
    try {
      const text = await deps.ports.files.read(sqlFileAbs);
      if (text === undefined) throw new Error('no such file');
      sql = text;
    } catch (cause) {
      throw usageError(
        'SQL_FILE_UNREADABLE',
        `Cannot read --sql file ${input.sqlFile}: ${(cause as Error).message}`,
        { hint: 'Check the path (it is relative to the current directory).', cause },
      );
    }
    return fromSqlFile(name, sql, input.sqlFile ?? '');
  }
  if (!input.fromSchema) return fromTemplate(name);
  devDatabaseCheck(config, deps.env, projectRoot);
  const prisma = await deps.ports.prisma(projectRoot, config.schema, git.root);
  const migrations: DiffSource = { kind: 'migrations', path: config.migrations };
  const schema: DiffSource = { kind: 'schema', path: config.schema };
  const up = requireSchemaChange(
    await withTask(deps, 'prisma migrate diff: the migrations -> schema.prisma (migration.sql)', () =>
      diff(prisma, config, migrations, schema),
    ),
    config,
  );
  const down = await withTask(deps, 'prisma migrate diff: schema.prisma -> the migrations (down.sql)', () =>
    diff(prisma, config, schema, migrations),
  );
  return fromSchemaDiff(name, up, down);
}
