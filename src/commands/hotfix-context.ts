import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../adapters/config-loader.js';
import { acquireLock, type Lock } from '../adapters/fs-safe.js';
import { openGit, type Git } from '../adapters/git.js';
import { openLedgerStore, type LedgerStore } from '../adapters/ledger-store.js';
import { resolveEnvironment, type HotfixConfig } from '../core/config.js';
import { HotfixError, infraError, usageError } from '../core/errors.js';
import { openPrisma, prismaTarget } from '../adapters/prisma.js';
import type { PrismaOutcome } from '../core/prisma-output.js';
import {
  appendEvents,
  deriveState,
  type LedgerEvent,
  type LedgerFile,
  type NewEvent,
} from '../core/ledger.js';
import { validateHotfixName } from '../core/names.js';
import { resolveTarget, type Target } from '../core/target.js';
import { rowState, type RowState } from '../adapters/db-reader.js';
import type { Deps } from './deps.js';
import { readDbState } from '../workflow/db-state.js';

/** What resolve, deploy (and later rollback) share: the hotfix, its environment, the lock, the ledger. */
export interface HotfixContext {
  git: Git;
  projectRoot: string;
  config: HotfixConfig;
  store: LedgerStore;
  ledger: LedgerFile;
  target: Target;
  actor: string;
  migration: string;
  /** Absolute path of the hotfix's migration folder. */
  migrationDir: string;
  lock: Lock | undefined;
}

export interface EnvCommandInput {
  name: string;
  env: string;
  reason?: string | undefined;
  yes?: boolean;
  commit: boolean;
  dryRun?: boolean;
}

export async function openHotfixContext(
  input: EnvCommandInput,
  deps: Deps,
  command: string,
): Promise<HotfixContext> {
  const name = validateHotfixName(input.name);
  const git = await openGit(deps.cwd);
  const projectRoot = path.resolve(deps.cwd);
  const config = await loadConfig(projectRoot, deps.configPath);
  const envConfig = resolveEnvironment(config, input.env);
  // URL problems are usage errors raised before any process or connection starts.
  const target = resolveTarget(envConfig, deps.env, projectRoot);
  const store = openLedgerStore(git, projectRoot);
  const ledger = await store.read(name);
  if (!ledger) {
    const elsewhere = (await store.listAll()).find((entry) => entry.file.name === name);
    throw usageError(
      'HOTFIX_NOT_HERE',
      elsewhere
        ? `Hotfix "${name}" is recorded on branch ${elsewhere.onBranch}, not in this checkout.`
        : `No hotfix named "${name}" (no ${store.relativePath(name)}).`,
      {
        hint: elsewhere
          ? `Switch to it so the ledger event is committed with the hotfix: git checkout ${elsewhere.onBranch}`
          : `Start it first: hotfix start ${name}`,
      },
    );
  }
  const migrationDir = path.resolve(projectRoot, config.migrations, ledger.migration);
  if (!existsSync(path.join(migrationDir, 'migration.sql'))) {
    throw usageError(
      'MIGRATION_MISSING',
      `The hotfix's migration ${config.migrations}/${ledger.migration}/migration.sql is missing.`,
      {
        hint: 'Restore it from git (git checkout -- <path>) or switch to the hotfix branch.',
      },
    );
  }
  const lock = input.dryRun
    ? undefined
    : await acquireLock(path.join(await git.commonDir(), 'hotfix.lock'), `hotfix ${command} ${name}`);
  const actor = (await git.userEmail()) ?? deps.env.USER ?? 'unknown';
  return {
    git,
    projectRoot,
    config,
    store,
    ledger,
    target,
    actor,
    migration: ledger.migration,
    migrationDir,
    lock,
  };
}

/** Protected environments need a yes: typed at a terminal, or --yes where there is none. */
export async function confirmProtected(
  ctx: HotfixContext,
  input: EnvCommandInput,
  deps: Deps,
  action: string,
): Promise<void> {
  if (!ctx.target.env.protected || input.yes) return;
  if (!deps.confirm) {
    throw usageError(
      'NEEDS_YES',
      `"${ctx.target.env.name}" is protected and there is no terminal to confirm on.`,
      {
        hint: `Add --yes to ${action} on ${ctx.target.env.name} without a prompt.`,
      },
    );
  }
  const ok = await deps.confirm(
    `${action} on protected environment "${ctx.target.env.name}" (${ctx.target.describe})?`,
  );
  if (!ok) throw usageError('NOT_CONFIRMED', 'Not confirmed: nothing was changed.');
}

export interface Recorder {
  /** Appends events and writes the ledger (crash-safe); does not commit. */
  append(events: Omit<NewEvent, 'at' | 'actor' | 'command' | 'env'>[]): Promise<void>;
  /** Commits the ledger (unless --no-commit, which leaves it staged). */
  commit(message: string): Promise<string | undefined>;
  file(): LedgerFile;
}

