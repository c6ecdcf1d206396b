import path from 'node:path';
import { usageError } from '../core/errors.js';
import { addTimeoutsPreamble } from '../core/lint/index.js';
import { migrationSlug, migrationTimestamp } from '../core/names.js';
import { analyzeSql, objectsOf } from '../core/sql/analyze.js';
import { pgDefaultSchema } from '../core/sql/objects.js';
import { isRevertOf, revertHeader } from '../core/plan/roll-forward.js';
import type { AnalyzedSql, DownFacts, PartFacts, RollbackFacts } from '../core/plan/rollback.js';
import type { RollbackScope } from '../core/plan/rollback-types.js';
import { deriveState, type LedgerFile } from '../core/ledger.js';
import { scanSql } from '../core/sql/lexer.js';
import { downKind } from '../core/templates.js';
import { relativeTo } from '../core/text.js';
import { countRows } from './deploy-facts.js';
import { lintFiles } from './lint-gate.js';
import type { Files } from './ports.js';
import type { Session } from './session.js';

type Timeouts = RollbackFacts['timeouts'];

/**
 * Everything rollback's plan needs, read now: the rows, the hotfix's SQL and down.sql analysed
 * statement by statement, a revert migration already written (for another environment), the
 * one that would be written, and the catalog state of every object they touch.
 */
export async function gatherRollbackFacts(
  s: Session,
  input: {
    manual?: boolean;
    includePending?: boolean;
    acceptRisk?: boolean;
    backup?: boolean;
    scope?: RollbackScope | undefined;
    restore?: boolean | undefined;
  },
  timeouts: Timeouts,
): Promise<RollbackFacts> {
  const provider = s.target.provider;
  if (provider === 'mysql') {
    // The plan reads the catalog to see which parts of the migration are there: PostgreSQL and
    // SQLite only, so far. Refuse before touching anything rather than guess.
    throw usageError(
      'ROLLBACK_UNSUPPORTED',
      `hotfix rollback does not support MySQL yet (environment "${s.target.env.name}").`,
      {
        hint: 'Revert by hand following down.sql, then prisma migrate resolve --rolled-back <migration> for a failed migration, or add a revert migration for an applied one.',
      },
    );
  }
  const schema = provider === 'postgresql' ? pgDefaultSchema(s.target.url) : 'main';
  const rel = (file: string) => relativeTo(s.projectRoot, file);
  const analyzed = async (file: string, text: string): Promise<AnalyzedSql> => ({
    path: rel(file),
    text,
    statements: await analyzeSql(text, provider, schema),
  });
  const files = s.ports.files;
  const read = async (file: string) => (await files.read(file)) ?? '';
  const base = await s.envFacts();
  const parts: PartFacts[] = [];
  for (const m of s.migrations) {
    const dir = path.join(s.migrationsDir, m);
    const migrationSql = await analyzed(
      path.join(dir, 'migration.sql'),
      await read(path.join(dir, 'migration.sql')),
    );
    const downFile = path.join(dir, 'down.sql');
    const downText = await files.read(downFile);
    const kind = downKind(downText);
    const down: DownFacts =
      kind === 'filled'
        ? await analyzed(downFile, downText!)
        : { path: rel(downFile), missing: kind === 'missing' ? 'file' : kind };
    parts.push({ migration: m, migrationSql, down });
  }
  // A roll forward undoes every part that ran, the last first.
  const applied = parts.filter((p) => base.db.stateOf(p.migration) === 'applied').reverse();
  const downs = applied.map((p) => p.down).filter((d): d is AnalyzedSql => 'statements' in d);
  const down: DownFacts | undefined =
    applied.length > 0 && downs.length === applied.length
      ? {
          path: downs.map((d) => d.path).join(' + '),
          text: downs.map((d) => (d.text.endsWith('\n') ? d.text : `${d.text}\n`)).join('\n'),
          statements: [],
        }
      : undefined;

  const revertName = await findRevert(files, s.migrationsDir, s.migration);
  const revert = revertName
    ? {
        migration: revertName,
        ...(await analyzed(
          path.join(s.migrationsDir, revertName, 'migration.sql'),
          await read(path.join(s.migrationsDir, revertName, 'migration.sql')),
        )),
      }
    : undefined;

  let newRevert: RollbackFacts['newRevert'];
  if (!revert && down && 'statements' in down) {
    const migration = await nextRevertName(s);
    let body = down.text.endsWith('\n') ? down.text : `${down.text}\n`;
    let applied: Timeouts | null = null;
    let note: string | null = null;
    // A DROP INDEX CONCURRENTLY can only run alone (Prisma runs a file in one transaction): in a
    // revert of several statements it becomes a plain DROP INDEX (brief: no scan), said so.
    if (scanSql(body, provider).statements.length > 1 && /\bDROP\s+INDEX\s+CONCURRENTLY\b/i.test(body)) {
      body = body.replace(/\bDROP(\s+)INDEX\s+CONCURRENTLY\b/gi, 'DROP$1INDEX');
      note = 'DROP INDEX without CONCURRENTLY: it shares the revert migration with other statements';
    }
    if (provider !== 'sqlite') {
      try {
        body = addTimeoutsPreamble(body, { ...timeouts, provider }).replace(
          '(hotfix start --timeouts)',
          '(hotfix rollback)',
        );
        applied = timeouts;
      } catch {
        // CONCURRENTLY must run alone in its migration: no SET can share the file.
        note = 'no timeouts: a CONCURRENTLY statement must be alone in its migration';
      }
    }
    const file = path.join(s.migrationsDir, migration, 'migration.sql');
    newRevert = {
      migration,
      timeouts: applied,
      note,
      ...(await analyzed(file, revertHeader(s.migration, s.input.name, down.path) + body)),
    };
  }
  const toRun = revert ?? newRevert;
  const downFiles = parts.flatMap((p) =>
    'statements' in p.down
      ? [{ file: p.down.path, sql: p.down.text, hotfix: true, reverseOf: p.migrationSql.text }]
      : [],
  );
  const downLint =
    downFiles.length > 0 ? await lintFiles(downFiles, s.migrationsDir, s.projectRoot, files) : undefined;
  // Counted only where someone is asked (protected), read-only, 5 s at most.
  const rowCounts = s.target.env.protected
    ? await countRows(s, [
        ...downFiles.map((d) => ({ migration: d.file, sql: d.sql })),
        ...(toRun ? [{ migration: toRun.migration, sql: toRun.text }] : []),
      ])
    : [];
  const revertLint = toRun
    ? await lintFiles(
        [{ file: toRun.path, sql: toRun.text, hotfix: true }],
        s.migrationsDir,
        s.projectRoot,
        files,
      )
    : undefined;

  // Only failed or applied migrations have objects to look up.
  const ran = parts.filter((p) => ['failed', 'applied'].includes(base.db.stateOf(p.migration)));
  const lookup = objectsOf(
    ...ran.flatMap((p) => [p.migrationSql.statements, 'statements' in p.down ? p.down.statements : []]),
    ran.length > 0 ? (toRun?.statements ?? []) : [],
  );
  const catalog = await s.ports.db.probeObjects(s.target, lookup, schema);
  return {
    ...base,
    provider,
    manual: input.manual === true,
    includePending: input.includePending === true,
    acceptRisk: input.acceptRisk === true,
    backup: input.backup === true,
    restore: input.restore ? { backup: await backupOf(s, base.ledger) } : undefined,
    scope: input.scope,
    others: Object.keys(s.config.environments)
      .filter((e) => e !== s.target.env.name)
      .map((e) => ({
        name: e,
        state: deriveState(base.ledger).envs.find((x) => x.name === e)?.state ?? 'never',
        protected: s.config.environments[e]?.protected === true,
      })),
    timeouts,
    currentBranch: await s.git.currentBranch(),
    parts,
    revert,
    newRevert,
    revertLint,
    downLint,
    rowCounts,
    catalog,
  };
}

