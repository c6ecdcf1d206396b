import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../adapters/config-loader.js';
import { acquireLock, type Lock } from '../adapters/fs-safe.js';
import { openGit, type Git } from '../adapters/git.js';
import { openLedgerStore } from '../adapters/ledger-store.js';
import { openPrisma, type Prisma } from '../adapters/prisma.js';
import { checklist, type ChecklistItem } from '../core/checklists.js';
import type { HotfixConfig } from '../core/config.js';
import type { DiffSource } from '../core/prisma-argv.js';
import { HotfixError, infraError, usageError } from '../core/errors.js';
import { createLedger, deriveState, type NewEvent } from '../core/ledger.js';
import {
  branchFor,
  migrationSlug,
  migrationTimestamp,
  resolveInside,
  validateHotfixName,
} from '../core/names.js';
import { downTemplate, migrationTemplate } from '../core/templates.js';
import { addTimeoutsPreamble, checkTimeouts } from '../core/lint/preamble.js';
import { lintDetails, lintFiles, type LintSummary } from '../workflow/lint-gate.js';
import { providerOf } from '../adapters/migration-lock.js';
import type { Deps } from './deps.js';
import { sha256Hex } from '../core/checksum.js';
import { toPosix } from '../core/text.js';

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

export type MigrationSource = 'sql-file' | 'schema-diff' | 'template';
export type DownSource = 'schema-diff' | 'template';

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

interface Plan {
  git: Git;
  config: HotfixConfig;
  base: string;
  branch: string | undefined;
  migrationName: string;
  /** Absolute. */
  migrationDir: string;
  sql: string;
  source: MigrationSource;
  down: string;
  downSource: DownSource;
  downNote: string | undefined;
  /** Repo-relative paths to commit besides the migration folder and the ledger. */
  extraPaths: string[];
  actor: string;
}

