import { contradicted, ledgerClaims, type ClaimsChecked } from '../core/ledger-claims.js';
import type { LedgerFile } from '../core/ledger.js';
import { environmentRows } from './db-state.js';
import type { Deps } from './deps.js';
import type { Project } from './project.js';

/** Reads every environment the ledger makes a claim about, where its URL is set. */
export async function checkLedgerClaims(p: Project, file: LedgerFile, deps: Deps): Promise<ClaimsChecked> {
  const claims = ledgerClaims(file);
  const out: ClaimsChecked = { mismatches: [], checked: [], unread: [] };
  // Side by side: an unreachable environment costs its connect timeout once, not once each.
  const envs = [...new Set(claims.map((c) => c.env))];
  const results = await Promise.all(
    envs.map(async (env) => ({
      env,
      ...(await environmentRows(p.ports, p.config, env, deps.env, p.projectRoot)),
    })),
  );
  for (const r of results) {
    if ('rows' in r) {
      out.checked.push(r.env);
      out.mismatches.push(...contradicted(claims, r.env, r.rows));
    } else out.unread.push({ env: r.env, why: r.why });
  }
  return out;
}
