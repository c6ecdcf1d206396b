import path from 'node:path';
import { findProjectRoot, loadConfig } from '../workflow/config-loader.js';
import { LEDGER_DIR, listWorkingTree } from '../workflow/ledger-store.js';
import { providerOf } from '../workflow/migration-lock.js';
import { infraError, isHotfixError, usageError } from '../core/errors.js';
import { countFindings, lintSql, loadParser, type LintFinding, type Provider } from '../core/lint/index.js';
import { toPosix } from '../core/text.js';
import type { Deps } from '../workflow/deps.js';
import type { Files } from '../workflow/ports.js';

export interface LintInput {
  /** Files, migration folders or migrations directories, relative to cwd. Empty: every migration. */
  paths: string[];
  /** Only the migrations that a `.hotfix/*.json` ledger names. */
  hotfixOnly?: boolean | undefined;
  /** Overrides the provider read from migration_lock.toml. */
  provider?: Provider | undefined;
}

export type LintDeps = Pick<Deps, 'cwd' | 'configPath' | 'ports'>;

export interface LintedFile {
  /** Relative to cwd, forward slashes. */
  path: string;
  /** Migration folder name, when the file is in one. */
  migration: string | undefined;
  kind: 'migration' | 'down' | 'sql';
  /** Named by a ledger: held to the stricter hotfix severities. */
  hotfix: boolean;
  provider: Provider;
  errors: number;
  warnings: number;
}

export interface LintResult {
  command: 'lint';
  files: LintedFile[];
  findings: LintFinding[];
  /** Unsuppressed error findings: the caller exits 1 when this is above 0. */
  errors: number;
  warnings: number;
  infos: number;
  /** Findings covered by a `hotfix-lint-disable-next-line` comment with a reason. */
  suppressed: number;
}

async function readText(files: Files, file: string, shown: string): Promise<string> {
  try {
    const text = await files.read(file);
    if (text === undefined) throw new Error('no such file');
    return text;
  } catch (cause) {
    throw infraError('LINT_READ_FAILED', `Could not read ${shown}: ${(cause as Error).message}`, {
      hint: 'Check the file permissions.',
      cause,
    });
  }
}

/** Migration folder names that a ledger of the working tree names: the hotfix migrations. */
async function hotfixMigrations(files: Files, cwd: string): Promise<Set<string>> {
  let entries;
  try {
    entries = await listWorkingTree(files, cwd);
  } catch (cause) {
    if (isHotfixError(cause)) throw cause; // a corrupt ledger: exit 3
    throw infraError('LINT_READ_FAILED', `Could not read ${LEDGER_DIR}/: ${(cause as Error).message}`, {
      hint: 'Check the file permissions.',
      cause,
    });
  }
  return new Set(entries.map((e) => e.file.migration));
}

interface Target {
  abs: string;
  migration: string | undefined;
  kind: LintedFile['kind'];
  migrationsDir: string | undefined;
}

async function migrationFolderTargets(
  files: Files,
  folder: string,
  migrationsDir: string,
  withDown: boolean,
): Promise<Target[]> {
  const name = path.basename(folder);
  const out: Target[] = [];
  const sql = path.join(folder, 'migration.sql');
  if ((await files.kind(sql)) === 'file')
    out.push({ abs: sql, migration: name, kind: 'migration', migrationsDir });
  const down = path.join(folder, 'down.sql');
  if (withDown && (await files.kind(down)) === 'file')
    out.push({ abs: down, migration: name, kind: 'down', migrationsDir });
  return out;
}

async function migrationsDirTargets(
  files: Files,
  dir: string,
  hotfixes: Set<string>,
  hotfixOnly: boolean,
): Promise<Target[]> {
  const entries = await files.list(dir);
  const out: Target[] = [];
  for (const entry of entries.filter((e) => e.dir).sort((a, b) => a.name.localeCompare(b.name))) {
    const isHotfix = hotfixes.has(entry.name);
    if (hotfixOnly && !isHotfix) continue;
    out.push(...(await migrationFolderTargets(files, path.join(dir, entry.name), dir, isHotfix)));
  }
  return out;
}