/** The revert migration of `migration`, if one was created (here or for another environment). */
async function findRevert(
  files: Files,
  migrationsDir: string,
  migration: string,
): Promise<string | undefined> {
  const entries = await files.list(migrationsDir);
  for (const name of entries
    .filter((d) => d.dir && /^\d{14}_revert_/.test(d.name))
    .map((d) => d.name)
    .sort()) {
    const text = await files.read(path.join(migrationsDir, name, 'migration.sql'));
    if (text !== undefined && isRevertOf(text, migration)) return name;
  }
  return undefined;
}

/** `<timestamp>_revert_<slug>`, after every existing folder so Prisma applies it last. */
async function nextRevertName(s: Session): Promise<string> {
  const folders = (await s.ports.files.list(s.migrationsDir))
    .filter((d) => d.dir && /^\d{14}_/.test(d.name))
    .map((d) => d.name.slice(0, 14))
    .sort();
  let ts = migrationTimestamp(s.deps.now());
  const latest = folders.at(-1);
  if (latest && ts <= latest) ts = (BigInt(latest) + 1n).toString(); // a clock behind the history
  return `${ts}_revert_${migrationSlug(s.input.name)}`;
}

/**
 * The last backup `deploy --backup` took of this hotfix in this environment, from the ledger,
 * with its restore.sql split into statements (run in one transaction by --restore).
 */
async function backupOf(
  s: Session,
  ledger: LedgerFile,
): Promise<NonNullable<RollbackFacts['restore']>['backup']> {
  const event = ledger.events.findLast(
    (e) => e.type === 'backed-up' && e.outcome === 'ok' && e.env?.name === s.target.env.name,
  );
  const dir = typeof event?.details?.dir === 'string' ? event.details.dir : undefined;
  if (!event || !dir) return undefined;
  const restoreFile = `${dir}/restore.sql`;
  const text = (await s.ports.files.read(path.resolve(s.projectRoot, restoreFile))) ?? '';
  const items = Array.isArray(event.details?.items) ? (event.details.items as Record<string, unknown>[]) : [];
  return {
    dir,
    restoreFile,
    statements: scanSql(text, 'postgresql').statements.map((st) => text.slice(st.start, st.end).trim()),
    items: items.map((i) => ({
      table: String(i.table),
      column: typeof i.column === 'string' ? i.column : null,
      rows: Number(i.rows ?? 0),
      file: `${dir}/${String(i.file)}`,
    })),
  };
}
