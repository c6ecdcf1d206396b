import { findingsError } from '../errors.js';
import { addTimeoutsPreamble, type TimeoutOptions } from '../lint/preamble.js';
import type { LintFinding } from '../lint/types.js';
import { migrationSlug, migrationTimestamp } from '../names.js';
import { analyzeSqlSync } from '../sql/analyze.js';
import { scanSql } from '../sql/lexer.js';
import { objectKey } from '../sql/objects.js';
import type { Provider } from '../target.js';
import { verifyFor, verifyTemplate } from '../verify-sql.js';
import { safeForm } from './safe-forms.js';
import type { MigrationFiles } from './start.js';

/**
 * The migration folders a new hotfix writes: its SQL in the safe form where that is
 * mechanical (PostgreSQL: CONCURRENTLY alone, NOT VALID then VALIDATE, timeouts first), each
 * folder with migration.sql, its own down.sql and verify.sql. Pure; for PostgreSQL the parser
 * must be loaded.
 */

type Timeouts = Pick<TimeoutOptions, 'lockTimeout' | 'statementTimeout'>;

export interface HotfixPart {
  /** The folder name: the first is the hotfix's migration, the others follow it in time. */
  name: string;
  sql: string;
  down: string;
  verify: string;
  /** Why a part stands alone (CONCURRENTLY, VALIDATE). */
  why: string | undefined;
}

export interface PartsInput {
  name: string;
  /** The first folder's name (`<timestamp>_<slug>`). */
  migrationName: string;
  now: Date;
  files: MigrationFiles;
  provider: Provider;
  /** SET lock_timeout / statement_timeout first (default on); undefined: as written. */
  timeouts: Timeouts | undefined;
  /** Keep the SQL exactly as given: no safe rewrite. */
  asIs: boolean;
}

export function hotfixParts(p: PartsInput): { parts: HotfixPart[]; rewrites: string[] } {
  const single = (sql: string): { parts: HotfixPart[]; rewrites: string[] } => ({
    parts: [
      {
        name: p.migrationName,
        sql,
        down: p.files.down,
        verify: verifyFor(p.name, sql, p.provider),
        why: undefined,
      },
    ],
    rewrites: [],
  });
  if (p.files.source === 'template') {
    const t = single(p.files.sql);
    return { ...t, parts: t.parts.map((part) => ({ ...part, verify: verifyTemplate(p.name) })) };
  }
  if (p.provider !== 'postgresql' || p.asIs) {
    const withTimeouts =
      p.timeouts && p.provider === 'mysql' && !p.asIs
        ? addTimeoutsPreamble(p.files.sql, { ...p.timeouts, provider: p.provider })
        : p.files.sql;
    return single(withTimeouts);
  }
  const form = safeForm(p.files.sql, p.timeouts);
  if (form.parts.length === 0) return single(p.files.sql);
  const downs = distributeDown(
    p.files,
    form.parts.map((part) => part.sql),
  );
  const at = p.now.getTime();
  const parts = form.parts.map((part, k) => {
    const name =
      k === 0
        ? p.migrationName
        : `${migrationTimestamp(new Date(at + k * 1000))}_${migrationSlug(p.name)}_part${k + 1}`;
    const header =
      part.why && form.parts.length > 1 ? `-- Part ${k + 1} of hotfix "${p.name}": ${part.why}\n` : '';
    const sql = `${header}${part.sql}`;
    return {
      name,
      sql,
      down: downs[k] ?? part.down ?? p.files.down,
      verify: verifyFor(p.name, sql, p.provider),
      why: part.why,
    };
  });
  return { parts, rewrites: form.rewrites };
}

/**
 * Prisma's reverse script covers the whole change: each of its statements goes to the part
 * that creates what it removes (an index built CONCURRENTLY in its own folder takes its DROP
 * INDEX along), the rest to the first part. A hand-written down.sql is left to the first.
 */
function distributeDown(files: MigrationFiles, parts: string[]): (string | undefined)[] {
  const out: (string | undefined)[] = parts.map(() => undefined);
  if (files.downSource === 'template') {
    out[0] = files.down;
    return out;
  }
  const creates = parts.map(
    (sql) =>
      new Set(
        analyzeSqlSync(sql, 'postgresql')
          .flatMap((s) => s.effects)
          .filter((e) => e.exists)
          .map((e) => objectKey({ ...e.object, table: undefined })),
      ),
  );
  const chunks = scanSql(files.down, 'postgresql').statements;
  let from = 0;
  for (const chunk of chunks) {
    const end = files.down[chunk.end] === ';' ? chunk.end + 1 : chunk.end;
    const text = files.down.slice(from, end).replace(/^\n+/, '');
    from = end;
    const removes = analyzeSqlSync(files.down.slice(chunk.start, chunk.end), 'postgresql')
      .flatMap((s) => s.effects)
      .filter((e) => !e.exists)
      .map((e) => objectKey({ ...e.object, table: undefined }));
    const owner =
      removes.length > 0 ? creates.findIndex((set, k) => k > 0 && removes.every((r) => set.has(r))) : -1;
    const k = owner > 0 ? owner : 0;
    out[k] = `${out[k] ?? ''}${text}\n`;
  }
  if (out[0] === undefined) out[0] = files.down;
  // An index built CONCURRENTLY in a part of its own is dropped the same way: alone in that
  // part's down.sql, DROP INDEX CONCURRENTLY takes no lock that blocks writes.
  return out.map((down, k) =>
    k > 0 && down && concurrentOnly(parts[k]!) && scanSql(down, 'postgresql').statements.length === 1
      ? down.replace(/\bDROP(\s+)INDEX\b(?!\s+CONCURRENTLY)/i, 'DROP$1INDEX CONCURRENTLY')
      : down,
  );
}

/** The part is one CREATE INDEX CONCURRENTLY (what safeForm makes of an index). */
const concurrentOnly = (sql: string) => /\bCREATE\s+(UNIQUE\s+)?INDEX\s+CONCURRENTLY\b/i.test(sql);

/**
 * What cannot be made safe mechanically stops start before anything is written: each error
 * finding left, with the edit that makes it safe; --accept-risk --reason takes it as it is.
 */
export function unsafeVerdict(
  findings: readonly LintFinding[],
  acceptRisk: boolean,
  /** Where the SQL came from (the --sql file as given): the migration it names is never written. */
  from?: string,
): ReturnType<typeof findingsError> | undefined {
  const blocking = findings.filter(
    (f) => f.severity === 'error' && !f.suppressed && !(f.file ?? '').endsWith('/down.sql'),
  );
  if (blocking.length === 0 || acceptRisk) return undefined;
  return findingsError(
    'START_UNSAFE',
    `hotfix start cannot make this migration safe for production by itself; nothing was written:\n${blocking
      .map(
        (f) =>
          `  - ${from ? `${from}: ` : `${f.file ?? ''}:${f.line} `}${f.rule}: ${f.message}${from ? ` (line ${f.line} of the migration it would write)` : ''}\n    edit: ${f.fix}`,
      )
      .join('\n')}`,
    {
      hint: 'Make the edit in your SQL (or schema) and run start again; if it is safe here (a small table, a quiet moment), pass --accept-risk --reason TEXT, which the ledger records.',
      details: { findings: blocking },
    },
  );
}
