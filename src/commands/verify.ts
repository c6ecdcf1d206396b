import { cpSync, existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../adapters/config-loader.js';
import { openDbReader } from '../adapters/db-reader.js';
import { openGit, type Git } from '../adapters/git.js';
import { openLedgerStore, type LedgerEntry } from '../adapters/ledger-store.js';
import { openPrisma, type Prisma, prismaTarget } from '../adapters/prisma.js';
import { resolveEnvironment, type HotfixConfig } from '../core/config.js';
import { infraError, isHotfixError, usageError, type ErrorKind, type ExitCode } from '../core/errors.js';
import { deriveState, type HotfixState, type LedgerFile } from '../core/ledger.js';
import { resolveTarget, type Target } from '../core/target.js';
import {
  checkEnvironment,
  checkHotfixFiles,
  checkLockFile,
  checkMigrationFolders,
  schemaProvider,
  type EnvCheck,
  type MigrationFolder,
  type RowFacts,
} from '../core/verify-checks.js';
import {
  applyStrict,
  countSeverities,
  finding,
  sortFindings,
  verifyExitCode,
  type VerifyFinding,
} from '../core/verify-findings.js';
import type { Deps } from './deps.js';
import { lint } from './lint.js';
import { readIfExists } from '../adapters/fs-safe.js';
import { toPosix } from '../core/text.js';

export interface VerifyInput {
  /** Environments to check as well (concurrently); none: offline checks only. */
  envs: readonly string[];
  /** Warnings fail too. */
  strict?: boolean | undefined;
}

export type DriftStatus = 'none' | 'found' | 'not-computable' | 'check-failed' | 'not-checked';

export interface VerifyEnvSummary {
  name: string;
  database: string;
  /** false when the checks could not run (unreachable, prisma missing...): see the findings. */
  checked: boolean;
  applied: number;
  pending: number;
  failed: number;
  missing: number;
  drift: DriftStatus;
  durationMs: number;
}

export interface VerifyResult {
  command: 'verify';
  ok: boolean;
  exitCode: ExitCode;
  strict: boolean;
  findings: VerifyFinding[];
  summary: { errors: number; warnings: number; infos: number };
  checked: { hotfixes: number; migrations: number; envs: VerifyEnvSummary[] };
}

interface Outcome {
  findings: VerifyFinding[];
  /** Kinds of the errors that stopped a check (an environment unreachable...). */
  failures: ErrorKind[];
}

/** A usage/ledger/infra error inside one check becomes a finding, so the other checks still report. */
function failed(error: unknown, env: string | null, outcome: Outcome): void {
  if (!isHotfixError(error)) throw error; // a bug: let it surface as one
  outcome.failures.push(error.kind);
  outcome.findings.push({
    code: error.code,
    severity: 'error',
    env,
    migration: null,
    hotfix: null,
    message: error.message,
    fix: error.hint ?? null,
  });
}

async function readFolders(migrationsDir: string): Promise<MigrationFolder[]> {
  const entries = await fs.readdir(migrationsDir, { withFileTypes: true });
  const dirs = entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name);
  return Promise.all(
    dirs.sort().map(async (name) => ({
      name,
      sql: await readIfExists(path.join(migrationsDir, name, 'migration.sql')),
    })),
  );
}

async function schemaTexts(schemaPath: string): Promise<string[]> {
  const stat = await fs.stat(schemaPath).catch(() => undefined);
  if (!stat) return [];
  if (stat.isFile()) return [await fs.readFile(schemaPath, 'utf8')];
  const files = (await fs.readdir(schemaPath, { recursive: true }))
    .map(String)
    .filter((f) => f.endsWith('.prisma'))
    .sort();
  return Promise.all(files.map((f) => fs.readFile(path.join(schemaPath, f), 'utf8')));
}

function migrationSource(file: LedgerFile): string | undefined {
  const created = file.events.filter((e) => e.type === 'migration-created').at(-1);
  const source = created?.details?.source;
  return typeof source === 'string' ? source : undefined;
}

