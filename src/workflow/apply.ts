import path from 'node:path';
import { findingsError, infraError, usageError, type HotfixError } from '../core/errors.js';
import { resolveInside } from '../core/names.js';
import type { Step } from '../core/plan/types.js';
import { toPosix } from '../core/text.js';
import { runRecorded } from './recorded-step.js';
import { runVerifyStep } from './verify-step.js';
import { backupStep, type BackupTaken } from './backup-step.js';
import type { VerifySqlState } from '../core/plan/resolve-check.js';
import type { Session } from './session.js';

export interface Applied {
  /** The last ledger commit, when one was made. */
  commit: string | null;
  /** The commit of a migration the plan wrote (a roll forward's revert). */
  migrationCommit: string | null;
  /** What verify.sql said, when the plan ran it. */
  verifySql: VerifySqlState['state'] | null;
  /** Where --backup saved what the step took away, and how to put it back. */
  backup: BackupTaken | null;
}

/**
 * Walks a plan. This is the only place a dry run stops: everything before it only reads, so a
 * write added to a command without a dry-run guard cannot exist.
 */
export async function applyPlan(s: Session, plan: readonly Step[]): Promise<Applied> {
  const applied: Applied = { commit: null, migrationCommit: null, verifySql: null, backup: null };
  if (s.input.dryRun) return applied;
  let deferred: HotfixError | undefined;
  for (const step of plan) {
    switch (step.kind) {
      case 'record':
        await s.rec.append([step.event]);
        break;
      case 'lint-gate':
        if (!step.accepted) throw lintBlocked(s, step);
        break;
      case 'confirm':
        await confirm(s, step);
        break;
      case 'write-migration':
        applied.migrationCommit = await writeMigration(s, step);
        break;
      case 'recorded':
        deferred = (await runRecorded(s, step)) ?? deferred;
        break;
      case 'commit':
        applied.commit = (await commitOrSay(s, step.message)) ?? applied.commit;
        break;
      case 'backup':
        applied.backup = await backupStep(s, step);
        break;
      case 'verify-sql': {
        const checked = await runVerifyStep(s, step);
        applied.verifySql = checked.state.state;
        if (checked.error) deferred ??= checked.error;
        break;
      }
    }
  }
  if (deferred) throw deferred;
  return applied;
}

function lintBlocked(s: Session, step: Extract<Step, { kind: 'lint-gate' }>): HotfixError {
  const where = [...new Set(step.blocking.map((f) => `${f.rule} (${f.file ?? ''}:${f.line})`))].join(', ');
  return findingsError(
    'LINT_BLOCKED',
    `${step.blocking.length} error-severity lint finding(s) in ${step.what} on protected "${s.target.env.name}": ${where}`,
    {
      hint: `Make ${step.file} safe (hotfix lint ${step.file} shows the fix), suppress a statement with a reason (-- hotfix-lint-disable-next-line <rule> -- <why>), or pass --accept-risk --reason TEXT.`,
      details: { findings: step.blocking },
    },
  );
}

/**
 * The ledger is written; only its commit is left. A failure here must not hide that the
 * database changed: say what the ledger holds, and that the next command commits it.
 */
async function commitOrSay(s: Session, message: string): Promise<string | undefined> {
  try {
    return await s.rec.commit(message);
  } catch (error) {
    const last = s.rec.file().events.at(-1);
    const cause = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw infraError(
      'LEDGER_COMMIT_FAILED',
      `What happened on ${s.target.env.name} is recorded in ${s.store.relativePath(s.input.name)} (last event: ${last?.type ?? '?'} ${last?.outcome ?? ''}), but git could not commit it: ${cause}`,
      {
        hint: 'Fix the cause (disk space, a git hook, .git/index.lock), then run any hotfix command for this hotfix: it commits the ledger first. Do not discard the change to the ledger.',
        cause: error,
      },
    );
  }
}

/** Protected environments need a yes: typed at a terminal, or --yes where there is none. */
async function confirm(s: Session, step: Extract<Step, { kind: 'confirm' }>): Promise<void> {
  if (step.given) return;
  const env = s.target.env.name;
  if (!s.deps.confirm) {
    throw usageError('NEEDS_YES', `"${env}" is protected and there is no terminal to confirm on.`, {
      hint: `Add --yes to ${step.action} on ${env} without a prompt.`,
    });
  }
  const question = step.details ? `${step.details.join('\n')}\n${step.question}` : step.question;
  if (!(await s.deps.confirm(question))) {
    throw usageError('NOT_CONFIRMED', 'Not confirmed: nothing was changed.');
  }
}

/** Writes and commits a new migration folder (with the files it was made from); undone on failure. */
async function writeMigration(
  s: Session,
  step: Extract<Step, { kind: 'write-migration' }>,
): Promise<string | null> {
  const file = path.resolve(s.projectRoot, step.path);
  const dir = resolveInside(s.migrationsDir, step.migration);
  if (path.dirname(file) !== dir)
    throw new Error(`write-migration: ${step.path} is not in ${step.migration}`);
  const toGit = (p: string) => toPosix(path.relative(s.git.root, path.resolve(s.projectRoot, p)));
  const paths = [toGit(dir), ...step.alsoCommit.map(toGit)];
  if (step.createBranch) await createRevertBranch(s, step.createBranch);
  const files = s.ports.files;
  await files.mkdir(dir);
  try {
    await files.create(file, step.sql);
    await s.git.add(paths);
    if (!s.input.commit) return null;
    return await s.git.commit(step.message, paths);
  } catch (cause) {
    await s.git.unstage([toGit(dir)]).catch(() => undefined);
    await files.remove(dir);
    throw infraError(
      'REVERT_NOT_CREATED',
      `Could not create and commit ${step.migration}: ${(cause as Error).message}. It was removed; nothing ran.`,
      { hint: 'Fix the cause (a git hook?) and run the rollback again.', cause },
    );
  }
}

/** After finish the hotfix branch is gone: the revert goes on hotfix/<name>-revert from the base. */
async function createRevertBranch(s: Session, b: { name: string; from: string }): Promise<void> {
  if (await s.git.branchExists(b.name)) {
    throw usageError('REVERT_BRANCH_EXISTS', `Branch ${b.name} already exists.`, {
      hint: `git checkout ${b.name}, then run the rollback again (or delete the branch if it is stale).`,
    });
  }
  await s.git.createBranch(b.name, b.from);
  s.deps.progress?.(`created branch ${b.name} from ${b.from} for the revert migration`);
}
