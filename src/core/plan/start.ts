import type { HotfixConfig } from '../config.js';
import { HotfixError, infraError, usageError } from '../errors.js';
import { sha256Hex } from '../checksum.js';
import { createLedger, type LedgerFile, type NewEvent } from '../ledger.js';
import { blockingFindings } from '../lint/index.js';
import { lintDetails } from './common.js';
import type { HotfixPart } from './start-parts.js';
import type { LintSummary, Step } from './types.js';
import { checkTimeouts, type TimeoutOptions } from '../lint/preamble.js';
import { branchFor, migrationSlug, migrationTimestamp, validateHotfixName } from '../names.js';
import { downTemplate, migrationTemplate } from '../templates.js';

/**
 * The pure half of `hotfix start`: verdicts on the facts src/commands/start.ts gathers, the
 * migration it writes, the next steps and the ledger it records. No git, no files, no clock.
 */

export type MigrationSource = 'sql-file' | 'schema-diff' | 'template';
export type DownSource = 'schema-diff' | 'template';

type Timeouts = Pick<TimeoutOptions, 'lockTimeout' | 'statementTimeout'>;

/** What the arguments alone decide, before any process starts: the (valid) hotfix name. */
export function checkStartArgs(args: {
  name: string;
  sqlFile?: string | undefined;
  fromSchema?: boolean | undefined;
  timeouts?: Timeouts | undefined;
  acceptRisk?: boolean | undefined;
  reason?: string | undefined;
}): string {
  const name = validateHotfixName(args.name);
  if (args.acceptRisk && !args.reason) {
    throw usageError(
      'ACCEPT_RISK_NEEDS_REASON',
      '--accept-risk needs --reason TEXT: the ledger records why the risk was accepted.',
    );
  }
  if (args.sqlFile !== undefined && args.fromSchema) {
    throw usageError(
      'CONFLICTING_SOURCES',
      'Choose one migration source: --sql FILE or --from-schema, not both.',
    );
  }
  if (args.timeouts) checkTimeouts(args.timeouts);
  return name;
}

/** The repository, read before the ledgers are (a wrong branch is told first). */
export interface RepositoryFacts {
  base: string;
  baseExists: boolean;
  /** The current branch; undefined on a detached HEAD. */
  current: string | undefined;
  /** Repo-relative paths with uncommitted changes. */
  dirty: readonly string[];
  fromSchema: boolean;
  /** The Prisma schema (file or folder), repo-relative: --from-schema commits its edits. */
  schemaRel: string;
  /** The --sql file, repo-relative: it is only read, so it may be uncommitted. */
  sqlFileRel: string | undefined;
}

/** A hotfix starts from the base branch, with nothing uncommitted but what it takes along. */
export function repositoryVerdict(f: RepositoryFacts): HotfixError | undefined {
  if (!f.baseExists) {
    return usageError('BASE_MISSING', `Base branch "${f.base}" does not exist.`, {
      hint: 'Pass --base <branch> or set "baseBranch" in hotfix.config.json.',
    });
  }
  if (f.current !== f.base) {
    return usageError(
      'NOT_ON_BASE',
      `You are on ${f.current ? `"${f.current}"` : 'a detached HEAD'}, not on the base branch "${f.base}".`,
      {
        hint: `A hotfix starts from what runs in production: git checkout ${f.base} (or pass --base ${f.current ?? '<branch>'}).`,
      },
    );
  }
  const allowed = new Set([...(f.fromSchema ? [f.schemaRel] : []), ...(f.sqlFileRel ? [f.sqlFileRel] : [])]);
  const dirty = f.dirty.filter((p) => !allowed.has(p) && !(f.fromSchema && p.startsWith(`${f.schemaRel}/`)));
  if (dirty.length > 0) {
    return usageError('DIRTY_TREE', `The working tree has uncommitted changes: ${dirty.join(', ')}`, {
      hint: 'Commit or stash them first (git stash -u), so the hotfix branch holds only the fix.',
      details: { dirty },
    });
  }
  return undefined;
}

/** The new migration folder's name: Prisma's `<UTC yyyymmddHHMMSS>_<slug>`. */
export const migrationNameFor = (name: string, now: Date): string =>
  `${migrationTimestamp(now)}_${migrationSlug(name)}`;

