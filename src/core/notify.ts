import { deriveState, type HotfixState, type LedgerFile } from './ledger.js';
import { duration } from './timeline.js';

/**
 * The runbook's team messages (initial alert, status update, resolution), filled from the
 * ledger: real times, environments and outcome. Printed for pasting; nothing is sent.
 */
export type NotifyPhase = 'alert' | 'update' | 'resolved';
export const NOTIFY_PHASES: readonly NotifyPhase[] = ['alert', 'update', 'resolved'];

export interface NotifyFacts {
  file: LedgerFile;
  environments: readonly string[];
  /** The next unticked checklist item's command, for the update. */
  next: string | undefined;
}

export interface Notice {
  hotfix: string;
  phase: NotifyPhase;
  text: string;
}

const APPLIED = new Set(['deployed', 'resolved']);

/** The message that fits now: resolved once finished or settled everywhere, update once applied somewhere. */
export function defaultPhase(state: HotfixState, environments: readonly string[]): NotifyPhase {
  const settled = (name: string) =>
    state.envs.some((e) => e.name === name && (APPLIED.has(e.state) || e.state === 'rolled-forward'));
  if (state.phase === 'finished' || (environments.length > 0 && environments.every(settled)))
    return 'resolved';
  return state.envs.length > 0 ? 'update' : 'alert';
}

const minute = (iso: string) => `${iso.slice(0, 16).replace('T', ' ')} UTC`;

function envLines(state: HotfixState, environments: readonly string[]): string[] {
  const names = [...new Set([...environments, ...state.envs.map((e) => e.name)])];
  return names.map((name) => {
    const e = state.envs.find((x) => x.name === name);
    return e ? `  - ${name}: ${e.state} at ${minute(e.lastEvent.at)}` : `  - ${name}: not yet`;
  });
}

/** What the ledger says now: failed or rolled back somewhere, finished, or still under way. */
function status(
  state: HotfixState,
  failed: readonly { name: string }[],
  rolled: readonly { name: string }[],
): string {
  if (failed.length > 0) return `FAILED on ${failed.map((e) => e.name).join(', ')}`;
  if (rolled.length > 0) return `ROLLED BACK on ${rolled.map((e) => e.name).join(', ')}`;
  return state.phase === 'finished' ? 'FINISHED' : 'IN PROGRESS';
}

export function notice(phase: NotifyPhase, f: NotifyFacts): Notice {
  const state = deriveState(f.file);
  const name = f.file.name;
  const rolled = state.envs.filter((e) => e.state === 'rolled-back' || e.state === 'rolled-forward');
  const failed = state.envs.filter((e) => e.state === 'failed');
  const lines: string[] = [];
  if (phase === 'alert') {
    lines.push(
      `:rotating_light: PRODUCTION DATABASE HOTFIX: ${name}`,
      `Started: ${minute(state.startedAt)} by ${state.actor}`,
      // A finished hotfix's branch is deleted: name where the change is now.
      state.phase === 'finished'
        ? `Change: migration ${f.file.migration} (merged into ${f.file.base}; branch ${f.file.branch} deleted)`
        : `Change: migration ${f.file.migration} (branch ${f.file.branch})`,
      `Status: ${status(state, failed, rolled)}`,
      'Environments:',
      ...envLines(state, f.environments),
      'Issue: <what is broken>',
      'Impact: <who is affected, business impact>',
      'Severity: <critical/high>',
      `Contact: ${state.actor}`,
    );
  } else if (phase === 'update') {
    const last = f.file.events.at(-1)!;
    lines.push(
      `:wrench: UPDATE - hotfix ${name} (${minute(last.at)})`,
      `Status: ${status(state, failed, rolled)}`,
      `Running for: ${duration(state.startedAt, last.at)} (since ${minute(state.startedAt)})`,
      'Environments:',
      ...envLines(state, f.environments),
      ...(f.next ? [`Next: ${f.next}`] : []),
      'Root cause: <one line, once known>',
    );
  } else {
    const finished = f.file.events.findLast((e) => e.type === 'finished' && e.outcome === 'ok');
    const version = typeof finished?.details?.version === 'string' ? finished.details.version : undefined;
    const appliedAt = state.envs
      .filter((e) => APPLIED.has(e.state))
      .map((e) => e.lastEvent.at)
      .sort();
    const end = appliedAt.at(-1) ?? f.file.events.at(-1)!.at;
    const outcome =
      rolled.length > 0
        ? `ROLLED BACK on ${rolled.map((e) => e.name).join(', ')}`
        : `RESOLVED${version ? ` - v${version}` : ''}`;
    lines.push(
      `:white_check_mark: ${outcome}: hotfix ${name}`,
      `Migration: ${f.file.migration}`,
      'Environments:',
      ...envLines(state, f.environments),
      `Time to fix: ${duration(state.startedAt, end)} (${minute(state.startedAt)} to ${minute(end)})`,
      ...(finished ? [`Merged back: ${minute(finished.at)}`] : []),
      ...(finished?.reason && Array.isArray(finished.details?.partial)
        ? [`Not everywhere yet (--allow-partial): ${finished.reason}`]
        : []),
      'Impact: <what was affected, for how long>',
      'Monitoring: <error rate, latency: normal?>',
      `Incident report: hotfix report ${name} --out <file>`,
    );
  }
  return { hotfix: name, phase, text: `${lines.join('\n')}\n` };
}