export async function start(input: StartInput, deps: Deps): Promise<StartResult> {
  // Validate everything that needs no process before starting one.
  const name = validateHotfixName(input.name);
  if (input.sqlFile !== undefined && input.fromSchema) {
    throw usageError(
      'CONFLICTING_SOURCES',
      'Choose one migration source: --sql FILE or --from-schema, not both.',
    );
  }
  if (input.timeouts) checkTimeouts(input.timeouts);
  const git = await openGit(deps.cwd);
  const projectRoot = path.resolve(deps.cwd);
  const config = await loadConfig(projectRoot, deps.configPath);
  const ledger = openLedgerStore(git, projectRoot);

  let lock: Lock | undefined;
  if (!input.dryRun)
    lock = await acquireLock(path.join(await git.commonDir(), 'hotfix.lock'), `hotfix start ${name}`);
  try {
    const plan = await prepare(name, input, deps, git, config, projectRoot);
    const ledgerRel = ledger.relativePath(name);
    const relDir = toPosix(path.relative(git.root, plan.migrationDir));
    const migrationsDir = path.resolve(projectRoot, config.migrations);
    if (input.timeouts && plan.source !== 'template') {
      const provider = (await providerOf(migrationsDir, projectRoot)) ?? 'postgresql';
      plan.sql = addTimeoutsPreamble(plan.sql, { ...input.timeouts, provider });
    }
    // Linted before anything is written: the findings are shown, recorded, and never block start.
    const lintSummary = await lintFiles(
      [
        { file: `${relDir}/migration.sql`, sql: plan.sql, hotfix: true },
        { file: `${relDir}/down.sql`, sql: plan.down, hotfix: true },
      ],
      migrationsDir,
      projectRoot,
    );
    const checksum = sha256Hex(plan.sql);
    const result: StartResult = {
      command: 'start',
      dryRun: input.dryRun,
      hotfix: name,
      base: plan.base,
      branch: plan.branch ?? null,
      migration: {
        name: plan.migrationName,
        dir: relDir,
        sqlPath: `${relDir}/migration.sql`,
        downPath: `${relDir}/down.sql`,
        checksum,
        source: plan.source,
        downSource: plan.downSource,
        downNote: plan.downNote ?? null,
      },
      ledger: ledgerRel,
      commit: null,
      staged: [],
      sql: plan.sql,
      down: plan.down,
      next: nextSteps(name, config, plan.source),
      checklist: [],
      lint: lintSummary,
    };
    if (input.dryRun) {
      result.checklist = checklist('pre-deploy', undefined, { downWritten: plan.downSource !== 'template' });
      return result;
    }

    const at = deps.now().toISOString();
    const common = {
      at,
      actor: plan.actor,
      command: 'start',
      ...(input.reason ? { reason: input.reason } : {}),
    };
    const events: NewEvent[] = [
      {
        ...common,
        type: 'started',
        outcome: 'ok',
        details: { base: plan.base, branch: plan.branch ?? null, host: os.hostname() },
      },
      {
        ...common,
        type: 'migration-created',
        outcome: 'ok',
        migration: plan.migrationName,
        checksum,
        details: {
          source: plan.source,
          down: plan.downSource,
          ...(input.sqlFile ? { sqlFile: path.basename(input.sqlFile) } : {}),
          ...(input.timeouts && plan.source !== 'template' ? { timeouts: input.timeouts } : {}),
        },
      },
      {
        ...common,
        type: 'linted',
        outcome: lintSummary.errors > 0 ? 'failed' : 'ok',
        migration: plan.migrationName,
        details: lintDetails(lintSummary),
      },
    ];
    const file = createLedger(
      {
        name,
        branch: plan.branch ?? (await git.currentBranch()) ?? plan.base,
        base: plan.base,
        migration: plan.migrationName,
        createdAt: at,
      },
      events,
    );

    const paths = [relDir, ledgerRel, ...plan.extraPaths];
    const undo: { what: string; run: () => Promise<void> }[] = [];
    try {
      if (plan.branch) {
        await git.createBranch(plan.branch, plan.base);
        undo.push({
          what: `delete branch ${plan.branch}`,
          run: async () => {
            await git.checkout(plan.base);
            await git.deleteBranch(plan.branch!);
          },
        });
      }
      await fs.mkdir(plan.migrationDir, { recursive: false });
      undo.push({
        what: `remove ${relDir}`,
        run: () => fs.rm(plan.migrationDir, { recursive: true, force: true }),
      });
      await fs.writeFile(path.join(plan.migrationDir, 'migration.sql'), plan.sql, { flag: 'wx' });
      await fs.writeFile(path.join(plan.migrationDir, 'down.sql'), plan.down, { flag: 'wx' });
      await ledger.write(file);
      undo.push({ what: `remove ${ledgerRel}`, run: () => ledger.remove(name) });
      await git.add(paths);
      undo.push({ what: 'unstage the new files', run: () => git.unstage(paths) });
      if (input.commit) {
        const before = await git.head();
        result.commit = await git.commit(`hotfix(${name}): start, migration ${plan.migrationName}`, paths);
        if (before) undo.push({ what: 'undo the commit', run: () => git.resetSoft(before) });
      } else {
        result.staged = paths;
      }
      deps.progress?.(`recorded ${ledgerRel}`);
    } catch (cause) {
      const notUndone: string[] = [];
      for (const step of undo.reverse()) {
        try {
          await step.run();
        } catch {
          notUndone.push(step.what);
        }
      }
      const original = cause instanceof HotfixError ? cause.message : (cause as Error).message;
      throw infraError(
        'START_FAILED',
        notUndone.length === 0
          ? `hotfix start failed and was undone; git, ${config.migrations} and .hotfix/ are as they were. Cause: ${original}`
          : `hotfix start failed; these steps could not be undone: ${notUndone.join(', ')}. Cause: ${original}`,
        {
          hint:
            notUndone.length === 0
              ? 'Fix the cause and run the same command again.'
              : 'Check git status and finish the listed steps by hand.',
          cause,
          details: { notUndone },
        },
      );
    }
    result.checklist = checklist('pre-deploy', deriveState(file), {
      downWritten: plan.downSource !== 'template',
    });
    return result;
  } finally {
    await lock?.release();
  }
}

