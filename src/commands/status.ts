import { checkLedgerClaims } from '../workflow/ledger-claims.js';
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
    /** How far a rollback reached: `here` (this environment only), `everywhere` (the revert). */
    scope?: 'here' | 'everywhere' | undefined;
    /**
     * The ledger's claim read against the database (open hotfixes, where the URL is set):
     * `matches`, `LEDGER_DB_MISMATCH` (with `found`), or `unread` (with `why`).
     */
    db?:
      | { check: 'matches' }
      | { check: 'LEDGER_DB_MISMATCH'; found: string }
      | { check: 'unread'; why: string }
      | undefined;
  }[];
}

export interface StatusResult {
  command: 'status';
  hotfixes: StatusEntry[];
}

export async function status(input: StatusInput, deps: Deps): Promise<StatusResult> {
  const name = input.name === undefined ? undefined : validateHotfixName(input.name);
  // An invalid config is reported here too.
  const p = await openProject(deps);
  const entries = (await p.store.listAll()).filter((e) => name === undefined || e.file.name === name);
  const hotfixes: StatusEntry[] = [];
  for (const entry of entries) {
    const state = deriveState(entry.file);
    // What an open hotfix's ledger claims is read against the databases it can reach.
    const claims = state.phase === 'open' ? await checkLedgerClaims(p, entry.file, deps) : undefined;
    const dbOf = (env: string): StatusEntry['envs'][number]['db'] => {
      if (!claims) return undefined;
      const wrong = claims.mismatches.find((m) => m.env === env);
      if (wrong) return { check: 'LEDGER_DB_MISMATCH', found: wrong.found };
      const unread = claims.unread.find((u) => u.env === env);
      if (unread) return { check: 'unread', why: unread.why };
      return claims.checked.includes(env) ? { check: 'matches' } : undefined;
    };
    hotfixes.push({
      ...state,
      source: entry.source,
      envs: state.envs.map((env) => ({
        name: env.name,
        fingerprint: env.fingerprint,
        state: env.state,
        at: env.lastEvent.at,
        actor: env.lastEvent.actor,
        code: typeof env.lastEvent.details?.code === 'string' ? env.lastEvent.details.code : undefined,
        scope: scopeOf(env.lastEvent.details?.scope),
        db: dbOf(env.name),
      })),
    });
  }
  if (name !== undefined) {
    if (hotfixes.length === 0) {
      throw usageError(
        'UNKNOWN_HOTFIX',
        `No hotfix named "${name}" in .hotfix/ or on a local hotfix/* branch.`,
        {
          hint: 'List them with: hotfix status',
        },
      );
    }
  }
  return { command: 'status', hotfixes };
}

const scopeOf = (v: unknown) => (v === 'here' || v === 'everywhere' ? v : undefined);
