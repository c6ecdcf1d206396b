import type { Prisma } from '../adapters/prisma.js';
import { withTask, type Deps } from './deps.js';
import type { HotfixConfig } from '../core/config.js';
import { infraError, usageError } from '../core/errors.js';
import type { DiffSource } from '../core/prisma-argv.js';
import { prismaCause } from '../core/prisma-output.js';
import { resolveTarget } from '../core/target.js';

/** The development database `start --from-schema` diffs through, checked before prisma runs. */

export /**
 * `prisma migrate diff` builds its shadow database on the development datasource: it must be
 * set, and must not be a protected environment's database (Prisma would create and drop a
 * database on the production server, without a word).
 */
function devDatabaseCheck(
  config: HotfixConfig,
  env: Record<string, string | undefined>,
  projectRoot: string,
) {
  const v = config.prismaUrlEnv;
  const url = env[v];
  if (!url) {
    throw usageError(
      'DEV_DATABASE_MISSING',
      `start --from-schema needs a development database: prisma migrate diff replays the migrations into a temporary shadow database created through $${v}, which is not set.`,
      {
        hint: `export ${v}=<url of a development database> (never production), or write the SQL yourself: hotfix start <name> --sql <file>`,
      },
    );
  }
  const dev = resolveTarget(
    { name: 'development', urlEnv: v, protected: false, prismaUrlEnv: v, prismaConfig: undefined },
    env,
    projectRoot,
  );
  for (const e of Object.values(config.environments)) {
    if (!e.protected || !env[e.urlEnv]) continue;
    const other = resolveTarget(e, env, projectRoot);
    if (other.fingerprint !== dev.fingerprint) continue;
    throw usageError(
      'DEV_DATABASE_IS_PROTECTED',
      `$${v} points at the database of protected environment "${e.name}" (${other.describe}): prisma migrate diff would create its shadow database on that server.`,
      {
        hint:
          e.urlEnv === v
            ? `Give production its own variable in hotfix.config.json ("environments": {"${e.name}": {"urlEnv": "PRODUCTION_DATABASE_URL", "protected": true}}) and point ${v} at a development database.`
            : `Point ${v} at a development database, then run start again.`,
      },
    );
  }
}

/** `prisma migrate diff` between two sources: the SQL, or undefined when they match. */
export async function diff(
  prisma: Prisma,
  config: HotfixConfig,
  from: DiffSource,
  to: DiffSource,
): Promise<string | undefined> {
  // The development database of the project's Prisma config (as for `prisma migrate dev`)
  // hosts the temporary shadow database Prisma replays the migrations into.
  const result = await prisma.run(
    { kind: 'diff', from, to, script: true, exitCode: true },
    { urlEnv: config.prismaUrlEnv },
  );
  if (result.exitCode === 0) return undefined; // no difference
  if (result.exitCode === 2) return result.stdout.endsWith('\n') ? result.stdout : `${result.stdout}\n`;
  if (result.outcome.kind === 'unreachable') {
    throw infraError(
      'DIFF_DATABASE_UNREACHABLE',
      `prisma migrate diff could not reach the development database (${result.outcome.code}).`,
      {
        hint: 'Prisma replays the migrations into a shadow database on the datasource of your Prisma config: point DATABASE_URL at a development database.',
        details: { stderr: result.stderr.slice(-2000) },
      },
    );
  }
  // Prisma's code and message, never its banner ("Loaded Prisma config from prisma.config.ts.").
  const cause = prismaCause(result.stdout, result.stderr, 12);
  throw infraError(
    'DIFF_FAILED',
    `prisma migrate diff failed (exit ${result.exitCode}): ${cause.text.slice(0, 1500) || 'no message'}${cause.shadowDenied ? `\nThe role of $${config.prismaUrlEnv} cannot create a shadow database: Prisma replays the migrations into a temporary one on that server.` : ''}`,
    {
      hint: cause.shadowDenied
        ? `Set shadowDatabaseUrl in the Prisma config (a scratch database Prisma may empty), or give the role of $${config.prismaUrlEnv} CREATEDB on the development server; or write the SQL yourself and pass --sql FILE.`
        : 'Run the same prisma migrate diff by hand to see the whole error, or pass --sql FILE.',
      details: { code: cause.code ?? null },
    },
  );
}

/**
 * After --sql: does schema.prisma say what the hotfix does? If not, the next `prisma migrate dev`
 * writes a migration that undoes it. Checked only with a development database to diff through;
 * a check that cannot run is said, never an error (the hotfix is recorded already).
 */
export async function schemaCheck(
  projectRoot: string,
  config: HotfixConfig,
  deps: Deps,
  gitRoot: string,
): Promise<string | null | undefined> {
  try {
    devDatabaseCheck(config, deps.env, projectRoot);
  } catch {
    deps.progress?.(
      `(schema.prisma not compared with the hotfix: set ${config.prismaUrlEnv} to a development database for that check)`,
    );
    return undefined;
  }
  try {
    const prisma = await deps.ports.prisma(projectRoot, config.schema, gitRoot);
    const lacks = await withTask(
      deps,
      'prisma migrate diff: the migrations with the hotfix -> schema.prisma',
      () =>
        diff(
          prisma,
          config,
          { kind: 'migrations', path: config.migrations },
          { kind: 'schema', path: config.schema },
        ),
    );
    return lacks ?? null;
  } catch (error) {
    deps.progress?.(
      `(schema.prisma not compared with the hotfix: ${(error as Error).message.split('\n')[0]})`,
    );
    return undefined;
  }
}