async function prepare(
  name: string,
  input: StartInput,
  deps: Deps,
  git: Git,
  config: HotfixConfig,
  projectRoot: string,
): Promise<Plan> {
  const base = input.base ?? config.baseBranch;
  const current = await git.currentBranch();
  if (!(await git.branchExists(base))) {
    throw usageError('BASE_MISSING', `Base branch "${base}" does not exist.`, {
      hint: 'Pass --base <branch> or set "baseBranch" in hotfix.config.json.',
    });
  }
  if (current !== base) {
    throw usageError(
      'NOT_ON_BASE',
      `You are on ${current ? `"${current}"` : 'a detached HEAD'}, not on the base branch "${base}".`,
      {
        hint: `A hotfix starts from what runs in production: git checkout ${base} (or pass --base ${current ?? '<branch>'}).`,
      },
    );
  }

  const schemaRel = toPosix(path.relative(git.root, path.resolve(projectRoot, config.schema)));
  const sqlFileAbs = input.sqlFile ? path.resolve(deps.cwd, input.sqlFile) : undefined;
  const sqlFileRel = sqlFileAbs ? toPosix(path.relative(git.root, sqlFileAbs)) : undefined;
  // The schema you edited for --from-schema travels with the hotfix; the --sql file is only read.
  const allowedDirty = new Set<string>([
    ...(input.fromSchema ? [schemaRel] : []),
    ...(sqlFileRel ? [sqlFileRel] : []),
  ]);
  const dirty = (await git.dirtyPaths()).filter(
    (p) => !allowedDirty.has(p) && !(input.fromSchema && p.startsWith(`${schemaRel}/`)),
  );
  if (dirty.length > 0) {
    throw usageError('DIRTY_TREE', `The working tree has uncommitted changes: ${dirty.join(', ')}`, {
      hint: 'Commit or stash them first (git stash -u), so the hotfix branch holds only the fix.',
      details: { dirty },
    });
  }

  const ledger = openLedgerStore(git, projectRoot);
  const existing = (await ledger.listAll()).find((entry) => entry.file.name === name);
  if (existing) {
    throw usageError('HOTFIX_EXISTS', `A hotfix named "${name}" already exists (${existing.source}).`, {
      hint: `Choose another name, or see it with: hotfix status ${name}`,
    });
  }
  const branch = input.branch ? branchFor(name) : undefined;
  if (await git.branchExists(branchFor(name))) {
    throw usageError('BRANCH_EXISTS', `Branch "${branchFor(name)}" already exists.`, {
      hint: `Choose another name, or delete the branch if it is left over: git branch -D ${branchFor(name)}`,
    });
  }

  const migrationsDir = path.resolve(projectRoot, config.migrations);
  if (!existsSync(migrationsDir)) {
    throw usageError('NO_MIGRATIONS', `Migrations folder ${config.migrations} does not exist.`, {
      hint: 'Create the first migration with prisma migrate dev (or baseline), or set "migrations" in hotfix.config.json.',
    });
  }
  const migrationName = `${migrationTimestamp(deps.now())}_${migrationSlug(name)}`;
  const migrationDir = resolveInside(migrationsDir, migrationName);
  if (existsSync(migrationDir)) {
    throw usageError('MIGRATION_EXISTS', `Migration folder ${migrationName} already exists.`, {
      hint: 'Retry in a second.',
    });
  }

  const actor = (await git.userEmail()) ?? deps.env.USER ?? 'unknown';
  const plan = { git, config, base, branch, migrationName, migrationDir, actor, extraPaths: [] as string[] };

  if (sqlFileAbs) {
    let sql: string;
    try {
      sql = await fs.readFile(sqlFileAbs, 'utf8');
    } catch (cause) {
      throw usageError(
        'SQL_FILE_UNREADABLE',
        `Cannot read --sql file ${input.sqlFile}: ${(cause as Error).message}`,
        {
          hint: 'Check the path (it is relative to the current directory).',
          cause,
        },
      );
    }
    if (sql.trim().length === 0) {
      throw usageError('SQL_FILE_EMPTY', `--sql file ${input.sqlFile} is empty.`, {
        hint: 'Put the hotfix SQL in it.',
      });
    }
    if (!sql.endsWith('\n')) sql += '\n';
    const why = 'Hand-written SQL has no generated reverse: write it.';
    return {
      ...plan,
      sql,
      source: 'sql-file',
      down: downTemplate(name, why),
      downSource: 'template',
      downNote: why,
    };
  }

  if (input.fromSchema) {
    const prisma = await openPrisma(projectRoot, config.schema, deps.exec, git.root);
    const schemaPath = config.schema;
    const up = await diff(
      prisma,
      config,
      { kind: 'migrations', path: config.migrations },
      { kind: 'schema', path: schemaPath },
    );
    if (up.empty) {
      throw usageError(
        'NO_SCHEMA_CHANGE',
        `${config.schema} describes the same database as ${config.migrations}: there is nothing to migrate.`,
        {
          hint: 'Edit the schema to match the production patch first (e.g. add the @@index), or use --sql FILE.',
        },
      );
    }
    const down = await diff(
      prisma,
      config,
      { kind: 'schema', path: schemaPath },
      { kind: 'migrations', path: config.migrations },
    );
    const extraPaths = (await git.dirtyPaths()).filter(
      (p) => p === schemaRel || p.startsWith(`${schemaRel}/`),
    );
    if (down.empty) {
      const why = 'Prisma found no reverse for the schema change.';
      return {
        ...plan,
        extraPaths,
        sql: up.sql,
        source: 'schema-diff',
        down: downTemplate(name, why),
        downSource: 'template',
        downNote: why,
      };
    }
    return {
      ...plan,
      extraPaths,
      sql: up.sql,
      source: 'schema-diff',
      down: down.sql,
      downSource: 'schema-diff',
      downNote: undefined,
    };
  }

  const why = 'migration.sql is a template too: write both.';
  return {
    ...plan,
    sql: migrationTemplate(name),
    source: 'template',
    down: downTemplate(name, why),
    downSource: 'template',
    downNote: why,
  };
}

