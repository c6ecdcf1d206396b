import { lockRepo, openProject } from './project.js';
import path from 'node:path';
import type { Lock } from '../adapters/fs-safe.js';
import type { Git } from '../adapters/git.js';
import type { LedgerStore } from './ledger-store.js';
import type { Prisma } from '../adapters/prisma.js';
import type { Ports } from './ports.js';
import { resolveEnvironment, type HotfixConfig } from '../core/config.js';
import { usageError } from '../core/errors.js';
import { openIntent, outcomeRowsOf, settleIntent, type Intent } from '../core/intent.js';
import { ledgerChecklist, type ChecklistPhase } from '../core/checklists.js';
import { appendEvents, deriveState, type LedgerFile } from '../core/ledger.js';
import {
  migrationState,
  rowState,
  type DbMigrationState,
  type MigrationRow,
} from '../core/migration-state.js';
import { validateHotfixName } from '../core/names.js';
import type { EnvFacts, EventBody } from '../core/plan/types.js';
import { resolveTarget, type Target } from '../core/target.js';
import { migrationFolders } from './db-state.js';
import type { Deps } from './deps.js';

/** The flags every command that changes an environment shares. */
export interface EnvCommandInput {
  name: string;
  env: string;
  reason?: string | undefined;
  yes?: boolean | undefined;
  commit: boolean;
  dryRun?: boolean | undefined;
}

export type EnvCommand = 'deploy' | 'resolve' | 'rollback';

/** Flags that waive a safety check must say why: the ledger records it. */
export function requireReason(
  input: EnvCommandInput,
  flags: { acceptRisk?: boolean; skipCheck?: boolean },
): void {
  const [flag, code, what] = flags.acceptRisk
    ? ['--accept-risk', 'ACCEPT_RISK_NEEDS_REASON', 'the risk was accepted']
    : flags.skipCheck
      ? ['--skip-check', 'SKIP_NEEDS_REASON', 'the check was skipped']
      : [];
  if (flag && code && !input.reason) {
    throw usageError(code, `${flag} needs --reason TEXT: the ledger records why ${what}.`);
  }
}

/** What every environment command's result carries besides its plan. */
export function runFacts(s: Session, commit: string | null, phase: ChecklistPhase) {
  return {
    dryRun: s.input.dryRun === true,
    reconciled: s.reconciled,
    commit,
    checklist: ledgerChecklist(phase, s.rec.file(), {
      environments: Object.keys(s.config.environments),
    }),
  };
}

/** Ledger writes of one run: every event gets the same actor, command, environment and reason. */
export interface Recorder {
  file(): LedgerFile;
  /** Appends events and writes the ledger (crash-safe); does not commit. */
  append(events: (EventBody | IntentEvent | VerifiedEvent)[]): Promise<void>;
  /** Commits what was appended since the last commit (--no-commit leaves it staged). */
  commit(message: string): Promise<string | undefined>;
}

/** What verify.sql found after a step, or where --backup saved data (neither changes an environment's state). */
export interface VerifiedEvent {
  type: 'verified' | 'backed-up';
  outcome: 'ok' | 'failed';
  migration: string;
  details: Record<string, unknown>;
}

export interface IntentEvent {
  type: 'intent';
  outcome: 'pending';
  migration: string;
  details: Record<string, unknown>;
}

/** An opened hotfix in one environment: what deploy, resolve and rollback share. */
export interface Session {
  command: EnvCommand;
  input: EnvCommandInput;
  deps: Deps;
  ports: Ports;
  git: Git;
  projectRoot: string;
  config: HotfixConfig;
  store: LedgerStore;
  target: Target;
  /** The hotfix's first migration. */
  migration: string;
  /** All its migrations, in apply order (the first, then the parts start split off). */
  migrations: string[];
  /** Absolute paths. */
  migrationDir: string;
  migrationsDir: string;
  rec: Recorder;
  /** What settling an interrupted earlier step recorded (or would, in a dry run). */
  reconciled: string | null;
  prisma(): Promise<Prisma>;
  /** `_prisma_migrations` read now, against the migrations folder. */
  readDb(): Promise<DbMigrationState>;
  /** The facts every plan starts from, read now. */
  envFacts(): Promise<EnvFacts>;
  close(): Promise<void>;
}

/**
 * Opens a hotfix for a command on one environment: validates everything that needs no process
 * first, takes the repository lock (not for a dry run), and settles a step an earlier run left
 * unanswered, exactly as the action it was (a killed resolve is settled as a resolve).
 */
