import { openProject } from './project.js';
import path from 'node:path';
import type { Prisma } from '../adapters/prisma.js';
import { resolveEnvironment } from '../core/config.js';
import { usageError } from '../core/errors.js';
import { openIntent, outcomeRowsOf, settleIntent, type Intent } from '../core/intent.js';
import { ledgerChecklist, type ChecklistPhase } from '../core/checklists.js';
import { deriveState } from '../core/ledger.js';
import {
  migrationState,
  rowState,
  type DbMigrationState,
  type MigrationRow,
} from '../core/migration-state.js';
import { validateHotfixName } from '../core/names.js';
import type { EnvFacts, Step } from '../core/plan/types.js';
import { resolveTarget, type Target } from '../core/target.js';
import { migrationFolders } from './db-state.js';
import type { Deps } from './deps.js';
import { applyPlan, lockForRun, runOf, type Applied, type ApplyContext, type PlanInput } from './apply.js';
import { recorder } from './recorder.js';
import { nothingOfItLeft } from './lock-timeout.js';

/** The flags every command that changes an environment shares. */
export interface EnvCommandInput extends PlanInput {
  name: string;
  env: string;
  reason?: string | undefined;
  yes?: boolean | undefined;
  /** --wait-for-locks: seconds to wait for the sessions in the way of its tables before running. */
  waitForLocks?: number | undefined;
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
export function runFacts(s: Session, applied: Applied, phase: ChecklistPhase) {
  return {
    ...runOf(applied),
    reconciled: s.reconciled,
    checklist: ledgerChecklist(phase, s.rec.file(), {
      environments: Object.keys(s.config.environments),
    }),
  };
}

/** An opened hotfix in one environment: what deploy, resolve and rollback share. */
export interface Session extends ApplyContext {
  command: EnvCommand;
  input: EnvCommandInput;
  target: Target;
  /** The hotfix's first migration. */
  migration: string;
  /** All its migrations, in apply order (the first, then the parts start split off). */
  migrations: string[];
  /** Absolute paths. */
  migrationDir: string;
  migrationsDir: string;
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
  const lock = await lockForRun(git, `hotfix ${command} ${name}`, deps, input);
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
    const rec = recorder(current, {
      store,
      git,
      actor,
      command,
      env: { name: target.env.name, fingerprint: target.fingerprint },
      reason: input.reason,
      commit: input.commit,
      now: deps.now,
    });
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
    const leftover = input.commit && (await git.dirtyPaths()).includes(store.relativePath(name));
    if (leftover) {
      const committed = await applyPlan(
        session,
        [
          {
            kind: 'commit',
            message: `hotfix(${name}): the ledger an interrupted run left uncommitted`,
            paths: [path.relative(projectRoot, store.absolutePath(name))],
          },
        ],
        { command: 'reconcile' },
      );
      if (committed.ran)
        session.reconciled = 'committed the ledger an interrupted run had written but not committed';
    }
    const open = openIntent(current, target.env.name, store.relativePath(name));
    if (open) {
      const settled = await reconcile(session, open);
      const applied = await applyPlan(session, settled.steps, { command: 'reconcile' });
      session.reconciled = applied.ran ? settled.note : `${settled.note} (dry run: not written)`;
    }
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
async function reconcile(s: Session, intent: Intent): Promise<{ steps: Step[]; note: string }> {
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
  // A deploy settled as done keeps the checksums its intent pinned: what ran here, for the
  // edit check of the next environment's deploy.
  const { event, note } = settleIntent(intent, rows.map(rowState), why, {
    logs: rows.find((r) => r?.logs)?.logs,
    lockHolder: holder,
    env: s.target.env.name,
    checksums: intent.event.details?.checksums,
  });
  // A deploy stopped by an interrupt (its sessions ended with it) is a lost connection for the
  // database: one transaction, rolled back. Where the catalog shows nothing of it, its row is
  // marked rolled back and the intent answered "not run", as a lost connection settles it.
  const states = rows.map(rowState);
  if (
    intent.action === 'deploy' &&
    event.outcome === 'failed' &&
    states.every((r) => r !== 'applied') &&
    (await everyNothingLeft(s, rowNames, states))
  ) {
    const failed = rowNames.filter((_, k) => states[k] === 'failed');
    const settledNote = `${why}; the database shows ${failed.join(', ')} unfinished and nothing of it applied (checked in the catalog): its row is marked rolled back, and the deploy recorded as not run`;
    return {
      steps: [
        {
          kind: 'record',
          event: { ...event, outcome: 'skipped', details: { ...event.details, settled: 'rolled-back' } },
          why: settledNote,
        },
        {
          kind: 'recorded',
          action: 'resolve-rolled-back',
          intent: { settles: `the interrupted deploy on ${intent.env}` },
          actions: failed.map((m) => ({
            kind: 'prisma-resolve' as const,
            action: 'rolled-back' as const,
            migration: m,
          })),
          confirm: { migration: failed[0]!, also: failed.slice(1), expect: 'rolled-back' },
          outcome: 'rolled-back',
          details: { settled: 'interrupted deploy', nothingApplied: true },
          label: `settle the interrupted deploy on ${intent.env}`,
        },
        {
          kind: 'commit',
          message: `hotfix(${s.input.name}): settled the interrupted deploy on ${intent.env} (nothing of it applied)`,
        },
      ],
      note: settledNote,
    };
  }
  // A dry run settles it in memory only, so that its plan starts where the real run would.
  return {
    steps: [
      { kind: 'record', event, why: note },
      {
        kind: 'commit',
        message: `hotfix(${s.input.name}): settled the interrupted ${intent.command} on ${intent.env}`,
      },
    ],
    note,
  };
}

/** Every unfinished row's migration left nothing in the catalog. */
async function everyNothingLeft(
  s: Session,
  names: readonly string[],
  states: readonly string[],
): Promise<boolean> {
  if (!states.includes('failed')) return false;
  for (const [k, name] of names.entries())
    if (states[k] === 'failed' && !(await nothingOfItLeft(s, name))) return false;
  return true;
}
