import path from 'node:path';
import type { Blocker, WritePreflight } from '../adapters/db-preflight.js';
import { durationMs } from '../core/lint/preamble.js';
import { loadParser } from '../core/sql/parser.js';
import { infraError, usageError } from '../core/errors.js';
import { tablesOf } from '../core/sql/tables.js';
import type { RecordedStep } from './step-errors.js';
import type { Session } from './session.js';

/** When a migration sets no lock_timeout of its own, transactions older than this are named. */
const DEFAULT_LOCK_WAIT_S = 5;
/** --wait-for-locks: how often the sessions in the way are looked at again. */
const POLL_MS = 1_000;

/**
 * Before a step's intent is written: the role can write here (else DB_READ_ONLY, nothing
 * recorded), and the sessions in the way of the tables it touches are named, or waited for
 * with --wait-for-locks. Returns what it read (the timeouts, for naming one that fires).
 */
export async function writePreflight(s: Session, step: RecordedStep): Promise<WritePreflight> {
  if (step.actions.some((a) => a.kind === 'prisma-deploy' || a.kind === 'prisma-resolve'))
    await prismaLoads(s);
  const { tables, lockWaitS } = await touches(s, step);
  const ask = { tables, olderThanSeconds: lockWaitS };
  let pre = await s.ports.db.preflight(s.target, ask);
  const env = s.target.env.name;
  if (pre.readOnly) {
    throw usageError(
      'DB_READ_ONLY',
      `The ${env} database takes no writes through ${s.target.env.urlEnv}: ${pre.readOnly}. Nothing ran, nothing was recorded.`,
      {
        hint: `Point ${s.target.env.urlEnv} at the primary, with a role that can write (migrations need CREATE and INSERT/UPDATE on _prisma_migrations), then run the same command again.`,
      },
    );
  }
  if (pre.blockers.length === 0) return pre;
  const wait = s.input.waitForLocks;
  if (wait === undefined) {
    s.deps.progress?.(
      `! ${pre.blockers.length} session(s) on ${env} in the way of ${tables.length > 0 ? tables.map((t) => `"${t}"`).join(', ') : 'this step'}:\n${describe(pre.blockers)}\n  The step queues behind them up to its lock_timeout (${lockWaitS} s), then gives up with nothing applied. To wait for them first: --wait-for-locks <seconds>`,
    );
    return pre;
  }
  s.deps.progress?.(
    `Waiting up to ${wait} s for ${pre.blockers.length} session(s) on ${env}:\n${describe(pre.blockers)}`,
  );
  const sleep = s.deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  // Counted in polls, not read from the clock: a look takes milliseconds, and tests can wait.
  let waitedMs = 0;
  while (pre.blockers.length > 0) {
    if (waitedMs >= wait * 1000) {
      throw infraError(
        'LOCKS_HELD',
        `After ${wait} s, ${pre.blockers.length} session(s) on ${env} are still in the way:\n${describe(pre.blockers)}\nNothing ran, nothing was recorded.`,
        {
          hint: `Wait longer (--wait-for-locks ${Math.max(wait * 2, 10)}), or end them if they are stuck: SELECT pg_terminate_backend(<pid>);`,
          details: { blockers: pre.blockers },
        },
      );
    }
    await sleep(POLL_MS);
    waitedMs += POLL_MS;
    pre = await s.ports.db.preflight(s.target, ask);
  }
  s.deps.progress?.(`The sessions in the way on ${env} are gone: going on.`);
  return pre;
}

/** One line per session: pid, application, how long its transaction is open, locks, query shape. */
export function describe(blockers: readonly Blocker[]): string {
  return blockers
    .map(
      (b) =>
        `  - pid ${b.pid}${b.application ? ` (${b.application})` : ''}, transaction open ${b.ageSeconds} s${b.state ? `, ${b.state}` : ''}${b.locks.length > 0 ? `, holds ${b.locks.map((l) => `${l.mode} on "${l.table}"`).join(', ')}` : ''}${b.query ? `: ${b.query}` : ''}`,
    )
    .join('\n');
}