/** The revert migration `hotfix rollback` rolled forward with, and the checksum it recorded. */
function revertOf(file: LedgerFile): { migration: string; checksum: string | undefined } | undefined {
  const event = file.events
    .filter((e) => e.type === 'rolled-forward' && typeof e.details?.revert === 'string')
    .at(-1);
  const migration = event?.details?.revert as string | undefined;
  // A folder name, never a path: the ledger is data, not a way to read files elsewhere.
  if (!migration || !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(migration) || migration.includes('..'))
    return undefined;
  const checksum = file.events
    .map((e) => e.details?.revertChecksum)
    .filter((c): c is string => typeof c === 'string')
    .at(-1);
  return { migration, checksum };
}

interface Hotfix {
  entry: LedgerEntry;
  state: HotfixState;
}

interface Context {
  git: Git;
  projectRoot: string;
  config: HotfixConfig;
  configPath: string | undefined;
  migrationsDir: string;
  folders: MigrationFolder[];
  hotfixes: Hotfix[];
  prisma: () => Promise<Prisma>;
}

/**
 * `hotfix verify`: the CI gate. Offline, the repository: ledgers (unreadable = exit 3), hotfix
 * files against the ledger, folder names, the lock file, the lint, merge-back. With --env, each
 * database too, all at once: _prisma_migrations against the folder and the ledger, and drift.
 * It only reads: databases through read-only connections, and prisma only for `migrate diff`.
 */