export async function openSession(input: EnvCommandInput, deps: Deps, command: EnvCommand): Promise<Session> {
  const name = validateHotfixName(input.name);
  const { git, root: projectRoot, config, store, ports } = await openProject(deps);
  // URL problems are usage errors raised before any process or connection starts.
  const target = resolveTarget(resolveEnvironment(config, input.env), deps.env, projectRoot);
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
  const migrationsDir = path.resolve(projectRoot, config.migrations);
  const migrationDir = path.resolve(migrationsDir, ledger.migration);
  const migrations = deriveState(ledger).migrations.map((m) => m.name);
  for (const m of migrations) {
    if ((await ports.files.kind(path.join(migrationsDir, m, 'migration.sql'))) !== 'file') {
      throw usageError(
        'MIGRATION_MISSING',
        `The hotfix's migration ${config.migrations}/${m}/migration.sql is missing.`,
        { hint: 'Restore it from git (git checkout -- <path>) or switch to the hotfix branch.' },
      );
    }
  }
  const lock: Lock | undefined = input.dryRun
    ? undefined
    : await lockRepo(git, `hotfix ${command} ${name}`, deps);
  try {
    // Read again under the lock: a command that held it before us may have added events.
    const current = lock ? ((await store.read(name)) ?? ledger) : ledger;
    const actor = (await git.userEmail()) ?? deps.env.USER ?? 'unknown';
    let prisma: Promise<Prisma> | undefined;
    const readDb = async () => {
      const reader = await ports.db.reader(target);
      try {
        return migrationState(
          (await reader.migrations()) ?? [],
          await migrationFolders(ports.files, migrationsDir),
        );
      } finally {
        await reader.close();
      }
    };
    const rec = recorder(current, { store, git, actor, command, target, input, deps });
    const session: Session = {
      command,
      input,
      deps,
      ports,
      git,
      projectRoot,
      config,
      store,
      target,
      migration: ledger.migration,
      migrations,
      migrationDir,
      migrationsDir,
      rec,
      reconciled: null,
      // Opened once, on first use: a plan that refuses never looks for prisma.
      prisma: () => (prisma ??= ports.prisma(projectRoot, config.schema, git.root)),
      readDb,
      envFacts: async () => ({
        hotfix: { name, migration: ledger.migration, migrations, branch: ledger.branch },
        env: { name: target.env.name, protected: target.env.protected, database: target.describe },
        ledger: rec.file(),
        db: await readDb(),
        input: { yes: input.yes === true, reason: input.reason },
      }),
      close: async () => {
        await lock?.release();
      },
    };
    // A run killed after writing the ledger but before its commit left it changed in the tree:
    // what it says happened did happen (each event is written after the fact), so commit it
    // before anything else, or the tree stays dirty and a later checkout fails on it.
    if (!input.dryRun && input.commit && (await git.dirtyPaths()).includes(store.relativePath(name))) {
      await git.add([store.relativePath(name)]);
      await git.commit(`hotfix(${name}): the ledger an interrupted run left uncommitted`, [
        store.relativePath(name),
      ]);
      session.reconciled = 'committed the ledger an interrupted run had written but not committed';
    }
    const open = openIntent(current, target.env.name, store.relativePath(name));
    if (open) session.reconciled = await reconcile(session, open);
    return session;
  } catch (error) {
    await lock?.release();
    throw error;
  }
}

/**
 * Settles the intent an interrupted run left, from the row that tells its outcome. A row that
 * is still unfinished while another session holds Prisma's migration lock is a migration in
 * progress, not a failed one: nothing is recorded, and the person waits.
 */
async function reconcile(s: Session, intent: Intent): Promise<string> {
  const why = `an earlier ${intent.command} was interrupted`;
  const rowNames = outcomeRowsOf(intent);
  const reader = await s.ports.db.reader(s.target);
  let rows: (MigrationRow | undefined)[];
  let holder: string | undefined;
  try {
    const all = (await reader.migrations()) ?? [];
    rows = rowNames.map((name) => all.filter((r) => r.migrationName === name).at(-1));
    holder = await reader.migrateLockHolder();
  } finally {
    await reader.close();
  }
  const { event, note } = settleIntent(intent, rows.map(rowState), why, {
    logs: rows.find((r) => r?.logs)?.logs,
    lockHolder: holder,
    env: s.target.env.name,
  });
  // A dry run settles it in memory only, so that its plan starts where the real run would.
  await s.rec.append([event]);
  await s.rec.commit(`hotfix(${s.input.name}): settled the interrupted ${intent.command} on ${intent.env}`);
  return s.input.dryRun ? `${note} (dry run: not written)` : note;
}

function recorder(
  initial: LedgerFile,
  ctx: {
    store: LedgerStore;
    git: Git;
    actor: string;
    command: EnvCommand;
    target: Target;
    input: EnvCommandInput;
    deps: Deps;
  },
): Recorder {
  let file = initial;
  let dirty = false;
  const rel = ctx.store.relativePath(file.name);
  return {
    file: () => file,
    append: async (events) => {
      const at = ctx.deps.now().toISOString();
      file = appendEvents(
        file,
        events.map((event) => ({
          at,
          actor: ctx.actor,
          command: ctx.command,
          env: { name: ctx.target.env.name, fingerprint: ctx.target.fingerprint },
          ...(ctx.input.reason ? { reason: ctx.input.reason } : {}),
          ...event,
        })),
      );
      if (ctx.input.dryRun) return; // a dry run plans from the ledger it would write, writes nothing
      await ctx.store.write(file);
      dirty = true;
    },
    commit: async (message) => {
      if (!dirty) return undefined;
      await ctx.git.add([rel]);
      dirty = false;
      if (!ctx.input.commit) return undefined;
      return ctx.git.commit(message, [rel]);
    },
  };
}