/** Whether what start would create is free. */
export interface NameFacts {
  name: string;
  /** Where a ledger of that name already is (working tree or a hotfix branch). */
  existingLedger: string | undefined;
  /** `hotfix/<name>` exists already. */
  branchTaken: boolean;
  migrationsRel: string;
  migrationsDirExists: boolean;
  migrationName: string;
  migrationFolderExists: boolean;
}

export function namesVerdict(f: NameFacts): HotfixError | undefined {
  if (f.existingLedger !== undefined) {
    return usageError('HOTFIX_EXISTS', `A hotfix named "${f.name}" already exists (${f.existingLedger}).`, {
      hint: `Choose another name, or see it with: hotfix status ${f.name}`,
    });
  }
  const branch = branchFor(f.name);
  if (f.branchTaken) {
    return usageError('BRANCH_EXISTS', `Branch "${branch}" already exists.`, {
      hint: `Choose another name, or delete the branch if it is left over: git branch -D ${branch}`,
    });
  }
  if (!f.migrationsDirExists) {
    return usageError('NO_MIGRATIONS', `Migrations folder ${f.migrationsRel} does not exist.`, {
      hint: 'Create the first migration with prisma migrate dev (or baseline), or set "migrations" in hotfix.config.json.',
    });
  }
  if (f.migrationFolderExists) {
    return usageError('MIGRATION_EXISTS', `Migration folder ${f.migrationName} already exists.`, {
      hint: 'Retry in a second.',
    });
  }
  return undefined;
}

/** migration.sql and down.sql as start writes them. */
export interface MigrationFiles {
  sql: string;
  source: MigrationSource;
  down: string;
  downSource: DownSource;
  /** Why down.sql is a template, when it is. */
  downNote: string | undefined;
}

/** --sql FILE: that SQL (it must say something); down.sql is for the person to write. */
export function fromSqlFile(name: string, sql: string, shown: string): MigrationFiles {
  if (sql.trim().length === 0) {
    throw usageError('SQL_FILE_EMPTY', `--sql file ${shown} is empty.`, {
      hint: 'Put the hotfix SQL in it.',
    });
  }
  const why = 'Hand-written SQL has no generated reverse: write it.';
  return {
    sql: sql.endsWith('\n') ? sql : `${sql}\n`,
    source: 'sql-file',
    down: downTemplate(name, why),
    downSource: 'template',
    downNote: why,
  };
}

/** --from-schema: prisma's script from the history to the schema (undefined: none) must exist. */
export function requireSchemaChange(up: string | undefined, config: HotfixConfig): string {
  if (up !== undefined) return up;
  throw usageError(
    'NO_SCHEMA_CHANGE',
    `${config.schema} describes the same database as ${config.migrations}: there is nothing to migrate.`,
    {
      hint: 'Edit the schema to match the production patch first (e.g. add the @@index), or use --sql FILE.',
    },
  );
}

/** --from-schema: prisma's script both ways (`down` undefined: it found no reverse). */
export function fromSchemaDiff(name: string, up: string, down: string | undefined): MigrationFiles {
  if (down === undefined) {
    const why = 'Prisma found no reverse for the schema change.';
    return {
      sql: up,
      source: 'schema-diff',
      down: downTemplate(name, why),
      downSource: 'template',
      downNote: why,
    };
  }
  return { sql: up, source: 'schema-diff', down, downSource: 'schema-diff', downNote: undefined };
}

export function fromTemplate(name: string): MigrationFiles {
  const why = 'migration.sql is a template too: write both.';
  return {
    sql: migrationTemplate(name),
    source: 'template',
    down: downTemplate(name, why),
    downSource: 'template',
    downNote: why,
  };
}

