import { existsSync, promises as fs } from 'node:fs';
import { openProject } from '../workflow/project.js';
import os from 'node:os';
import path from 'node:path';
import { acquireLock, type Lock } from '../adapters/fs-safe.js';
import type { Git } from '../adapters/git.js';
import { openLedgerStore } from '../adapters/ledger-store.js';
import { providerOf } from '../adapters/migration-lock.js';
import { openPrisma, type Prisma } from '../adapters/prisma.js';
import { checklist, type ChecklistItem } from '../core/checklists.js';
import { sha256Hex } from '../core/checksum.js';
import type { HotfixConfig } from '../core/config.js';
import { infraError, usageError, type HotfixError } from '../core/errors.js';
import { deriveState } from '../core/ledger.js';
import { addTimeoutsPreamble } from '../core/lint/preamble.js';
import { branchFor, resolveInside } from '../core/names.js';
import {
  checkStartArgs,
  fromSchemaDiff,
  fromSqlFile,
  fromTemplate,
  migrationNameFor,
  namesVerdict,
  nextSteps,
  repositoryVerdict,
  requireSchemaChange,
  startFailed,
  startLedger,
  type DownSource,
  type MigrationFiles,
  type MigrationSource,
} from '../core/plan/start.js';
import type { DiffSource } from '../core/prisma-argv.js';
import { relativeTo } from '../core/text.js';
import { lintDetails, lintFiles, type LintSummary } from '../workflow/lint-gate.js';
import { UndoList } from '../workflow/undo.js';
import type { Deps } from '../workflow/deps.js';

export type { DownSource, MigrationSource } from '../core/plan/start.js';

export interface StartInput {
  name: string;
  sqlFile?: string | undefined;
  fromSchema?: boolean;
  base?: string | undefined;
  branch: boolean;
  commit: boolean;
  dryRun: boolean;
  reason?: string | undefined;
  /** Add SET lock_timeout / statement_timeout around migration.sql. */
  timeouts?: { lockTimeout: string; statementTimeout: string } | undefined;
}

export interface StartResult {
  command: 'start';
  dryRun: boolean;
  hotfix: string;
  base: string;
  branch: string | null;
  migration: {
    name: string;
    dir: string;
    sqlPath: string;
    downPath: string;
    checksum: string;
    source: MigrationSource;
    downSource: DownSource;
    /** Why down.sql is a template, when it is. */
    downNote: string | null;
  };
  ledger: string;
  commit: string | null;
  /** Files left staged (with --no-commit). */
  staged: string[];
  /** SQL that was (or would be) written; shown by --dry-run. */
  sql: string;
  down: string;
  next: string[];
  checklist: ChecklistItem[];
  lint: LintSummary;
}

const throwIf = (error: HotfixError | undefined): void => {
  if (error) throw error;
};

/**
 * `hotfix start <name>`: from the base branch, a hotfix branch with a new migration folder
 * (migration.sql, down.sql) and the hotfix's ledger, committed. Gathers the facts, lets
 * core/plan/start.ts decide, then writes, undoing every step if a later one fails.
 */
