import { usageError } from '../errors.js';
import { planInPlace, usableDown } from './rollback-in-place.js';
import {
  appliedSql,
  type AnalyzedSql,
  type RollbackBase,
  type RollbackFacts,
  type RollbackPlan,
} from './rollback-types.js';

/**
 * `rollback --here`: an applied hotfix undone in this environment only. down.sql runs here (the
 * statements of it that are needed, checked as a failed migration's revert is), nothing of the
 * hotfix may be left, then this environment's `_prisma_migrations` marks its rows rolled back:
 * Prisma's next deploy here applies it again, and no other environment is touched.
 */
export function planHere(f: RollbackFacts, base: RollbackBase): RollbackPlan {
  const applied = f.parts.filter((p) => f.db.stateOf(p.migration) === 'applied');
  // The last part first, as a roll forward undoes them.
  const downs = [...applied].reverse().map((p) => usableDown(p.down));
  return planInPlace(f, base, {
    kind: 'revert-here',
    migrationSql: appliedSql(f),
    down: joined(downs),
    resolve: {
      action: 'rolled-back-here',
      migration: f.hotfix.migration,
      also: applied.map((p) => p.migration).filter((m) => m !== f.hotfix.migration),
    },
    event: 'rolled-back',
  });
}

/** Several down.sql files as one, their statements numbered on. */
function joined(downs: AnalyzedSql[]): AnalyzedSql {
  if (downs.length === 1) return downs[0]!;
  let offset = 0;
  const statements = downs.flatMap((d) => {
    const out = d.statements.map((st) => ({ ...st, index: st.index + offset }));
    offset += d.statements.length;
    return out;
  });
  return {
    path: downs.map((d) => d.path).join(' + '),
    text: downs.map((d) => (d.text.endsWith('\n') ? d.text : `${d.text}\n`)).join('\n'),
    statements,
  };
}

/**
 * `rollback --restore`: a data fix undone from the backup `deploy --backup` took here. down.sql
 * undoes what the migration changed besides (a constraint added after the DELETE), restore.sql
 * puts the rows back in the same run, the rows are checked in the database (each back as
 * saved), then the hotfix is marked rolled back here, as with --here. With --manual, a restore
 * done by hand is only checked and marked.
 */
export function planRestore(f: RollbackFacts, base: RollbackBase, revertExists: boolean): RollbackPlan {
  const { name, migration } = f.hotfix;
  const env = f.env.name;
  const backup = f.restore?.backup;
  if (!backup) {
    throw usageError(
      'NO_BACKUP',
      `No backup of hotfix ${name} on ${env} is recorded: deploy --backup takes one before the data fix runs.`,
      {
        hint: `Restore from your own backup by hand, then roll it back here: hotfix rollback ${name} --env ${env} --here`,
      },
    );
  }
  if (revertExists) {
    throw usageError(
      'ROLLBACK_DECIDED_EVERYWHERE',
      `${migration} already has a revert migration: it was rolled back for every environment.`,
      {
        hint: `Apply it here: hotfix rollback ${name} --env ${env} --everywhere; restore the rows by hand if the revert does not.`,
      },
    );
  }
  const applied = f.parts.filter((p) => f.db.stateOf(p.migration) === 'applied');
  const usable = [...applied].reverse().flatMap((p) => ('statements' in p.down ? [p.down] : []));
  return planInPlace(
    f,
    { ...base, found: 'applied', scope: 'here' },
    {
      kind: 'restore',
      migrationSql: appliedSql(f),
      down: usable.length > 0 ? joined(usable) : applied[0]!.down,
      resolve: {
        action: 'rolled-back-here',
        migration,
        also: applied.map((p) => p.migration).filter((m) => m !== migration),
      },
      event: 'restored',
      restore: {
        dir: backup.dir,
        file: backup.restoreFile,
        statements: backup.statements,
        items: backup.items,
        manual: f.manual,
      },
    },
  );
}
