import { rowState } from '../core/migration-state.js';
import { openProject } from '../workflow/project.js';
import path from 'node:path';
import type { Git } from '../adapters/git.js';
import type { LedgerEntry } from '../workflow/ledger-store.js';
import type { Prisma } from '../adapters/prisma.js';
import type { Ports } from '../workflow/ports.js';
import { resolveEnvironment, type HotfixConfig } from '../core/config.js';
import { isHotfixError, usageError, type ErrorKind, type ExitCode } from '../core/errors.js';
import { deriveState, type HotfixState } from '../core/ledger.js';
import { resolveTarget, type Target } from '../core/target.js';
import { relativeTo } from '../core/text.js';
import {
  applyStrict,
  checkEnvironment,
  checkLockFile,
  checkMigrationFolders,
  countSeverities,
  errorFinding,
  hotfixNotMerged,
  acceptances,
  lintFindings,
  lintSkipped,
  locate,
  mergeBackBranches,
  mergeCheckSkipped,
  productionEnvs,
  reachedProduction,
  revertOf,
  rolledBackEverywhere,
  schemaProvider,
  sortFindings,
  verifyExitCode,
  type DriftStatus,
  type MigrationFolder,
  type VerifyFinding,
} from '../core/verify/index.js';
import { readInvalidIndexes, readMigrationRows } from '../workflow/db-state.js';
import { invalidIndexFindings } from '../core/verify/invalid-index.js';
import { checkDrift } from '../workflow/drift.js';
import { readMigrationFolders, readSchemaTexts } from '../workflow/project-files.js';
import { withTask, type Deps } from '../workflow/deps.js';
import { lint } from './lint.js';
import { hotfixFileChecks, verifySqlFindings } from '../workflow/verify-files.js';

export type { DriftStatus } from '../core/verify/index.js';

export interface VerifyInput {
  /** Environments to check as well (concurrently); none: offline checks only. */
  envs: readonly string[];
  /** Warnings fail too. */
  strict?: boolean | undefined;
}

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
  outcome.findings.push(errorFinding(error, env));
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
  showRows: Deps['showRows'];
  ports: Ports;
}

/**
 * `hotfix verify`: the CI gate. Offline, the repository: ledgers (unreadable = exit 3), hotfix
 * files against the ledger, folder names, the lock file, the lint, merge-back. With --env, each
 * database too, all at once: _prisma_migrations against the folder and the ledger, and drift.
 * It only reads: databases through read-only connections, and prisma only for `migrate diff`.
 */
