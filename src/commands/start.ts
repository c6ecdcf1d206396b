import { lockRepo, openProject } from '../workflow/project.js';
import path from 'node:path';
import type { Lock } from '../adapters/fs-safe.js';
import { interruptedStart } from '../workflow/start-recovery.js';
import type { Git } from '../adapters/git.js';
import { providerOf } from '../workflow/migration-lock.js';
import { checklist, type ChecklistItem } from '../core/checklists.js';
import { sha256Hex } from '../core/checksum.js';
import type { HotfixConfig } from '../core/config.js';
import { usageError, type HotfixError } from '../core/errors.js';
import { deriveState } from '../core/ledger.js';
import { blockingFindings } from '../core/lint/index.js';
import { loadParser } from '../core/sql/parser.js';
import { hotfixParts, unsafeVerdict } from '../core/plan/start-parts.js';
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
import { withTask, type Deps } from '../workflow/deps.js';
import { devDatabaseCheck, diff, schemaCheck } from '../workflow/dev-database.js';

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
  /** Add SET lock_timeout / statement_timeout around migration.sql (the CLI's default). */
  timeouts?: { lockTimeout: string; statementTimeout: string } | undefined;
  /** Write the SQL exactly as given: no safe rewrite. */
  asIs?: boolean | undefined;
  /** Start even with error findings that cannot be made safe (needs --reason). */
  acceptRisk?: boolean | undefined;
  /** git fetch the base branch's remote first, so "behind its upstream" is up to date. */
  fetch?: boolean | undefined;
  /** --no-schema-check: after --sql, do not compare schema.prisma with the hotfix. */
  schemaCheck?: boolean | undefined;
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
  verify: string;
  /** Every migration folder of the hotfix: the first, then the parts a safe rewrite split off. */
  parts: { name: string; dir: string; why: string | null }[];
  /** What start changed to make the SQL safe for production. */
  rewrites: string[];
  next: string[];
  checklist: ChecklistItem[];
  lint: LintSummary;
  /**
   * With --sql: what `prisma migrate diff` from the migrations (the hotfix included) to
   * schema.prisma would run, i.e. what the schema does not say yet; null when it says it all,
   * undefined when it was not checked (no development database).
   */
  schemaLacks?: string | null | undefined;
}

