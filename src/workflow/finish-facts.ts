import path from 'node:path';
import { providerOf } from './migration-lock.js';
import { deriveState, type LedgerFile } from '../core/ledger.js';
import { mergeGuard, type GuardMigration, type ReachedEnv } from '../core/merge-guard.js';
import { rowState } from '../core/migration-state.js';
import { bumpPatch, type FinishFacts } from '../core/plan/finish.js';
import { analyzeSql } from '../core/sql/analyze.js';
import { relativeTo } from '../core/text.js';
import { environmentRows } from './db-state.js';
import { checkLedgerClaims } from './ledger-claims.js';
import type { Deps } from './deps.js';
import type { Project } from './project.js';

export interface FinishOptions {
  allowPartial: boolean;
  reason: string | undefined;
  bump: boolean;
  tag: boolean;
  push: boolean;
}

/** Everything finish's plan needs, read from git, package.json and (when URLs are set) the databases. */
export async function gatherFinishFacts(
  p: Project,
  ledger: LedgerFile,
  input: FinishOptions,
  deps: Deps,
): Promise<FinishFacts> {
  const { git, config } = p;
  const base = ledger.base || config.baseBranch;
  const develop = config.developBranch;
  const branch = ledger.branch;
  const branchExists = await git.branchExists(branch);
  const baseExists = await git.branchExists(base);
  const developExists = await git.branchExists(develop);
  const migrationRel = relativeTo(
    git.root,
    path.resolve(p.projectRoot, config.migrations, ledger.migration, 'migration.sql'),
  );
  // With the branch: by ancestry. Without it (deleted by hand): by content, as verify judges.
  const merged = async (into: string, exists: boolean) =>
    exists &&
    (branchExists
      ? await git.isAncestor(`refs/heads/${branch}`, `refs/heads/${into}`)
      : (await git.show(into, migrationRel)) !== undefined);
  const mergedInto = { base: await merged(base, baseExists), develop: await merged(develop, developExists) };
  // After finish, a rollback --everywhere commits its revert on a branch of its own.
  const revertBranch = `${branch}-revert`;
  const revert = (await git.branchExists(revertBranch))
    ? {
        branch: revertBranch,
        merged: {
          base: baseExists && (await git.isAncestor(`refs/heads/${revertBranch}`, `refs/heads/${base}`)),
          develop:
            developExists && (await git.isAncestor(`refs/heads/${revertBranch}`, `refs/heads/${develop}`)),
        },
      }
    : undefined;

  const pkgRel = relativeTo(git.root, path.join(p.projectRoot, 'package.json'));
  const versionAt = async (ref: string) => {
    const text = await git.show(ref, pkgRel);
    if (text === undefined) return undefined;
    try {
      const v = (JSON.parse(text) as { version?: unknown }).version;
      return typeof v === 'string' ? v : undefined;
    } catch {
      return undefined;
    }
  };
  const baseVersion = baseExists ? await versionAt(base) : undefined;
  const branchVersion = branchExists ? await versionAt(branch) : undefined;
  const candidates = [baseVersion, branchVersion, safeBump(baseVersion)].filter((v): v is string => !!v);
  const tagsTaken: string[] = [];
  for (const tag of new Set(candidates.map((v) => `v${v}`)))
    if (await git.resolveRef(`refs/tags/${tag}`)) tagsTaken.push(tag);

  const facts: FinishFacts = {
    ledger,
    base,
    develop,
    environments: Object.keys(config.environments),
    git: {
      current: await git.currentBranch(),
      dirty: await git.dirtyPaths(),
      mergeInProgress: await git.mergeInProgress(),
      branchExists,
      baseExists,
      developExists,
      merged: mergedInto,
      tagsTaken,
      remote: (await git.remotes()).includes('origin') ? 'origin' : undefined,
    },
    version:
      baseVersion === undefined && branchVersion === undefined && !baseExists
        ? undefined
        : { file: pkgRel, base: baseVersion, branch: branchVersion },
    input,
    guard: [],
    revert,
    claims: await checkLedgerClaims(p, ledger, deps),
  };
  // The guard is about the develop merge: once develop has the hotfix there is nothing to warn of.
  if (developExists && !mergedInto.develop && deriveState(ledger).phase !== 'finished') {
    facts.guard = mergeGuard(await guardFacts(p, ledger, branchExists ? branch : base, develop, deps));
  }
  return facts;
}

function safeBump(version: string | undefined): string | undefined {
  try {
    return version === undefined ? undefined : bumpPatch(version);
  } catch {
    return undefined;
  }
}

/** Develop's migrations the hotfix branch lacks, their SQL analysed, and what each reached env has applied. */
async function guardFacts(p: Project, ledger: LedgerFile, hotfixRef: string, develop: string, deps: Deps) {
  const { git, config } = p;
  const migrationsDir = path.resolve(p.projectRoot, config.migrations);
  const dirRel = relativeTo(git.root, migrationsDir);
  const provider =
    (await providerOf(p.files, migrationsDir, p.projectRoot).catch(() => undefined)) ?? 'postgresql';
  const folders = async (ref: string) =>
    new Set(
      (await git.listFiles(ref, dirRel))
        .filter((f) => f.endsWith('/migration.sql'))
        .map((f) => f.slice(dirRel.length + 1, -'/migration.sql'.length))
        .filter((f) => !f.includes('/')),
    );
  const ours = await folders(hotfixRef);
  const analyzed = async (ref: string, name: string): Promise<GuardMigration> => {
    const rel = `${dirRel}/${name}/migration.sql`;
    const text =
      (await git.show(ref, rel)) ??
      (await p.files.read(path.join(migrationsDir, name, 'migration.sql'))) ??
      '';
    return { name, statements: await analyzeSql(text, provider) };
  };
  const developOnly = await Promise.all(
    [...(await folders(develop))].filter((m) => !ours.has(m)).map((m) => analyzed(develop, m)),
  );
  const reached: ReachedEnv[] = [];
  for (const env of deriveState(ledger).envs) {
    if (!['deployed', 'resolved', 'rolled-forward'].includes(env.state)) continue;
    reached.push(await appliedIn(p, env.name, deps));
  }
  return { hotfix: await analyzed(hotfixRef, ledger.migration), develop, developOnly, reached };
}

/** What an environment has applied, when its URL is set; else judged from the ledger. */
async function appliedIn(p: Project, env: string, deps: Deps): Promise<ReachedEnv> {
  const read = await environmentRows(p.ports, p.config, env, deps.env, p.projectRoot);
  if ('why' in read) return { env, applied: undefined, unread: read.why };
  return {
    env,
    applied: new Set(read.rows.filter((r) => rowState(r) === 'applied').map((r) => r.migrationName)),
  };
}