export function nextSteps(name: string, config: HotfixConfig, source: MigrationSource): string[] {
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

/** What the ledger records of a start: started, the migration created, its lint. */
export interface StartRecord {
  name: string;
  base: string;
  /** The hotfix branch; undefined with --no-branch (the ledger then names `current`). */
  branch: string | undefined;
  current: string | undefined;
  migrationName: string;
  checksum: string;
  files: MigrationFiles;
  at: string;
  actor: string;
  host: string;
  reason: string | undefined;
  /** The --sql file's base name (its path is the operator's business). */
  sqlFileName: string | undefined;
  timeouts: Timeouts | undefined;
  lint: { errors: number; details: Record<string, unknown> };
  /** Rules whose error findings start was told to accept (--accept-risk --reason). */
  acceptedRisk?: string[] | undefined;
  /** Every folder the hotfix writes (the first is `migrationName`), with its checksums. */
  parts?:
    | { name: string; checksum: string; verifyChecksum: string | undefined; why: string | undefined }[]
    | undefined;
  /** What start changed to make the SQL safe. */
  rewrites?: string[] | undefined;
}

export function startLedger(r: StartRecord): LedgerFile {
  const common = { at: r.at, actor: r.actor, command: 'start', ...(r.reason ? { reason: r.reason } : {}) };
  const events: NewEvent[] = [
    {
      ...common,
      type: 'started',
      outcome: 'ok',
      details: { base: r.base, branch: r.branch ?? null, host: r.host },
    },
    ...(r.parts && r.parts.length > 0
      ? r.parts
      : [{ name: r.migrationName, checksum: r.checksum, verifyChecksum: undefined, why: undefined }]
    ).map((part, k): NewEvent => ({
      ...common,
      type: 'migration-created',
      outcome: 'ok',
      migration: part.name,
      checksum: part.checksum,
      details: {
        source: r.files.source,
        down: r.files.downSource,
        ...(r.sqlFileName ? { sqlFile: r.sqlFileName } : {}),
        ...(r.timeouts && r.files.source !== 'template' ? { timeouts: r.timeouts } : {}),
        ...(part.verifyChecksum ? { verifyChecksum: part.verifyChecksum } : {}),
        ...(k > 0 ? { part: k + 1, why: part.why ?? null } : {}),
        ...(k === 0 && r.rewrites && r.rewrites.length > 0 ? { rewrites: r.rewrites } : {}),
      },
    })),
    {
      ...common,
      type: 'linted',
      outcome: r.lint.errors > 0 ? 'failed' : 'ok',
      migration: r.migrationName,
      details: {
        ...r.lint.details,
        ...(r.acceptedRisk && r.acceptedRisk.length > 0 ? { acceptedRisk: r.acceptedRisk } : {}),
      },
    },
  ];
  return createLedger(
    {
      name: r.name,
      branch: r.branch ?? r.current ?? r.base,
      base: r.base,
      migration: r.migrationName,
      createdAt: r.at,
    },
    events,
  );
}

/** A start that failed half-way, after its steps were undone (`notUndone`: those that could not be). */
export function startFailed(
  cause: unknown,
  notUndone: readonly string[],
  migrationsRel: string,
): HotfixError {
  const original = cause instanceof HotfixError ? cause.message : (cause as Error).message;
  return infraError(
    'START_FAILED',
    notUndone.length === 0
      ? `hotfix start failed and was undone; git, ${migrationsRel} and .hotfix/ are as they were. Cause: ${original}`
      : `hotfix start failed, and these steps of its undo failed too (in order):\n${notUndone.map((n) => `  - ${n}`).join('\n')}\nCause: ${original}`,
    {
      hint:
        notUndone.length === 0
          ? 'Fix the cause and run the same command again.'
          : `Free what stopped it (disk space, a git hook), run the commands above in that order, check with git status, then run the same start again.`,
      cause,
      details: { notUndone: [...notUndone] },
    },
  );
}

/** Everything start's plan needs, gathered (and checked) by workflow/start-facts.ts. */
export interface StartFacts {
  name: string;
  base: string;
  /** The branch to create (`hotfix/<name>`); undefined with --no-branch. */
  branch: string | undefined;
  current: string | undefined;
  migrationName: string;
  /** The migrations folder, relative to the project root. */
  migrationsRel: string;
  /** The project root relative to the repository root ('' when they are the same). */
  projectDir: string;
  /** The ledger file, relative to the project root. */
  ledgerRel: string;
  files: MigrationFiles;
  parts: HotfixPart[];
  rewrites: string[];
  lint: LintSummary;
  acceptRisk: boolean;
  /** Paths (relative to the project root) committed with the hotfix: the schema edited for --from-schema. */
  extraPaths: string[];
  at: string;
  actor: string;
  host: string;
  reason: string | undefined;
  sqlFileName: string | undefined;
  timeouts: Timeouts | undefined;
  config: HotfixConfig;
}

export interface StartPlan {
  command: 'start';
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
  /** SQL of the first part; every part's SQL is in `parts`. */
  sql: string;
  down: string;
  verify: string;
  /** Every migration folder of the hotfix: the first, then the parts a safe rewrite split off. */
  parts: { name: string; dir: string; why: string | null; sql: string; down: string; verify: string }[];
  /** What start changed to make the SQL safe for production. */
  rewrites: string[];
  next: string[];
  lint: LintSummary;
  /** The ledger as it will be written. */
  file: LedgerFile;
  plan: Step[];
}

/**
 * start's plan: the branch, every part's folder (migration.sql, down.sql, verify.sql), the ledger,
 * one commit. Applied all or nothing: a failure midway undoes what was done.
 */
export function planStart(f: StartFacts): StartPlan {
  const repo = (rel: string) => (f.projectDir ? `${f.projectDir}/${rel}` : rel);
  const dirOf = (part: string) => `${f.migrationsRel}/${part}`;
  const primary = f.parts[0]!;
  const checksum = sha256Hex(primary.sql);
  const file = startLedger({
    name: f.name,
    base: f.base,
    branch: f.branch,
    current: f.current,
    migrationName: f.migrationName,
    checksum,
    files: f.files,
    at: f.at,
    actor: f.actor,
    host: f.host,
    reason: f.reason,
    sqlFileName: f.sqlFileName,
    timeouts: f.timeouts,
    lint: { errors: f.lint.errors, details: lintDetails(f.lint) },
    acceptedRisk: f.acceptRisk ? [...new Set(blockingFindings(f.lint.findings).map((x) => x.rule))] : [],
    parts: f.parts.map((part) => ({
      name: part.name,
      checksum: sha256Hex(part.sql),
      verifyChecksum: sha256Hex(part.verify),
      why: part.why,
    })),
    rewrites: f.rewrites,
  });
  const plan: Step[] = [
    ...(f.branch ? [{ kind: 'create-branch' as const, branch: f.branch, from: f.base }] : []),
    {
      kind: 'write-files',
      files: f.parts.flatMap((part) => [
        { path: `${dirOf(part.name)}/migration.sql`, text: part.sql, create: true },
        { path: `${dirOf(part.name)}/down.sql`, text: part.down, create: true },
        { path: `${dirOf(part.name)}/verify.sql`, text: part.verify, create: true },
      ]),
      why: f.parts.length > 1 ? `the hotfix in ${f.parts.length} migration folders` : 'the hotfix migration',
    },
    { kind: 'create-ledger', ledger: file },
    {
      kind: 'commit',
      message: `hotfix(${f.name}): start, migration ${f.migrationName}`,
      paths: [...f.parts.map((part) => dirOf(part.name)), f.ledgerRel, ...f.extraPaths],
    },
  ];
  const relDir = repo(dirOf(f.migrationName));
  return {
    command: 'start',
    hotfix: f.name,
    base: f.base,
    branch: f.branch ?? null,
    migration: {
      name: f.migrationName,
      dir: relDir,
      sqlPath: `${relDir}/migration.sql`,
      downPath: `${relDir}/down.sql`,
      checksum,
      source: f.files.source,
      downSource: f.files.downSource,
      downNote: f.files.downNote ?? null,
    },
    ledger: repo(f.ledgerRel),
    sql: primary.sql,
    down: primary.down,
    verify: primary.verify,
    parts: f.parts.map((part) => ({
      name: part.name,
      dir: repo(dirOf(part.name)),
      why: part.why ?? null,
      sql: part.sql,
      down: part.down,
      verify: part.verify,
    })),
    rewrites: f.rewrites,
    next: nextSteps(f.name, f.config, f.files.source),
    lint: f.lint,
    file,
    plan,
  };
}