const blockingRules = (findings: Parameters<typeof blockingFindings>[0]) => [
  ...new Set(blockingFindings(findings).map((f) => f.rule)),
];

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
  const { git, root: projectRoot, config, store: ledger, files: fs } = await openProject(deps);

  let lock: Lock | undefined;
  if (!input.dryRun) lock = await lockRepo(git, `hotfix start ${name}`, deps);
  try {
    const base = input.base ?? config.baseBranch;
    const current = await git.currentBranch();
    const migrationsRel = path
      .relative(git.root, path.resolve(projectRoot, config.migrations))
      .split(path.sep)
      .join('/');
    await interruptedStart(git, ledger, name, current, base, migrationsRel);
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

    // A base behind its upstream lacks what was merged since: the hotfix would start from old code.
    if (baseExists) {
      if (input.fetch) await git.fetchUpstream(base);
      const behind = await git.behindUpstream(base).catch(() => undefined);
      if (behind && behind.behind > 0)
        deps.progress?.(
          `! ${base} is ${behind.behind} commit(s) behind ${behind.upstream}${input.fetch ? '' : ' (as of the last fetch; --fetch fetches first)'}: the hotfix starts from older code than ${behind.upstream}. To start from it: git checkout ${base} && git pull --ff-only`,
        );
    }
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
        migrationsDirExists: (await fs.kind(migrationsDir)) !== undefined,
        migrationName,
        migrationFolderExists: (await fs.kind(migrationDir)) !== undefined,
      }),
    );
    const actor = (await git.userEmail()) ?? deps.env.USER ?? 'unknown';
    const branch = input.branch ? branchFor(name) : undefined;
    const made = await migrationFiles(name, input, sqlFileAbs, deps, git, config, projectRoot);
    // The schema edited for --from-schema travels with the hotfix, in the same commit.
    const extraPaths =
      made.source === 'schema-diff'
        ? (await git.dirtyPaths()).filter((p) => p === schemaRel || p.startsWith(`${schemaRel}/`))
        : [];
    const ledgerRel = ledger.relativePath(name);
    const relDir = relativeTo(git.root, migrationDir);
    const provider = (await providerOf(fs, migrationsDir, projectRoot)) ?? 'postgresql';
    if (provider === 'postgresql') await loadParser();
    const { parts, rewrites } = hotfixParts({
      name,
      migrationName,
      now: deps.now(),
      files: made,
      provider,
      timeouts: input.timeouts,
      asIs: input.asIs === true,
    });
    const dirOf = (part: string) => relativeTo(git.root, resolveInside(migrationsDir, part));
    // Linted before anything is written: what cannot be made safe stops here.
    const lintSummary = await lintFiles(
      parts.flatMap((part) => [
        { file: `${dirOf(part.name)}/migration.sql`, sql: part.sql, hotfix: true },
        { file: `${dirOf(part.name)}/down.sql`, sql: part.down, hotfix: true, reverseOf: part.sql },
      ]),
      migrationsDir,
      projectRoot,
      fs,
    );
    if (made.source !== 'template') throwIf(unsafeVerdict(lintSummary.findings, input.acceptRisk === true));
    const primary = parts[0]!;
    const checksum = sha256Hex(primary.sql);
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
        source: made.source,
        downSource: made.downSource,
        downNote: made.downNote ?? null,
      },
      ledger: ledgerRel,
      commit: null,
      staged: [],
      sql: primary.sql,
      down: primary.down,
      verify: primary.verify,
      parts: parts.map((part) => ({ name: part.name, dir: dirOf(part.name), why: part.why ?? null })),
      rewrites,
      next: nextSteps(name, config, made.source),
      checklist: [],
      lint: lintSummary,
    };
    const downWritten = made.downSource !== 'template';
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
      files: made,
      at: deps.now().toISOString(),
      actor,
      host: deps.ports.host,
      reason: input.reason,
      sqlFileName: input.sqlFile ? path.basename(input.sqlFile) : undefined,
      timeouts: input.timeouts,
      lint: { errors: lintSummary.errors, details: lintDetails(lintSummary) },
      acceptedRisk: input.acceptRisk ? blockingRules(lintSummary.findings) : [],
      parts: parts.map((part) => ({
        name: part.name,
        checksum: sha256Hex(part.sql),
        verifyChecksum: sha256Hex(part.verify),
        why: part.why,
      })),
      rewrites,
    });

    const paths = [...parts.map((part) => dirOf(part.name)), ledgerRel, ...extraPaths];
    const undo = new UndoList();
    try {
      if (branch) {
        await git.createBranch(branch, base);
        undo.push(`delete branch ${branch}`, async () => {
          await git.checkout(base);
          await git.deleteBranch(branch);
        });
        deps.ports.run.faultPoint('start-after-branch');
      }
      for (const part of parts) {
        const dir = resolveInside(migrationsDir, part.name);
        await fs.mkdir(dir);
        undo.push(`remove ${dirOf(part.name)}`, () => fs.remove(dir));
        await fs.create(path.join(dir, 'migration.sql'), part.sql);
        await fs.create(path.join(dir, 'down.sql'), part.down);
        await fs.create(path.join(dir, 'verify.sql'), part.verify);
      }
      deps.ports.run.faultPoint('start-after-files');
      await ledger.write(file);
      undo.push(`remove ${ledgerRel}`, () => ledger.remove(name));
      await git.add(paths);
      undo.push('unstage the new files', () => git.unstage(paths));
      deps.ports.run.faultPoint('start-before-commit');
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
    if (input.sqlFile && !input.dryRun && input.schemaCheck !== false)
      result.schemaLacks = await schemaCheck(projectRoot, config, deps, git.root);
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
      const text = await deps.ports.files.read(sqlFileAbs);
      if (text === undefined) throw new Error('no such file');
      sql = text;
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
  devDatabaseCheck(config, deps.env, projectRoot);
  const prisma = await deps.ports.prisma(projectRoot, config.schema, git.root);
  const migrations: DiffSource = { kind: 'migrations', path: config.migrations };
  const schema: DiffSource = { kind: 'schema', path: config.schema };
  const up = requireSchemaChange(
    await withTask(deps, 'prisma migrate diff: the migrations -> schema.prisma (migration.sql)', () =>
      diff(prisma, config, migrations, schema),
    ),
    config,
  );
  const down = await withTask(deps, 'prisma migrate diff: schema.prisma -> the migrations (down.sql)', () =>
    diff(prisma, config, schema, migrations),
  );
  return fromSchemaDiff(name, up, down);
}