async function pathTargets(
  files: Files,
  cwd: string,
  p: string,
  hotfixes: Set<string>,
  hotfixOnly: boolean,
): Promise<Target[]> {
  const abs = path.resolve(cwd, p);
  const kind = await files.kind(abs);
  if (!kind) {
    throw usageError('LINT_PATH_NOT_FOUND', `${p} does not exist.`, {
      hint: 'Give a .sql file, a migration folder, or the migrations directory (paths are relative to the project root).',
    });
  }
  if (kind === 'file') {
    const base = path.basename(abs);
    const folder = path.dirname(abs);
    const inMigration = base === 'migration.sql' || base === 'down.sql';
    return [
      {
        abs,
        migration: inMigration ? path.basename(folder) : undefined,
        kind: base === 'migration.sql' ? 'migration' : base === 'down.sql' ? 'down' : 'sql',
        migrationsDir: inMigration ? path.dirname(folder) : folder,
      },
    ];
  }
  if ((await files.kind(path.join(abs, 'migration.sql'))) === 'file') {
    return migrationFolderTargets(files, abs, path.dirname(abs), true);
  }
  return migrationsDirTargets(files, abs, hotfixes, hotfixOnly);
}

/**
 * `hotfix lint [paths...]`: lints migration SQL. With no paths, every migration under the
 * configured migrations directory, and the down.sql of the hotfix ones. Migrations that a
 * ledger names are linted with the stricter hotfix severities.
 */
export async function lint(input: LintInput, deps: LintDeps): Promise<LintResult> {
  // The project from wherever lint was started; paths on the command line stay relative to it.
  const { files } = deps.ports;
  const root = await findProjectRoot(files, deps.cwd, undefined);
  const hotfixes = await hotfixMigrations(files, root);
  const hotfixOnly = input.hotfixOnly === true;
  const targets: Target[] = [];
  let defaultDir: string | undefined;
  if (input.paths.length === 0) {
    const config = await loadConfig(
      files,
      root,
      deps.configPath ? path.resolve(deps.cwd, deps.configPath) : undefined,
    );
    defaultDir = path.resolve(root, config.migrations);
    if ((await files.kind(defaultDir)) !== 'dir') {
      throw usageError('LINT_NO_MIGRATIONS', `No migrations directory at ${config.migrations}.`, {
        hint: 'Run hotfix lint from the project root, set "migrations" in hotfix.config.json, or pass the files to lint.',
      });
    }
    targets.push(...(await migrationsDirTargets(files, defaultDir, hotfixes, hotfixOnly)));
  } else {
    for (const p of input.paths)
      targets.push(...(await pathTargets(files, deps.cwd, p, hotfixes, hotfixOnly)));
  }

  const providers = new Map<string, Provider | undefined>();
  const providerFor = async (dir: string | undefined): Promise<Provider> => {
    if (input.provider) return input.provider;
    const key = dir ?? defaultDir ?? '';
    if (!providers.has(key)) providers.set(key, key ? await providerOf(files, key, deps.cwd) : undefined);
    return providers.get(key) ?? 'postgresql';
  };

  // Read every file while the parser's WebAssembly compiles (it is only loaded when needed).
  const jobs: { target: Target; shown: string; provider: Provider; sql: string }[] = [];
  let parser: Promise<void> | undefined;
  const seen = new Set<string>();
  for (const target of targets) {
    if (seen.has(target.abs)) continue;
    seen.add(target.abs);
    const shown = toPosix(path.relative(deps.cwd, target.abs)) || path.basename(target.abs);
    const provider = await providerFor(target.migrationsDir);
    if (provider === 'postgresql' && !parser) {
      parser = loadParser();
      parser.catch(() => undefined); // awaited below; this only keeps a failure from going unhandled meanwhile
    }
    jobs.push({ target, shown, provider, sql: await readText(files, target.abs, shown) });
  }
  await parser;

  const linted: LintedFile[] = [];
  const findings: LintFinding[] = [];
  for (const { target, shown, provider, sql } of jobs) {
    const hotfix = target.migration !== undefined && hotfixes.has(target.migration);
    // A hotfix's down.sql is judged as the reverse of the migration.sql beside it.
    const reverseOf =
      target.kind === 'down'
        ? await files.read(path.join(path.dirname(target.abs), 'migration.sql'))
        : undefined;
    const found = lintSql(sql, { provider, hotfix, file: shown, reverseOf });
    const counts = countFindings(found);
    linted.push({
      path: shown,
      migration: target.migration,
      kind: target.kind,
      hotfix,
      provider,
      errors: counts.errors,
      warnings: counts.warnings,
    });
    findings.push(...found);
  }
  return { command: 'lint', files: linted, findings, ...countFindings(findings) };
}