export async function verify(input: VerifyInput, deps: Deps): Promise<VerifyResult> {
  const { git, root: projectRoot, config, store, ports } = await openProject(deps);
  // Every URL is checked before anything connects: a typo is exit 2, not half a report.
  const targets = [...new Set(input.envs)].map((name) =>
    resolveTarget(resolveEnvironment(config, name), deps.env, projectRoot),
  );
  const migrationsDir = path.resolve(projectRoot, config.migrations);
  if ((await ports.files.kind(migrationsDir)) !== 'dir') {
    throw usageError('NO_MIGRATIONS', `No migrations directory at ${config.migrations}.`, {
      hint: 'Run hotfix verify from the project root (-C <dir>), or set "migrations" in hotfix.config.json.',
    });
  }
  const entries = await store.listAll();
  let prisma: Promise<Prisma> | undefined;
  const ctx: Context = {
    git,
    projectRoot,
    config,
    // As typed, relative to where verify was started: lint resolves it from there.
    configPath: deps.configPath ? path.resolve(deps.cwd, deps.configPath) : undefined,
    migrationsDir,
    folders: await readMigrationFolders(ports.files, migrationsDir),
    hotfixes: entries.map((entry) => ({ entry, state: deriveState(entry.file) })),
    showRows: deps.showRows,
    ports,
    // Opened once, on first use: offline runs never look for prisma.
    prisma: () => (prisma ??= ports.prisma(projectRoot, config.schema, git.root)),
  };

  const offlineRun = offlineChecks(ctx);
  const envRuns = targets.map((target) => environmentChecks(ctx, target));
  // Wait for every check before failing on one, so no prisma child outlives the command.
  const settled =
    targets.length > 0
      ? await withTask(deps, `checking ${targets.map((t) => t.env.name).join(', ')}`, () =>
          Promise.allSettled([offlineRun, ...envRuns]),
        )
      : await Promise.allSettled([offlineRun, ...envRuns]);
  const rejected = settled.find((s) => s.status === 'rejected');
  if (rejected) throw rejected.reason;
  const offline = await offlineRun;
  const envs = await Promise.all(envRuns);
  const all = [offline, ...envs];
  // CI annotations put findings on files, relative to the repository root.
  const facts = {
    projectDir: relativeTo(git.root, (await ports.files.realpath(projectRoot)) ?? projectRoot),
    migrationsRel: config.migrations,
    configFile: config.source,
  };
  const findings = await Promise.all(
    sortFindings(
      applyStrict(
        all.flatMap((o) => o.findings),
        input.strict === true,
      ),
    ).map(async (f) => {
      const location = locate(f, facts);
      // A hotfix read from its branch points at files this checkout may not have: say where.
      const here = (await ports.files.kind(path.join(git.root, location.file))) !== undefined;
      return { ...f, location: here ? location : { ...location, elsewhere: { branch: branchOf(ctx, f) } } };
    }),
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

/** The branch a finding's hotfix was read from (its files are there), if it was. */
function branchOf(ctx: Context, f: VerifyFinding): string | null {
  const h = ctx.hotfixes.find(
    ({ state }) => state.name === f.hotfix || state.migrations.some((m) => m.name === f.migration),
  );
  return h?.entry.onBranch ?? null;
}

// ---------------------------------------------------------------------------------------------
// Offline

async function offlineChecks(ctx: Context): Promise<Outcome> {
  const migrationsRel = ctx.config.migrations;
  const parts = await Promise.all([
    (async () => {
      const lockText = await ctx.ports.files.read(path.join(ctx.migrationsDir, 'migration_lock.toml'));
      const provider = schemaProvider(
        await readSchemaTexts(ctx.ports.files, path.resolve(ctx.projectRoot, ctx.config.schema)),
      );
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

/** `hotfix lint --hotfix-only`: its errors fail the gate; suppressions are listed with their reasons. */
async function lintChecks(ctx: Context): Promise<VerifyFinding[]> {
  let result;
  try {
    result = await lint(
      { paths: [], hotfixOnly: true },
      { cwd: ctx.projectRoot, configPath: ctx.configPath, ports: ctx.ports },
    );
  } catch (error) {
    if (isHotfixError(error) && error.code === 'LINT_PROVIDER_UNSUPPORTED') {
      return [lintSkipped(error.message)];
    }
    throw error;
  }
  const protectedEnvs = productionEnvs(ctx.config);
  return lintFindings(result.findings, (migration) => {
    const h = ctx.hotfixes.find((x) => x.state.migration === migration);
    return h && { name: h.state.name, accepted: acceptances(h.entry.file, protectedEnvs) };
  });
}

/** Merge-back (see core/verify/merge-back.ts): is each production hotfix's migration on the branches? */
async function mergeBackChecks(ctx: Context): Promise<VerifyFinding[]> {
  const production = productionEnvs(ctx.config);
  const reached = reachedProduction(ctx.hotfixes, production);
  if (reached.length === 0) return [];
  const out: VerifyFinding[] = [];
  const branches: { name: string; ref: string }[] = [];
  for (const name of mergeBackBranches(ctx.config)) {
    // CI checkouts often have no local branch but the remote-tracking one.
    const ref = (
      await Promise.all(
        [`refs/heads/${name}`, `refs/remotes/origin/${name}`].map(async (r) =>
          (await ctx.git.resolveRef(r)) ? r : undefined,
        ),
      )
    ).find(Boolean);
    if (ref) branches.push({ name, ref });
    else out.push(mergeCheckSkipped(name, ctx.config));
  }
  for (const { state } of reached) {
    const file = relativeTo(ctx.git.root, path.join(ctx.migrationsDir, state.migration, 'migration.sql'));
    const missing: string[] = [];
    for (const branch of branches) {
      if ((await ctx.git.show(branch.ref, file)) === undefined) missing.push(branch.name);
    }
    out.push(...hotfixNotMerged(state, missing, production));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// One environment

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
  let rows;
  try {
    rows = await readMigrationRows(ctx.ports, target);
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
      // Where its newest ledger was read: the branch that still has to be merged (after finish,
      // the revert's own branch), never the hotfix branch finish deleted.
      branch: entry.onBranch ?? state.branch,
      state: state.envs.find((e) => e.name === env),
      revert: revertOf(entry.file)?.migration,
      everywhere: rolledBackEverywhere(entry.file),
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
    const hotfixOf = new Map(
      ctx.hotfixes.flatMap(({ state }) => state.migrations.map((m) => [m.name, state.name])),
    );
    outcome.findings.push(
      ...invalidIndexFindings(
        env,
        await readInvalidIndexes(ctx.ports, target),
        ctx.folders.map((f) => ({
          name: f.name,
          sql: f.sql ?? '',
          hotfix: hotfixOf.get(f.name),
          ran: ['applied', 'failed'].includes(
            rowState((rows ?? []).filter((r) => r.migrationName === f.name).at(-1)),
          ),
        })),
      ),
    );
  } catch (error) {
    failed(error, env, outcome);
  }
  try {
    outcome.findings.push(...(await verifySqlFindings(ctx, target, rows ?? [])));
  } catch (error) {
    failed(error, env, outcome);
  }
  try {
    const drift = await checkDrift(ctx.ports.files, target, ctx.migrationsDir, check, ctx.prisma);
    summary.drift = drift.status;
    outcome.findings.push(...drift.findings);
  } catch (error) {
    summary.checked = false;
    failed(error, env, outcome);
  }
  return done();
}
