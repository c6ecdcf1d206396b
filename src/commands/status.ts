import { openProject } from '../workflow/project.js';
import { usageError } from '../core/errors.js';
import { deriveState, type HotfixState } from '../core/ledger.js';
import { validateHotfixName } from '../core/names.js';
import type { Deps } from '../workflow/deps.js';

export interface StatusInput {
  name?: string | undefined;
}

export interface StatusEntry extends Omit<HotfixState, 'envs'> {
  /** Where the ledger was read (working tree path or `<branch>:<path>`). */
  source: string;
  envs: {
    name: string;
    fingerprint: string;
    state: string;
    at: string;
    actor: string;
    code?: string | undefined;
  }[];
}

export interface StatusResult {
  command: 'status';
  hotfixes: StatusEntry[];
}

export async function status(input: StatusInput, deps: Deps): Promise<StatusResult> {
  const name = input.name === undefined ? undefined : validateHotfixName(input.name);
  // An invalid config is reported here too.
  const { store } = await openProject(deps);
  const entries = await store.listAll();
  const hotfixes: StatusEntry[] = entries.map((entry) => {
    const state = deriveState(entry.file);
    return {
      ...state,
      source: entry.source,
      envs: state.envs.map((env) => ({
        name: env.name,
        fingerprint: env.fingerprint,
        state: env.state,
        at: env.lastEvent.at,
        actor: env.lastEvent.actor,
        code: typeof env.lastEvent.details?.code === 'string' ? env.lastEvent.details.code : undefined,
      })),
    };
  });
  if (name !== undefined) {
    const one = hotfixes.filter((h) => h.name === name);
    if (one.length === 0) {
      throw usageError(
        'UNKNOWN_HOTFIX',
        `No hotfix named "${name}" in .hotfix/ or on a local hotfix/* branch.`,
        {
          hint: 'List them with: hotfix status',
        },
      );
    }
    return { command: 'status', hotfixes: one };
  }
  return { command: 'status', hotfixes };
}
