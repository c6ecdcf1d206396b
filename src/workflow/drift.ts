import type { Files } from './ports.js';
import { scratchHistory } from './project-files.js';
import type { Prisma } from '../adapters/prisma.js';
import { prismaTarget } from '../core/target.js';
import { connectCause } from '../core/connect-cause.js';
import { infraError } from '../core/errors.js';
import type { Target } from '../core/target.js';
import {
  driftFromDiff,
  driftMissingFolders,
  driftUnsupportedPrisma,
  type DriftVerdict,
} from '../core/verify/drift.js';

/**
 * Whether an environment's database differs from the migrations applied there (`applied`, all
 * present in `migrationsDir`; `missing`: applied but not in the folder). Prisma is opened only
 * when the comparison can run. It only reads: the migrations are copied to a scratch folder.
 */
export async function checkDrift(
  files: Files,
  target: Target,
  migrationsDir: string,
  history: { applied: readonly string[]; missing: readonly string[] },
  openPrisma: () => Promise<Prisma>,
): Promise<DriftVerdict> {
  const env = target.env.name;
  const missing = driftMissingFolders(env, history.missing);
  if (missing) return missing;
  const prisma = await openPrisma();
  const unsupported = driftUnsupportedPrisma(env, prisma);
  if (unsupported) return unsupported;
  const scratch = await scratchHistory(files, migrationsDir, history.applied, 'hotfix-verify-');
  try {
    // From the history to the live database: the script is what the database has that the
    // history does not (a hand-made index, a dropped column...).
    const diff = await prisma.run(
      {
        kind: 'diff',
        from: { kind: 'migrations', path: scratch },
        to: { kind: 'datasource' },
        script: true,
        exitCode: true,
      },
      prismaTarget(target),
    );
    if (diff.outcome.kind === 'unreachable') {
      const why = connectCause(diff.outcome, target.env);
      throw infraError(
        why.code,
        `prisma could not connect to the ${env} database (${target.describe}) for the drift check: ${why.what} (${diff.outcome.code}).`,
        { hint: why.hint },
      );
    }
    return driftFromDiff(env, diff);
  } finally {
    await files.remove(scratch);
  }
}
