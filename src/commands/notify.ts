import { currentPhase, ledgerChecklist, nextItem } from '../core/checklists.js';
import { usageError } from '../core/errors.js';
import { deriveState } from '../core/ledger.js';
import { validateHotfixName } from '../core/names.js';
import { defaultPhase, notice, NOTIFY_PHASES, type Notice, type NotifyPhase } from '../core/notify.js';
import type { Deps } from '../workflow/deps.js';
import { findHotfix, openProject } from '../workflow/project.js';

export interface NotifyInput {
  name: string;
  phase?: string | undefined;
}

export interface NotifyResult extends Notice {
  command: 'notify';
}

/** `hotfix notify <name>`: the team message for the phase, filled from the ledger, for pasting. */
export async function notify(input: NotifyInput, deps: Deps): Promise<NotifyResult> {
  const name = validateHotfixName(input.name);
  if (input.phase !== undefined && !NOTIFY_PHASES.includes(input.phase as NotifyPhase)) {
    throw usageError('UNKNOWN_PHASE', `Unknown message "${input.phase}".`, {
      hint: `Use --phase ${NOTIFY_PHASES.join(' | ')}.`,
    });
  }
  const p = await openProject(deps);
  const { file } = await findHotfix(p, name);
  const environments = Object.keys(p.config.environments);
  const state = deriveState(file);
  const phase = (input.phase as NotifyPhase | undefined) ?? defaultPhase(state, environments);
  const checklistPhase = currentPhase(state);
  const items = ledgerChecklist(checklistPhase, file, { environments });
  const next = nextItem(checklistPhase, items, name, { environments });
  return { command: 'notify', ...notice(phase, { file, environments, next: next?.command }) };
}