async function diff(
  prisma: Prisma,
  config: HotfixConfig,
  from: DiffSource,
  to: DiffSource,
): Promise<{ sql: string; empty: boolean }> {
  // The development database of the project's Prisma config (as for `prisma migrate dev`)
  // hosts the temporary shadow database Prisma replays the migrations into.
  const result = await prisma.run(
    { kind: 'diff', from, to, script: true, exitCode: true },
    { urlEnv: config.prismaUrlEnv },
  );
  if (result.exitCode === 0) return { sql: '', empty: true };
  if (result.exitCode === 2)
    return { sql: result.stdout.endsWith('\n') ? result.stdout : `${result.stdout}\n`, empty: false };
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

function nextSteps(name: string, config: HotfixConfig, source: MigrationSource): string[] {
  const envs = Object.values(config.environments);
  const prod = envs.find((e) => e.protected) ?? envs[0];
  const others = envs.filter((e) => e !== prod);
  const steps: string[] = [];
  if (source === 'template')
    steps.push('Write migration.sql and down.sql in the new migration folder, then commit them');
  else steps.push('Review migration.sql and down.sql in the new migration folder');
  if (prod) {
    steps.push(`If ${prod.name} was already patched by hand: hotfix resolve ${name} --env ${prod.name}`);
    for (const env of others)
      steps.push(`To apply it where it has not run: hotfix deploy ${name} --env ${env.name}`);
    steps.push(`Otherwise deploy it: hotfix deploy ${name} --env ${prod.name}`);
  }
  steps.push(`See where it stands: hotfix status ${name}`);
  return steps;
}
