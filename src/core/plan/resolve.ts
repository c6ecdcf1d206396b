import { usageError } from '../errors.js';
import type { StatementProved } from './resolve-check.js';
import { commitStep, confirmStep, knownState } from './common.js';
import { resolveSummary } from './confirm-summary.js';
import type { EnvFacts, PlanBase, Step } from './types.js';

export interface ResolveFacts extends EnvFacts {
  action: 'applied' | 'rolled-back';
  /**
   * Which check proved that the database has the change, or why none ran ("skipped: <reason>").
   * A check that could not prove it refused while the facts were gathered.
   */
  check: string;
  /** Each statement and the check that proved it (empty when the check was skipped). */
  proof: StatementProved[];
  /** Why a check did not run and what would make it run (the role cannot create a shadow database). */
  checkNote?: string | undefined;
}

export interface ResolvePlan extends PlanBase {
  command: 'resolve';
  action: 'applied' | 'rolled-back';
  alreadyDone: boolean;
  check: string;
  proof: StatementProved[];
  /** Why a check did not run and what would make it run; null when every check ran. */
  checkNote: string | null;
}

/** `hotfix resolve`: record in `_prisma_migrations` what was done by hand, without running SQL. */
export function planResolve(f: ResolveFacts): ResolvePlan {
  const { name, migration, migrations } = f.hotfix;
  const env = f.env.name;
  // A hotfix in parts: the first part not applied (or failed) is where it stands.
  const states = migrations.map((m) => f.db.stateOf(m));
  const failedPart = migrations.find((m) => f.db.stateOf(m) === 'failed');
  const current = states.every((st) => st === 'applied')
    ? 'applied'
    : failedPart
      ? 'failed'
      : states.every((st) => st === 'rolled-back')
        ? 'rolled-back'
        : (states.find((st) => st !== 'applied') ?? 'absent');
  const base = {
    command: 'resolve' as const,
    hotfix: name,
    env,
    database: f.env.database,
    migration,
    action: f.action,
  };
  if (f.action === 'rolled-back') {
    if (current === 'rolled-back') {
      return {
        ...base,
        alreadyDone: true,
        check: 'none',
        proof: [],
        checkNote: null,
        plan: [commitStep(`hotfix(${name}): ${env} already rolled back`)],
      };
    }
    if (current !== 'failed') {
      throw usageError(
        'NOT_FAILED',
        current === 'absent'
          ? `${migration} was never applied to ${env}: there is nothing to mark rolled back (Prisma P3011).`
          : `${migration} is applied on ${env}, not failed. Prisma can mark only a FAILED migration as rolled back (P3012); an applied one stays in history.`,
        { hint: `To undo an applied hotfix, roll forward with: hotfix rollback ${name} --env ${env}` },
      );
    }
  } else if (current === 'applied') {
    const known = knownState(f);
    const steps: Step[] =
      known === 'resolved' || known === 'deployed'
        ? []
        : [
            {
              kind: 'record',
              event: {
                type: 'resolved',
                outcome: 'ok',
                migration,
                details: { found: 'already applied (P3008)' },
              },
              why: `${migration} is already applied on ${env}`,
            },
          ];
    steps.push(commitStep(`hotfix(${name}): ${env} already has ${migration}`));
    return { ...base, alreadyDone: true, check: 'none', proof: [], checkNote: null, plan: steps };
  }
  const check = f.action === 'applied' ? f.check : 'none';
  const proof = f.action === 'applied' ? f.proof : [];
  // --applied marks every part not yet applied, in order; --rolled-back the failed one.
  const marks =
    f.action === 'applied'
      ? migrations.filter((m) => f.db.stateOf(m) !== 'applied')
      : [failedPart ?? migration];
  const checkNote = f.action === 'applied' ? (f.checkNote ?? null) : null;
  const proved = proof.map((p) => ({ statement: p.statement, by: p.by }));
  return {
    ...base,
    alreadyDone: false,
    check,
    proof,
    checkNote,
    plan: [
      // What was proved, statement by statement, is shown before the question.
      ...confirmStep(
        f,
        `Mark ${migration} as ${f.action}`,
        resolveSummary({ env, action: f.action, marks, check, proof, note: checkNote ?? undefined }),
      ),
      {
        kind: 'recorded',
        action: f.action === 'applied' ? 'resolve-applied' : 'resolve-rolled-back',
        intent: { check, proof: proved },
        actions: marks.map((m) => ({ kind: 'prisma-resolve' as const, action: f.action, migration: m })),
        confirm: { migration: marks[0]!, also: marks.slice(1), expect: f.action },
        outcome: f.action === 'applied' ? 'resolved' : 'rolled-back',
        details: { check, proof: proved },
        label: `resolve on ${env}`,
      },
      commitStep(`hotfix(${name}): ${migration} marked ${f.action} on ${env}`),
    ],
  };
}