/** The tables a step's SQL touches, and the lock wait it allows itself. */
async function touches(s: Session, step: RecordedStep): Promise<{ tables: string[]; lockWaitS: number }> {
  const sqls: string[] = [];
  let lockTimeout: string | undefined;
  for (const action of step.actions) {
    if (action.kind === 'prisma-deploy') {
      for (const m of action.migrations) {
        const sql = await s.ports.files.read(path.join(s.migrationsDir, m, 'migration.sql'));
        if (sql) sqls.push(sql);
      }
    } else if (action.kind === 'run-sql') {
      sqls.push(action.statements.map((st) => st.sql).join(';\n'));
      lockTimeout ??= action.lockTimeout;
    }
  }
  const text = sqls.join('\n');
  if (text && s.target.provider === 'postgresql') await loadParser();
  lockTimeout ??= /\bSET\s+(?:LOCAL\s+)?lock_timeout\s*(?:=|TO)\s*'?([^';\s]+)/i.exec(text)?.[1];
  let lockWaitS = DEFAULT_LOCK_WAIT_S;
  if (lockTimeout) {
    try {
      lockWaitS = Math.max(
        1,
        Math.ceil(
          durationMs(/^\d+$/.test(lockTimeout) ? `${lockTimeout}ms` : lockTimeout, 'lock_timeout') / 1000,
        ),
      );
    } catch {
      // An unusual spelling: the default wait.
    }
  }
  return { tables: text ? tablesOf(text, s.target.provider) : [], lockWaitS };
}

const CONFIG_NAMES = ['ts', 'mts', 'cts', 'js', 'mjs', 'cjs'].flatMap((ext) => [
  `prisma.config.${ext}`,
  `.config/prisma.${ext}`,
]);

/**
 * What prisma loads before it touches a database, checked without running it: package.json
 * parses (a merge left conflict markers in it), and every env('X') of prisma.config is set in
 * the environment prisma will get (hotfix sets only the URL's variable). Either failing, prisma
 * exits before it writes anything; said here, before an intent, with the file and the fix.
 */
async function prismaLoads(s: Session): Promise<void> {
  const files = s.ports.files;
  const pkgPath = path.join(s.projectRoot, 'package.json');
  const pkg = await files.read(pkgPath);
  if (pkg !== undefined) {
    try {
      JSON.parse(pkg);
    } catch (cause) {
      const marker = pkg.split('\n').findIndex((l) => /^(<{7}|={7}|>{7})( |$)/.test(l));
      throw usageError(
        'PACKAGE_JSON_INVALID',
        `package.json does not parse: ${marker >= 0 ? `merge conflict markers from line ${marker + 1}` : (cause as Error).message}. prisma reads it first and would stop before running anything. Nothing ran, nothing was recorded.`,
        { hint: 'Fix package.json (resolve the merge), commit it, then run the same command again.' },
      );
    }
  }
  const candidates = s.target.env.prismaConfig ? [s.target.env.prismaConfig] : CONFIG_NAMES;
  for (const name of candidates) {
    const file = path.resolve(s.projectRoot, name);
    const text = await files.read(file);
    if (text === undefined) continue;
    const given = new Set([
      ...Object.keys(s.deps.env).filter((k) => s.deps.env[k] !== undefined && s.deps.env[k] !== ''),
      s.target.env.prismaUrlEnv,
    ]);
    // A config that loads .env (dotenv) gets its variables from there too.
    if (/dotenv/.test(text)) {
      const dotenv = (await files.read(path.join(s.projectRoot, '.env'))) ?? '';
      for (const m of dotenv.matchAll(/^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=/gm)) given.add(m[1]!);
    }
    const code = text.replace(/\/\*[\s\S]*?\*\/|(^|[^:])\/\/.*$/gm, '$1');
    const unset = [
      ...new Set([...code.matchAll(/\benv\(\s*['"`]([A-Za-z_][A-Za-z0-9_]*)['"`]\s*\)/g)].map((m) => m[1]!)),
    ].filter((v) => !given.has(v));
    if (unset.length > 0) {
      throw usageError(
        'PRISMA_CONFIG_ENV_UNSET',
        `${name} reads ${unset.map((v) => `$${v}`).join(', ')} with env(), and ${unset.length > 1 ? 'they are' : 'it is'} not set here: prisma would stop loading its config before running anything (PrismaConfigEnvError). Nothing ran, nothing was recorded.`,
        {
          hint: `Export ${unset.join(', ')} (hotfix sets only ${s.target.env.prismaUrlEnv}, to the ${s.target.env.name} URL), then run the same command again.`,
        },
      );
    }
    return;
  }
}
