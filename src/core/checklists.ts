import { deriveState, type HotfixState, type LedgerFile } from './ledger.js';

/**
 * The runbooks' checklists (backup, staging test, rollback plan, review, window, monitoring),
 * in our words. An item is ticked when the ledger proves it done; the rest stays for a person.
 */
export type ChecklistPhase = 'pre-deploy' | 'deploy' | 'post-deploy' | 'rollback' | 'merge-back';

export interface ChecklistItem {
  id: string;
  text: string;
  done: boolean;
  /** How it was ticked: proven by the ledger, or ticked by a person (`checklist --done`). */
  by?: 'ledger' | 'person' | undefined;
  /** A person's tick: who, when, and the note they gave. */
  tick?: ManualTick | undefined;
}

interface ItemDef {
  id: string;
  text: string;
  /** Proof from the ledger; absent means only a person can tick it. */
  doneWhen?: (state: HotfixState | undefined, facts: ChecklistFacts) => boolean;
  /** The command that does it (or records it); `<name>` is replaced by the hotfix's name. */
  command?: (facts: ChecklistFacts) => string;
}

export interface ManualTick {
  phase: ChecklistPhase;
  item: string;
  at: string;
  actor: string;
  note: string | undefined;
}

export interface ChecklistFacts {
  /** down.sql exists and is not the unfilled template. */
  downWritten?: boolean;
  /** Environments in the config: "every environment" means these, not just the ones touched. */
  environments?: readonly string[];
  /** Items a person ticked, from the ledger's `checked` events. */
  ticks?: readonly ManualTick[];
  /** Branches `finish` merged the hotfix into (also when it stopped part way). */
  merged?: readonly string[];
  /** The base branch (for the merge-back items). */
  base?: string;
}

const anyEnv = (state: HotfixState | undefined, pred: (env: HotfixState['envs'][number]) => boolean) =>
  state?.envs.some(pred) ?? false;

const DEFS: Record<ChecklistPhase, ItemDef[]> = {
  'pre-deploy': [
    {
      id: 'branch',
      text: 'Hotfix branch and migration created from the production branch',
      doneWhen: (s) => s !== undefined,
      command: () => 'hotfix start <name> --sql FILE (or --from-schema)',
    },
    { id: 'review', text: 'migration.sql and down.sql reviewed by a second engineer' },
    { id: 'backup', text: 'Fresh production backup taken (under 24 h old) and known to restore' },
    {
      id: 'staging',
      text: 'Migration run on staging or a copy of production (hotfix deploy --env staging)',
      doneWhen: (s) => anyEnv(s, (e) => e.state === 'deployed' || e.state === 'resolved'),
      command: (f) => `hotfix deploy <name> --env ${firstNonProtected(f)}`,
    },
    {
      id: 'rollback-plan',
      text: 'Rollback plan ready: down.sql written (review it with the migration)',
      doneWhen: (_s, f) => f.downWritten === true,
    },
    { id: 'window', text: 'Low-traffic window chosen; lock_timeout/statement_timeout set for long locks' },
    {
      id: 'team',
      text: 'Team told: what is broken, who is on it, when production changes',
      command: () => 'hotfix notify <name> --phase alert, then tick it',
    },
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
      command: () =>
        'hotfix resolve <name> --env production (patched by hand) or hotfix deploy <name> --env production',
    },
    {
      id: 'status',
      text: 'Migration status up to date (hotfix verify --env production)',
      command: () => 'hotfix verify --env production, then tick it',
    },
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
      command: () => 'hotfix status <name>, then hotfix deploy <name> --env <each one missing>',
    },
    { id: 'metrics', text: 'Error rate and database latency back to normal for an hour' },
    { id: 'maintenance-off', text: 'Maintenance mode off, writes resumed' },
    {
      id: 'notes',
      text: 'What happened and what was run written down for the incident report',
      command: () => 'hotfix report <name> --out incident.md, then tick it',
    },
  ],
  rollback: [
    { id: 'stop-writes', text: 'Writes to the affected tables stopped, if the revert needs it' },
    {
      id: 'revert',
      text: 'Revert applied and the migration history matches the database',
      doneWhen: (s) => anyEnv(s, (e) => e.state === 'rolled-back' || e.state === 'rolled-forward'),
      command: () => 'hotfix rollback <name> --env <env>',
    },
    {
      id: 'verify',
      text: 'hotfix verify --env <env> passes',
      command: () => 'hotfix verify --env <env>, then tick it',
    },
    { id: 'monitor', text: 'Error rate and latency watched after the revert' },
    {
      id: 'tell',
      text: 'Team told that the hotfix was rolled back, and why',
      command: () => 'hotfix notify <name> --phase update, then tick it',
    },
  ],
  'merge-back': [
    {
      id: 'main',
      text: 'Hotfix branch merged into the base branch',
      doneWhen: (s, f) =>
        s?.phase === 'finished' || (f.base !== undefined && f.merged?.includes(f.base) === true),
      command: () => 'hotfix finish <name>',
    },
    {
      id: 'develop',
      text: 'Hotfix branch merged into develop',
      doneWhen: (s) => s?.phase === 'finished',
      command: () => 'hotfix finish <name>',
    },
    {
      id: 'version',
      text: 'Patch version bumped and tagged',
      doneWhen: (s) => s?.phase === 'finished',
      command: () => 'hotfix finish <name>',
    },
    {
      id: 'review',
      text: 'Post-incident review held; prevention items have owners',
      command: () => 'hotfix report <name> --out incident.md, hold the review, then tick it',
    },
  ],
};