export async function start(input: StartInput, deps: Deps): Promise<StartResult> {
  // Validate everything that needs no process before starting one.
  const name = checkStartArgs(input);
  const { git, root: projectRoot, config } = await openProject(deps);
  const ledger = openLedgerStore(git, projectRoot);

  let lock: Lock | undefined;
  if (!input.dryRun)
    lock = await acquireLock(path.join(await git.commonDir(), 'hotfix.lock'), `hotfix start ${name}`);
  try {
    const base = input.base ?? config.baseBranch;
    const current = await git.currentBranch();
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

    const existing = (await ledger.listAll()).find((entry) => entry.file.name === name);
    const migrationsDir = path.resolve(projectRoot, config.migrations);
    const migrationName = migrationNameFor(name, deps.now());
    const migrationDir = resolveInside(migrationsDir, migrationName);
    throwIf(
      namesVerdict({
        name,
        existingLedger: existing?.source,
        branchTaken: await git.branchExists(branchFor(name)),
        migrationsRel: config.migrations,
        migrationsDirExists: existsSync(migrationsDir),
        migrationName,
        migrationFolderExists: existsSync(migrationDir),
      }),
    );
    const actor = (await git.userEmail()) ?? deps.env.USER ?? 'unknown';
    const branch = input.branch ? branchFor(name) : undefined;
    let files = await migrationFiles(name, input, sqlFileAbs, deps, git, config, projectRoot);
    // The schema edited for --from-schema travels with the hotfix, in the same commit.
    const extraPaths =
      files.source === 'schema-diff'
        ? (await git.dirtyPaths()).filter((p) => p === schemaRel || p.startsWith(`${schemaRel}/`))
        : [];
    const ledgerRel = ledger.relativePath(name);
    const relDir = relativeTo(git.root, migrationDir);
    if (input.timeouts && files.source !== 'template') {
      const provider = (await providerOf(migrationsDir, projectRoot)) ?? 'postgresql';
      files = { ...files, sql: addTimeoutsPreamble(files.sql, { ...input.timeouts, provider }) };
    }
    // Linted before anything is written: the findings are shown, recorded, and never block start.
    const lintSummary = await lintFiles(
      [
        { file: `${relDir}/migration.sql`, sql: files.sql, hotfix: true },
        { file: `${relDir}/down.sql`, sql: files.down, hotfix: true, reverseOf: files.sql },
      ],
      migrationsDir,
      projectRoot,
    );
    const checksum = sha256Hex(files.sql);
    const result: StartResult = {
      command: 'start',
      dryRun: input.dryRun,
      hotfix: name,
      base,
      branch: branch ?? null,
      migration: {
        name: migrationName,
        dir: relDir,
        sqlPath: `${relDir}/migration.sql`,
        downPath: `${relDir}/down.sql`,
        checksum,
        source: files.source,
        downSource: files.downSource,
        downNote: files.downNote ?? null,
      },
      ledger: ledgerRel,
      commit: null,
      staged: [],
      sql: files.sql,
      down: files.down,
      next: nextSteps(name, config, files.source),
      checklist: [],
      lint: lintSummary,
    };
    const downWritten = files.downSource !== 'template';
    if (input.dryRun) {
      result.checklist = checklist('pre-deploy', undefined, { downWritten });
      return result;
    }

    const file = startLedger({
      name,
      base,
      branch,
      current,
      migrationName,
      checksum,
      files,
      at: deps.now().toISOString(),
      actor,
      host: os.hostname(),
      reason: input.reason,
      sqlFileName: input.sqlFile ? path.basename(input.sqlFile) : undefined,
      timeouts: input.timeouts,
      lint: { errors: lintSummary.errors, details: lintDetails(lintSummary) },
    });

    const paths = [relDir, ledgerRel, ...extraPaths];
    const undo = new UndoList();
    try {
      if (branch) {
        await git.createBranch(branch, base);
        undo.push(`delete branch ${branch}`, async () => {
          await git.checkout(base);
          await git.deleteBranch(branch);
        });
      }
      await fs.mkdir(migrationDir, { recursive: false });
      undo.push(`remove ${relDir}`, () => fs.rm(migrationDir, { recursive: true, force: true }));
      await fs.writeFile(path.join(migrationDir, 'migration.sql'), files.sql, { flag: 'wx' });
      await fs.writeFile(path.join(migrationDir, 'down.sql'), files.down, { flag: 'wx' });
      await ledger.write(file);
      undo.push(`remove ${ledgerRel}`, () => ledger.remove(name));
      await git.add(paths);
      undo.push('unstage the new files', () => git.unstage(paths));
      if (input.commit) {
        const before = await git.head();
        result.commit = await git.commit(`hotfix(${name}): start, migration ${migrationName}`, paths);
        if (before) undo.push('undo the commit', () => git.resetSoft(before));
      } else {
        result.staged = paths;
      }
      deps.progress?.(`recorded ${ledgerRel}`);
    } catch (cause) {
      throw startFailed(cause, await undo.undoAll(), config.migrations);
    }
    result.checklist = checklist('pre-deploy', deriveState(file), { downWritten });
    return result;
  } finally {
    await lock?.release();
  }
}

/** migration.sql and down.sql: from the --sql file, from a schema diff, or templates. */
async function migrationFiles(
  name: string,
  input: StartInput,
  sqlFileAbs: string | undefined,
  deps: Deps,
  git: Git,
  config: HotfixConfig,
  projectRoot: string,
): Promise<MigrationFiles> {
  if (sqlFileAbs) {
    let sql: string;
    try {
      sql = await fs.readFile(sqlFileAbs, 'utf8');
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
  const prisma = await openPrisma(projectRoot, config.schema, deps.exec, git.root);
  const migrations: DiffSource = { kind: 'migrations', path: config.migrations };
  const schema: DiffSource = { kind: 'schema', path: config.schema };
  const up = requireSchemaChange(await diff(prisma, config, migrations, schema), config);
  return fromSchemaDiff(name, up, await diff(prisma, config, schema, migrations));
}

async function diff(
  prisma: Prisma,
  config: HotfixConfig,
  from: DiffSource,
  to: DiffSource,
): Promise<string | undefined> {
  // The development database of the project's Prisma config (as for `prisma migrate dev`)
  // hosts the temporary shadow database Prisma replays the migrations into.
  const result = await prisma.run(
    { kind: 'diff', from, to, script: true, exitCode: true },
    { urlEnv: config.prismaUrlEnv },
  );
  if (result.exitCode === 0) return undefined; // no difference
  if (result.exitCode === 2) return result.stdout.endsWith('\n') ? result.stdout : `${result.stdout}\n`;
  if (result.outcome.kind === 'unreachable') {
    throw infraError(
      'DIFF_DATABASE_UNREACHABLE',
      `prisma migrate diff could not reach the development database (${result.outcome.code}).`,
      {
        hint: 'Prisma replays the migrations into a shadow database on the datasource of your Prisma config: point DATABASE_URL at a development database.',
        details: { stderr: result.stderr.slice(-2000) },
      },
    );
  }
  throw infraError(
    'DIFF_FAILED',
    `prisma migrate diff failed (exit ${result.exitCode}): ${(result.stderr || result.stdout).trim().slice(-1500)}`,
    {
      hint: 'Run the same prisma migrate diff by hand to see the whole error, or pass --sql FILE.',
    },
  );
}