export function recorder(ctx: HotfixContext, input: EnvCommandInput, deps: Deps, command: string): Recorder {
  let file = ctx.ledger;
  const rel = ctx.store.relativePath(file.name);
  return {
    file: () => file,
    append: async (events) => {
      const at = deps.now().toISOString();
      file = appendEvents(
        file,
        events.map((event) => ({
          at,
          actor: ctx.actor,
          command,
          env: { name: ctx.target.env.name, fingerprint: ctx.target.fingerprint },
          ...(input.reason ? { reason: input.reason } : {}),
          ...event,
        })),
      );
      await ctx.store.write(file);
    },
    commit: async (message) => {
      await ctx.git.add([rel]);
      if (!input.commit) return undefined;
      return ctx.git.commit(message, [rel]);
    },
  };
}

/** The last event for this environment, when it is an intent nobody answered (process killed). */
export function unansweredIntent(file: LedgerFile, env: string): LedgerEvent | undefined {
  const state = deriveState(file).envs.find((e) => e.name === env);
  return state?.state === 'in-progress' ? state.lastEvent : undefined;
}

export async function readSql(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * Records what really happened from the database's own table, when prisma's answer is
 * missing (it crashed, hung, or an earlier run was killed between intent and outcome).
 */
export async function settleFromDatabase(
  rec: Recorder,
  ctx: HotfixContext,
  type: 'deployed' | 'resolved' | 'rolled-back',
  desired: RowState,
  why: string,
): Promise<string> {
  const migrationsDir = path.resolve(ctx.projectRoot, ctx.config.migrations);
  const row = (await readDbState(ctx.target, migrationsDir)).latest(ctx.migration);
  const state = row ? rowState(row) : undefined;
  const details = { reconciled: why, rowState: state ?? 'absent' };
  if (state === desired) {
    await rec.append([{ type, outcome: 'ok', migration: ctx.migration, details }]);
    return `${why}; the database shows ${ctx.migration} ${desired}: recorded as done`;
  }
  if (state === 'failed' && desired === 'applied') {
    await rec.append([
      {
        type,
        outcome: 'failed',
        migration: ctx.migration,
        details: { ...details, logs: row?.logs?.slice(0, 1000) ?? null },
      },
    ]);
    return `${why}; the database shows ${ctx.migration} failed: recorded as failed`;
  }
  await rec.append([{ type, outcome: 'skipped', migration: ctx.migration, details }]);
  return `${why}; the database shows no change for ${ctx.migration}: recorded as not run`;
}

/** Adds what the ledger now says to an error, keeping its code and exit status. */
export function withNote(error: unknown, note: string): Error {
  if (error instanceof HotfixError) {
    return new HotfixError(error.kind, error.code, `${error.message}\n${note}.`, {
      hint: error.hint,
      cause: error.cause,
      details: error.details,
    });
  }
  return error instanceof Error ? error : new Error(String(error));
}

export interface RecordedDeploy {
  /** The ledger event that carries the outcome. */
  type: 'deployed' | 'rolled-forward';
  intent: Record<string, unknown>;
  /** Facts every outcome event of this run carries (e.g. the revert migration). */
  details?: Record<string, unknown>;
  /** "deploy to staging": for commit messages. */
  label: string;
  /** What did not happen when the database could not be reached or locked. */
  notApplied: string;
  /** Settles the ledger from the database when prisma crashes or hangs; returns what it recorded. */
  settle: () => Promise<string>;
}

/**
 * `prisma migrate deploy` with the ledger around it: intent before, and for the outcomes every
 * caller treats alike (prisma crashed, database unreachable, migration lock held) the outcome
 * after, committed. Other outcomes are returned for the caller to judge against the table.
 */
export async function recordedMigrateDeploy(
  ctx: HotfixContext,
  rec: Recorder,
  deps: Deps,
  run: RecordedDeploy,
): Promise<PrismaOutcome> {
  const prisma = await openPrisma(ctx.projectRoot, ctx.config.schema, deps.exec, ctx.git.root);
  await rec.append([{ type: 'intent', outcome: 'pending', migration: ctx.migration, details: run.intent }]);
  const ran = await prisma.run({ kind: 'deploy' }, prismaTarget(ctx.target)).catch(async (error: unknown) => {
    const settled = await run.settle();
    await rec.commit(`hotfix(${ctx.ledger.name}): ${run.label} interrupted`);
    throw withNote(error, settled);
  });
  const o = ran.outcome;
  if (o.kind === 'unreachable' || o.kind === 'lock-timeout') {
    const env = ctx.target.env.name;
    await rec.append([
      {
        type: run.type,
        outcome: 'skipped',
        migration: ctx.migration,
        details: { ...run.details, code: o.code },
      },
    ]);
    await rec.commit(`hotfix(${ctx.ledger.name}): ${run.label} did not run (${o.code})`);
    throw infraError(
      o.kind === 'unreachable' ? 'DB_UNREACHABLE' : 'MIGRATE_LOCK_HELD',
      o.kind === 'unreachable'
        ? `prisma could not reach the ${env} database (${o.code}); ${run.notApplied}.`
        : `Another migration holds Prisma's migration lock on ${env} (${o.code}, advisory lock 72707369); ${run.notApplied}.`,
      {
        hint:
          o.kind === 'unreachable'
            ? 'Check the database and the URL, then run the same command again.'
            : 'Wait for the other migrate deploy to finish, then run the same command again.',
      },
    );
  }
  return o;
}