const firstNonProtected = (f: ChecklistFacts) => f.environments?.find((e) => e !== 'production') ?? 'staging';

export function checklist(
  phase: ChecklistPhase,
  state: HotfixState | undefined,
  facts: ChecklistFacts = {},
): ChecklistItem[] {
  return DEFS[phase].map((def) => {
    if (def.doneWhen?.(state, facts)) return { id: def.id, text: def.text, done: true, by: 'ledger' };
    const tick = def.doneWhen
      ? undefined
      : facts.ticks?.findLast((t) => t.phase === phase && t.item === def.id);
    return tick
      ? { id: def.id, text: def.text, done: true, by: 'person', tick }
      : { id: def.id, text: def.text, done: false };
  });
}

export const CHECKLIST_TITLES: Record<ChecklistPhase, string> = {
  'pre-deploy': 'Pre-deployment checklist',
  deploy: 'Deployment checklist',
  'post-deploy': 'Post-deployment checklist',
  rollback: 'Rollback checklist',
  'merge-back': 'Merge-back checklist',
};

export const CHECKLIST_PHASES = Object.keys(CHECKLIST_TITLES) as ChecklistPhase[];

/** Short names the CLI accepts for a phase (`pre`, `post`), besides the full ones. */
const PHASE_ALIASES: Record<string, ChecklistPhase> = { pre: 'pre-deploy', post: 'post-deploy' };

export function phaseOf(text: string): ChecklistPhase | undefined {
  return PHASE_ALIASES[text] ?? CHECKLIST_PHASES.find((p) => p === text);
}

/** The items only a person can tick, as `phase.item` (what `checklist --done` accepts). */
export function manualItems(): { phase: ChecklistPhase; item: string; text: string }[] {
  return CHECKLIST_PHASES.flatMap((phase) =>
    DEFS[phase].filter((d) => !d.doneWhen).map((d) => ({ phase, item: d.id, text: d.text })),
  );
}

/** Whether the ledger (not a person) ticks `phase.item`. */
export function ledgerProven(phase: ChecklistPhase, item: string): boolean {
  return DEFS[phase].some((d) => d.id === item && d.doneWhen !== undefined);
}

/** The items of `phase` (ids), in order. */
export const itemIds = (phase: ChecklistPhase): string[] => DEFS[phase].map((d) => d.id);

/** The ticks people recorded (`checked` events), oldest first. */
export function manualTicks(file: LedgerFile | undefined): ManualTick[] {
  const out: ManualTick[] = [];
  for (const event of file?.events ?? []) {
    if (event.type !== 'checked' || event.outcome !== 'ok') continue;
    const phase = typeof event.details?.phase === 'string' ? phaseOf(event.details.phase) : undefined;
    const item = event.details?.item;
    if (!phase || typeof item !== 'string') continue;
    const note = typeof event.details?.note === 'string' ? event.details.note : undefined;
    out.push({ phase, item, at: event.at, actor: event.actor, note });
  }
  return out;
}

/** Branches the last `finish` merged the hotfix into (its `finished` event's details.merged). */
export function mergedBranches(file: LedgerFile | undefined): string[] {
  const last = file?.events.findLast((e) => e.type === 'finished');
  const merged = last?.details?.merged;
  return Array.isArray(merged) ? merged.filter((b): b is string => typeof b === 'string') : [];
}

/** A phase's checklist ticked from a ledger file: what the ledger proves and what people ticked. */
export function ledgerChecklist(
  phase: ChecklistPhase,
  file: LedgerFile | undefined,
  facts: ChecklistFacts = {},
): ChecklistItem[] {
  return checklist(phase, file && deriveState(file), {
    ticks: manualTicks(file),
    merged: mergedBranches(file),
    base: file?.base,
    ...facts,
  });
}

/**
 * The phase a hotfix is in, for `hotfix checklist` without --phase: finished -> merge-back;
 * rolled back somewhere -> rollback; on production -> post-deploy (merge-back once all of
 * post-deploy is ticked: the command decides that); elsewhere only -> deploy; else pre-deploy.
 */
export function currentPhase(state: HotfixState | undefined): ChecklistPhase {
  if (!state) return 'pre-deploy';
  if (state.phase === 'finished') return 'merge-back';
  const applied = (e: HotfixState['envs'][number]) => e.state === 'deployed' || e.state === 'resolved';
  if (state.envs.some((e) => e.state === 'rolled-back' || e.state === 'rolled-forward')) return 'rollback';
  if (state.envs.some((e) => e.name === 'production' && applied(e))) return 'post-deploy';
  return state.envs.some(applied) ? 'deploy' : 'pre-deploy';
}

/** The first unticked item of a checklist and the command that does it (`<name>` filled in). */
export function nextItem(
  phase: ChecklistPhase,
  items: readonly ChecklistItem[],
  name: string | undefined,
  facts: ChecklistFacts = {},
): { id: string; text: string; command: string } | undefined {
  const open = items.find((i) => !i.done);
  if (!open) return undefined;
  const def = DEFS[phase].find((d) => d.id === open.id);
  const raw = def?.command?.(facts) ?? `hotfix checklist <name> --done ${phase}.${open.id} --note TEXT`;
  const command = raw.replace(/ then tick it$/, ` then hotfix checklist <name> --done ${phase}.${open.id}`);
  return { id: open.id, text: open.text, command: name ? command.replaceAll('<name>', name) : command };
}
