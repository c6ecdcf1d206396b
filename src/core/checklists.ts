import type { HotfixState } from './ledger.js';

/**
 * The runbooks' checklists (backup, staging test, rollback plan, review, window, monitoring),
 * in our words. An item is ticked when the ledger proves it done; the rest stays for a person.
 */
export type ChecklistPhase = 'pre-deploy' | 'deploy' | 'post-deploy' | 'rollback' | 'merge-back';

export interface ChecklistItem {
  id: string;
  text: string;
  done: boolean;
}

interface ItemDef {
  id: string;
  text: string;
  /** Proof from the ledger; absent means only a person can tick it. */
  doneWhen?: (state: HotfixState | undefined, facts: ChecklistFacts) => boolean;
}

export interface ChecklistFacts {
  /** down.sql exists and is not the unfilled template. */
  downWritten?: boolean;
  /** Environments in the config: "every environment" means these, not just the ones touched. */
  environments?: readonly string[];
}

const anyEnv = (state: HotfixState | undefined, pred: (env: HotfixState['envs'][number]) => boolean) =>
  state?.envs.some(pred) ?? false;

const DEFS: Record<ChecklistPhase, ItemDef[]> = {
  'pre-deploy': [
    {
      id: 'branch',
      text: 'Hotfix branch and migration created from the production branch',
      doneWhen: (s) => s !== undefined,
    },
    { id: 'review', text: 'migration.sql and down.sql reviewed by a second engineer' },
    { id: 'backup', text: 'Fresh production backup taken (under 24 h old) and known to restore' },
    {
      id: 'staging',
      text: 'Migration run on staging or a copy of production (hotfix deploy --env staging)',
      doneWhen: (s) => anyEnv(s, (e) => e.state === 'deployed' || e.state === 'resolved'),
    },
    {
      id: 'rollback-plan',
      text: 'Rollback plan ready: down.sql written (review it with the migration)',
      doneWhen: (_s, f) => f.downWritten === true,
    },
    { id: 'window', text: 'Low-traffic window chosen; lock_timeout/statement_timeout set for long locks' },
    { id: 'team', text: 'Team told: what is broken, who is on it, when production changes' },
    {
      id: 'monitoring',
      text: 'Dashboards open for error rate, latency and database load for the hour after',
    },
  ],
  deploy: [
    { id: 'maintenance', text: 'Writes paused or maintenance mode on, if the change needs it' },
    {
      id: 'apply',
      text: 'Migration applied or resolved in production',
      doneWhen: (s) =>
        anyEnv(s, (e) => e.name === 'production' && (e.state === 'deployed' || e.state === 'resolved')),
    },
    { id: 'status', text: 'Migration status up to date (hotfix verify --env production)' },
    { id: 'smoke', text: 'Smoke test of the flows the fix touches' },
  ],
  'post-deploy': [
    {
      id: 'recorded',
      text: 'Every environment shows the migration finished (hotfix status)',
      doneWhen: (s, f) => {
        const finished = new Set(
          s?.envs.filter((e) => e.state === 'deployed' || e.state === 'resolved').map((e) => e.name),
        );
        const wanted = f.environments ?? s?.envs.map((e) => e.name) ?? [];
        return wanted.length > 0 && wanted.every((name) => finished.has(name));
      },
    },
    { id: 'metrics', text: 'Error rate and database latency back to normal for an hour' },
    { id: 'maintenance-off', text: 'Maintenance mode off, writes resumed' },
    { id: 'notes', text: 'What happened and what was run written down for the incident report' },
  ],
  rollback: [
    { id: 'stop-writes', text: 'Writes to the affected tables stopped, if the revert needs it' },
    {
      id: 'revert',
      text: 'Revert applied and the migration history matches the database',
      doneWhen: (s) => anyEnv(s, (e) => e.state === 'rolled-back' || e.state === 'rolled-forward'),
    },
    { id: 'verify', text: 'hotfix verify --env <env> passes' },
    { id: 'monitor', text: 'Error rate and latency watched after the revert' },
    { id: 'tell', text: 'Team told that the hotfix was rolled back, and why' },
  ],
  'merge-back': [
    {
      id: 'main',
      text: 'Hotfix branch merged into the base branch',
      doneWhen: (s) => s?.phase === 'finished',
    },
    { id: 'develop', text: 'Hotfix branch merged into develop', doneWhen: (s) => s?.phase === 'finished' },
    { id: 'version', text: 'Patch version bumped and tagged', doneWhen: (s) => s?.phase === 'finished' },
    { id: 'review', text: 'Post-incident review held; prevention items have owners' },
  ],
};

export function checklist(
  phase: ChecklistPhase,
  state: HotfixState | undefined,
  facts: ChecklistFacts = {},
): ChecklistItem[] {
  return DEFS[phase].map((def) => ({
    id: def.id,
    text: def.text,
    done: def.doneWhen?.(state, facts) ?? false,
  }));
}

export const CHECKLIST_TITLES: Record<ChecklistPhase, string> = {
  'pre-deploy': 'Pre-deployment checklist',
  deploy: 'Deployment checklist',
  'post-deploy': 'Post-deployment checklist',
  rollback: 'Rollback checklist',
  'merge-back': 'Merge-back checklist',
};