export async function verify(input: VerifyInput, deps: Deps): Promise<VerifyResult> {
  const git = await openGit(deps.cwd, deps.exec);
  const projectRoot = path.resolve(deps.cwd);
  const config = await loadConfig(projectRoot, deps.configPath);
  // Every URL is checked before anything connects: a typo is exit 2, not half a report.
  const targets = [...new Set(input.envs)].map((name) =>
    resolveTarget(resolveEnvironment(config, name), deps.env, projectRoot),
  );
  const migrationsDir = path.resolve(projectRoot, config.migrations);
  if (!(await fs.stat(migrationsDir).catch(() => undefined))?.isDirectory()) {
    throw usageError('NO_MIGRATIONS', `No migrations directory at ${config.migrations}.`, {
      hint: 'Run hotfix verify from the project root (-C <dir>), or set "migrations" in hotfix.config.json.',
    });
  }
  const entries = await openLedgerStore(git, projectRoot).listAll();
  let prisma: Promise<Prisma> | undefined;
  const ctx: Context = {
    git,
    projectRoot,
    config,
    configPath: deps.configPath,
    migrationsDir,
    folders: await readFolders(migrationsDir),
    hotfixes: entries.map((entry) => ({ entry, state: deriveState(entry.file) })),
    // Opened once, on first use: offline runs never look for prisma.
    prisma: () => (prisma ??= openPrisma(projectRoot, config.schema, deps.exec, git.root)),
  };

  const offlineRun = offlineChecks(ctx);
  const envRuns = targets.map((target) => environmentChecks(ctx, target));
  // Wait for every check before failing on one, so no prisma child outlives the command.
  const rejected = (await Promise.allSettled([offlineRun, ...envRuns])).find((s) => s.status === 'rejected');
  if (rejected) throw rejected.reason;
  const offline = await offlineRun;
  const envs = await Promise.all(envRuns);
  const all = [offline, ...envs];
  const findings = sortFindings(
    applyStrict(
      all.flatMap((o) => o.findings),
      input.strict === true,
    ),
  );
  const exitCode = verifyExitCode(
    findings,
    all.flatMap((o) => o.failures),
  );
  return {
    command: 'verify',
    ok: exitCode === 0,
    exitCode,
    strict: input.strict === true,
    findings,
    summary: countSeverities(findings),
    checked: {
      hotfixes: entries.length,
      migrations: ctx.folders.length,
      envs: envs.map((e) => e.summary),
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Offline

async function offlineChecks(ctx: Context): Promise<Outcome> {
  const migrationsRel = ctx.config.migrations;
  const parts = await Promise.all([
    (async () => {
      const lockText = await readIfExists(path.join(ctx.migrationsDir, 'migration_lock.toml'));
      const provider = schemaProvider(await schemaTexts(path.resolve(ctx.projectRoot, ctx.config.schema)));
      return [
        ...checkMigrationFolders(ctx.folders, migrationsRel),
        ...checkLockFile(lockText, provider, migrationsRel, ctx.config.schema),
      ];
    })(),
    hotfixFileChecks(ctx),
    lintChecks(ctx),
    mergeBackChecks(ctx),
  ]);
  return { findings: parts.flat(), failures: [] };
}

/** A hotfix's files, from the working tree, or from its branch when the ledger was read there. */
async function hotfixFileChecks(ctx: Context): Promise<VerifyFinding[]> {
  const out: VerifyFinding[] = [];
  for (const { entry, state } of ctx.hotfixes) {
    const dir = path.join(ctx.migrationsDir, state.migration);
    const branch = entry.onBranch;
    const read = (file: string) =>
      branch
        ? ctx.git.show(branch, toPosix(path.relative(ctx.git.root, path.join(dir, file))))
        : readIfExists(path.join(dir, file));
    const revert = revertOf(entry.file);
    const [sql, down, revertSql] = await Promise.all([
      read('migration.sql'),
      read('down.sql'),
      revert ? read(path.join('..', revert.migration, 'migration.sql')) : undefined,
    ]);
    const rel = `${ctx.config.migrations}/${state.migration}`;
    out.push(
      ...checkHotfixFiles({
        name: state.name,
        migration: state.migration,
        branch: state.branch,
        source: migrationSource(entry.file),
        checksum: state.checksum,
        dir: rel,
        where: branch ? `${branch}:${rel}` : rel,
        sql,
        down,
        rolledBackEverywhere: state.envs.length > 0 && state.envs.every((e) => e.state === 'rolled-back'),
        revert: revert && { ...revert, sql: revertSql },
      }),
    );
  }
  return out;
}

/** `hotfix lint --hotfix-only`: its errors fail the gate; suppressions are listed with their reasons. */
async function lintChecks(ctx: Context): Promise<VerifyFinding[]> {
  let result;
  try {
    result = await lint(
      { paths: [], hotfixOnly: true },
      { cwd: ctx.projectRoot, configPath: ctx.configPath },
    );
  } catch (error) {
    if (isHotfixError(error) && error.code === 'LINT_PROVIDER_UNSUPPORTED') {
      return [finding('LINT_SKIPPED', { message: `Hotfix migrations were not linted: ${error.message}` })];
    }
    throw error;
  }
  const out: VerifyFinding[] = [];
  for (const f of result.findings) {
    const migration = f.file ? path.basename(path.dirname(f.file)) : null;
    const hotfix = ctx.hotfixes.find((h) => h.state.migration === migration)?.state.name;
    const at = `${f.file ?? '(sql)'}:${f.line}`;
    const details = { rule: f.rule, file: f.file ?? null, line: f.line, statement: f.statement };
    if (f.suppressed) {
      out.push(
        finding('LINT_SUPPRESSED', {
          migration,
          hotfix,
          message: `${at} ${f.rule} is suppressed: ${f.suppressed.reason}`,
          details: { ...details, reason: f.suppressed.reason },
        }),
      );
    } else if (f.severity !== 'info') {
      out.push(
        finding(f.severity === 'error' ? 'LINT_ERROR' : 'LINT_WARNING', {
          migration,
          hotfix,
          message: `${at} ${f.rule}: ${f.message} (${f.statement})`,
          fix: `${f.fix} (or, if it is safe here: -- hotfix-lint-disable-next-line ${f.rule} -- <why>)`,
          details,
        }),
      );
    }
  }
  return out;
}

/**
 * A hotfix that reached production must be merged back into the base and develop branches,
 * or the next release from them ships without it (and `migrate dev` there sees drift). "Merged"
 * is judged by content, the migration's folder being on the branch, not by commit ancestry:
 * squash merges and deleted hotfix branches are the norm on GitHub.
 */
async function mergeBackChecks(ctx: Context): Promise<VerifyFinding[]> {
  const protectedEnvs = Object.values(ctx.config.environments).filter((e) => e.protected);
  const production = new Set(protectedEnvs.length > 0 ? protectedEnvs.map((e) => e.name) : ['production']);
  const reached = ctx.hotfixes.filter((h) =>
    h.state.envs.some((e) => production.has(e.name) && e.state !== 'rolled-back'),
  );
  if (reached.length === 0) return [];
  const out: VerifyFinding[] = [];
  const branches: { name: string; ref: string }[] = [];
  for (const name of [...new Set([ctx.config.baseBranch, ctx.config.developBranch])]) {
    // CI checkouts often have no local branch but the remote-tracking one.
    const ref = (
      await Promise.all(
        [`refs/heads/${name}`, `refs/remotes/origin/${name}`].map(async (r) =>
          (await ctx.git.resolveRef(r)) ? r : undefined,
        ),
      )
    ).find(Boolean);
    if (ref) branches.push({ name, ref });
    else
      out.push(
        finding('MERGE_CHECK_SKIPPED', {
          message: `Branch ${name} is neither a local branch nor origin/${name}: merge-back into it was not checked.`,
          fix: `In CI, fetch it (actions/checkout with fetch-depth: 0, or git fetch origin ${name}); if the project has no such branch, set "${name === ctx.config.developBranch ? 'developBranch' : 'baseBranch'}" in hotfix.config.json.`,
        }),
      );
  }
  for (const { state } of reached) {
    const file = toPosix(
      path.relative(ctx.git.root, path.join(ctx.migrationsDir, state.migration, 'migration.sql')),
    );
    const missing: string[] = [];
    for (const branch of branches) {
      if ((await ctx.git.show(branch.ref, file)) === undefined) missing.push(branch.name);
    }
    if (missing.length === 0) continue;
    const where = state.envs
      .filter((e) => production.has(e.name) && e.state !== 'rolled-back')
      .map((e) => `${e.state} on ${e.name}`)
      .join(', ');
    out.push(
      finding('HOTFIX_NOT_MERGED', {
        hotfix: state.name,
        migration: state.migration,
        message: `Hotfix ${state.name} reached production (${where}) but ${missing.join(' and ')} ${missing.length === 1 ? 'does' : 'do'} not have its migration yet.`,
        fix: missing.map((b) => `git checkout ${b} && git merge ${state.branch}`).join('; '),
      }),
    );
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// One environment

async function readRows(target: Target): Promise<RowFacts[] | undefined> {
  const reader = await openDbReader(target);
  try {
    return await reader.migrations();
  } catch (cause) {
    throw infraError(
      'DB_READ_FAILED',
      `Could not read _prisma_migrations on ${target.env.name} (${target.describe}): ${cause instanceof Error ? cause.message : String(cause)}`,
      { hint: `Check that the user of $${target.env.urlEnv} may read _prisma_migrations.`, cause },
    );
  } finally {
    await reader.close().catch(() => undefined);
  }
}

async function environmentChecks(
  ctx: Context,
  target: Target,
): Promise<Outcome & { summary: VerifyEnvSummary }> {
  const started = Date.now();
  const env = target.env.name;
  const outcome: Outcome = { findings: [], failures: [] };
  const summary: VerifyEnvSummary = {
    name: env,
    database: target.describe,
    checked: false,
    applied: 0,
    pending: 0,
    failed: 0,
    missing: 0,
    drift: 'not-checked',
    durationMs: 0,
  };
  const done = () => ({ ...outcome, summary: { ...summary, durationMs: Date.now() - started } });
  let rows: RowFacts[] | undefined;
  try {
    rows = await readRows(target);
  } catch (error) {
    failed(error, env, outcome);
    return done();
  }
  const folders = new Map<string, string>();
  for (const f of ctx.folders) if (f.sql !== undefined) folders.set(f.name, f.sql);
  const check = checkEnvironment({
    env,
    urlEnv: target.env.urlEnv,
    prismaUrlEnv: target.env.prismaUrlEnv,
    prismaConfig: target.env.prismaConfig,
    migrationsRel: ctx.config.migrations,
    rows,
    folders,
    hotfixes: ctx.hotfixes.map(({ entry, state }) => ({
      name: state.name,
      migration: state.migration,
      branch: state.branch,
      state: state.envs.find((e) => e.name === env),
      revert: revertOf(entry.file)?.migration,
    })),
  });
  outcome.findings.push(...check.findings);
  Object.assign(summary, {
    checked: true,
    applied: check.applied.length + check.missing.length,
    pending: check.pending.length,
    failed: check.failed.length,
    missing: check.missing.length,
  });
  try {
    const drift = await driftCheck(ctx, target, check);
    summary.drift = drift.status;
    outcome.findings.push(...drift.findings);
  } catch (error) {
    summary.checked = false;
    failed(error, env, outcome);
  }
  return done();
}

/**
 * Drift: Prisma replays the migrations applied here (not the pending ones, which are not drift)
 * into a temporary shadow database and compares the result with the live schema. Where that
 * cannot be computed, a finding says so: a gate that passes silently would be a lie.
 */
async function driftCheck(
  ctx: Context,
  target: Target,
  check: EnvCheck,
): Promise<{ status: DriftStatus; findings: VerifyFinding[] }> {
  const env = target.env.name;
  const notComputable = (message: string, fix?: string) => ({
    status: 'not-computable' as const,
    findings: [finding('DRIFT_NOT_COMPUTABLE', { env, message, fix })],
  });
  if (check.missing.length > 0) {
    return notComputable(
      `Drift on ${env} was not checked: applied migrations are missing from the folder (${check.missing.join(', ')}), and replaying the rest would report their changes as drift.`,
      'Restore the missing folders (see APPLIED_MIGRATION_MISSING), then verify again.',
    );
  }
  const prisma = await ctx.prisma();
  if (prisma.major === 6) {
    return notComputable(
      `Drift on ${env} was not checked: Prisma ${prisma.version} can compare a migrations folder with a database only with --shadow-database-url on its command line, which would expose a password.`,
      'Upgrade to Prisma 7, or compare by hand: prisma migrate diff --from-migrations ... --to-schema-datasource ...',
    );
  }
  const scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'hotfix-verify-'));
  try {
    for (const name of check.applied)
      cpSync(path.join(ctx.migrationsDir, name), path.join(scratch, name), { recursive: true });
    const lockFile = path.join(ctx.migrationsDir, 'migration_lock.toml');
    if (existsSync(lockFile)) cpSync(lockFile, path.join(scratch, 'migration_lock.toml'));
    // From the history to the live database: the script is what the database has that the
    // history does not (a hand-made index, a dropped column...).
    const diff = await prisma.run(
      {
        kind: 'diff',
        from: { kind: 'migrations', path: scratch },
        to: { kind: 'datasource' },
        script: true,
        exitCode: true,
      },
      prismaTarget(target),
    );
    if (diff.outcome.kind === 'unreachable') {
      throw infraError(
        'DB_UNREACHABLE',
        `prisma could not reach the ${env} database (${target.describe}) for the drift check (${diff.outcome.code}).`,
        { hint: `Check that the database is up and that $${target.env.urlEnv} points at it.` },
      );
    }
    if (diff.exitCode === 0) return { status: 'none', findings: [] };
    if (diff.exitCode === 2) {
      const sql = diff.stdout.trim();
      return {
        status: 'found',
        findings: [
          finding('DRIFT', {
            env,
            message: `The ${env} database differs from its migration history (a change made by hand?). What it has that the history lacks:\n${sql.split('\n').slice(0, 30).join('\n')}`,
            fix: `Record it as a hotfix: edit the schema to match, then hotfix start <name> --from-schema and hotfix resolve <name> --env ${env}; or undo it by hand.`,
            details: { sql },
          }),
        ],
      };
    }
    return {
      status: 'check-failed',
      findings: [
        finding('DRIFT_CHECK_FAILED', {
          env,
          message: `Drift on ${env} could not be checked: prisma migrate diff exited ${diff.exitCode}: ${(diff.stderr || diff.stdout).trim().slice(-600)}`,
          fix: 'Prisma replays the migrations into a temporary shadow database: the user needs CREATE DATABASE rights, or set shadowDatabaseUrl in the Prisma config for this environment.',
        }),
      ],
    };
  } finally {
    await fs.rm(scratch, { recursive: true, force: true });
  }
}
