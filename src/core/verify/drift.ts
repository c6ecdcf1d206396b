import { prismaCause } from '../prisma-output.js';
import { finding, type VerifyFinding } from './findings.js';

/**
 * Drift: Prisma replays the migrations applied on an environment (not the pending ones, which
 * are not drift) into a temporary shadow database and compares the result with the live schema.
 * Where that cannot be computed, a finding says so: a gate that passes silently would be a lie.
 * workflow/drift.ts runs the comparison; these turn its facts into the verdict.
 */
export type DriftStatus = 'none' | 'found' | 'not-computable' | 'check-failed' | 'not-checked';

export interface DriftVerdict {
  status: DriftStatus;
  findings: VerifyFinding[];
}

const notComputable = (env: string, message: string, fix: string): DriftVerdict => ({
  status: 'not-computable',
  findings: [finding('DRIFT_NOT_COMPUTABLE', { env, message, fix })],
});

/** Applied migrations missing from the folder: replaying the rest would report them as drift. */
export function driftMissingFolders(env: string, missing: readonly string[]): DriftVerdict | undefined {
  if (missing.length === 0) return undefined;
  return notComputable(
    env,
    `Drift on ${env} was not checked: applied migrations are missing from the folder (${missing.join(', ')}), and replaying the rest would report their changes as drift.`,
    'Restore the missing folders (see APPLIED_MIGRATION_MISSING), then verify again.',
  );
}

/** Prisma 6 takes the shadow database only as a command-line URL. */
export function driftUnsupportedPrisma(
  env: string,
  prisma: { major: number; version: string },
): DriftVerdict | undefined {
  if (prisma.major !== 6) return undefined;
  return notComputable(
    env,
    `Drift on ${env} was not checked: Prisma ${prisma.version} can compare a migrations folder with a database only with --shadow-database-url on its command line, which would expose a password.`,
    'Upgrade to Prisma 7, or compare by hand: prisma migrate diff --from-migrations ... --to-schema-datasource ...',
  );
}

/**
 * `prisma migrate diff --exit-code` from the applied history to the live database: 0 the same,
 * 2 a script of what the database has that the history lacks, anything else a failed check.
 */
export function driftFromDiff(
  env: string,
  diff: { exitCode: number; stdout: string; stderr: string },
): DriftVerdict {
  if (diff.exitCode === 0) return { status: 'none', findings: [] };
  if (diff.exitCode === 2) {
    const sql = diff.stdout.trim();
    return {
      status: 'found',
      findings: [
        finding('DRIFT', {
          env,
          message: `The ${env} database differs from its migration history (a change made by hand?). What it has that the history lacks:\n${sql.split('\n').slice(0, 30).join('\n')}`,
          fix: `Record it as a hotfix: edit the schema to match, then hotfix start <name> --from-schema and hotfix resolve <name> --env ${env}; or undo it by hand.`,
          details: { sql },
        }),
      ],
    };
  }
  // Prisma's code and message, never its banner ("Loaded Prisma config from prisma.config.ts.").
  const cause = prismaCause(diff.stdout, diff.stderr, 10);
  const said = cause.text.slice(0, 600) || 'no message';
  return {
    status: 'check-failed',
    findings: [
      finding('DRIFT_CHECK_FAILED', {
        env,
        message: cause.shadowDenied
          ? `Drift on ${env} could not be checked: prisma migrate diff exited ${diff.exitCode}: ${said}\nThe role cannot create a shadow database: Prisma replays the migrations applied there into a temporary one.`
          : `Drift on ${env} could not be checked: prisma migrate diff exited ${diff.exitCode}: ${said}`,
        fix: cause.shadowDenied
          ? `Set shadowDatabaseUrl in the Prisma config for ${env} (a scratch database Prisma may empty, never production), or give the role CREATEDB. The other checks of ${env} ran without it; hotfix resolve's catalog check needs none.`
          : 'Fix what prisma reports (run the same prisma migrate diff by hand to see all of it). Prisma replays the migrations into a temporary shadow database: the user needs CREATE DATABASE rights, or set shadowDatabaseUrl in the Prisma config for this environment.',
        details: { code: cause.code ?? null },
      }),
    ],
  };
}
