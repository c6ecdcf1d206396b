import type { ChalkInstance } from 'chalk';
import type { Action, Step } from '../core/plan/types.js';

function action(a: Action): string {
  switch (a.kind) {
    case 'prisma-deploy':
      return `prisma migrate deploy (${a.migrations.join(', ')})`;
    case 'prisma-resolve':
      return `prisma migrate resolve --${a.action} ${a.migration}`;
    case 'run-sql':
      return `run ${a.statements.length} statement(s) of ${a.file} (lock_timeout ${a.lockTimeout}, statement_timeout ${a.statementTimeout})`;
    case 'check-restored':
      return `check in the database that the ${a.items.reduce((n, i) => n + i.rows, 0)} row(s) of ${a.backup} are back as they were`;
    case 'mark-rolled-back':
      return `mark ${a.migrations.join(', ')} rolled back in _prisma_migrations here (the next deploy here applies it again)`;
    case 'check-removed':
      return `check in the catalog that nothing of ${a.migration} is left${a.afterApplying ? '' : ' (else nothing is marked)'}`;
  }
}

/** A step, in words: what the run will do (a dry run) or did. */
export function stepText(c: ChalkInstance, s: Step): string {
  switch (s.kind) {
    case 'record':
      return `record ${s.event.type} in the ledger (${s.why})`;
    case 'lint-gate':
      return s.accepted
        ? `lint gate: ${s.blocking.length} error finding(s) run anyway (--accept-risk, recorded)`
        : c.yellow(
            `lint gate: ${s.blocking.length} error finding(s) (${[...new Set(s.blocking.map((f) => f.rule))].join(', ')}): the run refuses without --accept-risk --reason`,
          );
    case 'confirm':
      return [
        s.given ? `confirmed with --yes: ${s.question}` : `ask: ${s.question} (or --yes)`,
        ...(s.details ?? []).map((l) => `     ${l}`),
      ].join('\n');
    case 'write-migration':
      return `${s.createBranch ? `create branch ${s.createBranch.name} from ${s.createBranch.from}, then ` : ''}write and commit ${s.path}`;
    case 'recorded':
      return [
        `record the intent (${s.action}), then:`,
        ...s.actions.map((a) => `     - ${action(a)}`),
        `     - confirm from _prisma_migrations that ${s.confirm.migration} is ${s.confirm.expect}, record ${s.outcome}`,
      ].join('\n');
    case 'commit':
      return s.paths && s.paths.length > 0
        ? `commit ${s.paths.join(', ')} and the ledger: "${s.message}" (--no-commit: staged)`
        : `commit the ledger: "${s.message}"`;
    case 'create-branch':
      return `create branch ${s.branch} from ${s.from} and check it out`;
    case 'checkout':
      return `check out ${s.branch}`;
    case 'write-files':
      return `write ${s.files.map((f) => f.path).join(', ')} (${s.why})`;
    case 'create-ledger':
      return `record the hotfix in a new ledger (${s.ledger.events.map((e) => e.type).join(', ')})`;
    case 'merge':
      return `merge ${s.branch} into ${s.into} (git merge --no-ff)`;
    case 'bump':
      return `bump ${s.file} from ${s.from} to ${s.to} on ${s.on} and commit`;
    case 'record-finished':
      return `record "finished" in the ledger and commit it on ${s.on.join(' and ')}`;
    case 'tag':
      return `tag ${s.on} as ${s.name}`;
    case 'delete-branch':
      return `delete the local branch ${s.branch}`;
    case 'push':
      return `push ${s.refs.join(', ')} to ${s.remote}`;
    case 'backup':
      return s.items.length > 0
        ? `back up ${s.items.map((i) => i.what).join('; ')} to .hotfix/backups/ (not committed), with restore.sql`
        : 'back up the database file to .hotfix/backups/ (not committed)';
    case 'verify-sql':
      return s.mode === 'require'
        ? `run verify.sql read-only: it must return no rows (else exit 1, recorded)`
        : `run verify.sql read-only and report whether it still holds`;
  }
}

/** A plan's steps, numbered: what a dry run says the real run would do. */
export function renderPlan(c: ChalkInstance, steps: readonly Step[]): string[] {
  if (steps.length === 0) return [];
  return [c.bold('Plan'), ...steps.map((s, i) => `  ${i + 1}. ${stepText(c, s)}`)];
}
