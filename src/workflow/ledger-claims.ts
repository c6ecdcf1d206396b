import { contradicted, ledgerClaims, type ClaimsChecked } from '../core/ledger-claims.js';
import type { LedgerFile } from '../core/ledger.js';
import type { MigrationRow } from '../core/migration-state.js';
import { resolveTarget } from '../core/target.js';
import { readMigrationRows } from './db-state.js';
import type { Deps } from './deps.js';
import type { Project } from './project.js';

/** Reads every environment the ledger makes a claim about, where its URL is set. */
export async function checkLedgerClaims(p: Project, file: LedgerFile, deps: Deps): Promise<ClaimsChecked> {
  const claims = ledgerClaims(file);
  const out: ClaimsChecked = { mismatches: [], checked: [], unread: [] };
  // Side by side: an unreachable environment costs its connect timeout once, not once each.
  const results = await Promise.all(
    [...new Set(claims.map((c) => c.env))].map(
      async (env): Promise<{ env: string; rows: MigrationRow[] } | { env: string; why: string }> => {
        const conf = p.config.environments[env];
        if (!conf) return { env, why: 'not in hotfix.config.json' };
        if (!deps.env[conf.urlEnv]) return { env, why: `$${conf.urlEnv} is not set` };
        try {
          const rows = (await readMigrationRows(p.ports, resolveTarget(conf, deps.env, p.projectRoot))) ?? [];
          return { env, rows };
        } catch (error) {
          return { env, why: error instanceof Error ? error.message.split('\n')[0]! : String(error) };
        }
      },
    ),
  );
  for (const r of results) {
    if ('rows' in r) {
      out.checked.push(r.env);
      out.mismatches.push(...contradicted(claims, r.env, r.rows));
    } else out.unread.push({ env: r.env, why: r.why });
  }
  return out;
}
