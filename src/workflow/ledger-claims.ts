import { contradicted, ledgerClaims, type ClaimsChecked } from '../core/ledger-claims.js';
import type { LedgerFile } from '../core/ledger.js';
import { resolveTarget } from '../core/target.js';
import { readMigrationRows } from './db-state.js';
import type { Deps } from './deps.js';
import type { Project } from './project.js';

/** Reads every environment the ledger makes a claim about, where its URL is set. */
export async function checkLedgerClaims(p: Project, file: LedgerFile, deps: Deps): Promise<ClaimsChecked> {
  const claims = ledgerClaims(file);
  const out: ClaimsChecked = { mismatches: [], checked: [], unread: [] };
  for (const env of [...new Set(claims.map((c) => c.env))]) {
    const conf = p.config.environments[env];
    if (!conf) {
      out.unread.push({ env, why: 'not in hotfix.config.json' });
      continue;
    }
    if (!deps.env[conf.urlEnv]) {
      out.unread.push({ env, why: `$${conf.urlEnv} is not set` });
      continue;
    }
    try {
      const rows = (await readMigrationRows(p.ports, resolveTarget(conf, deps.env, p.projectRoot))) ?? [];
      out.checked.push(env);
      out.mismatches.push(...contradicted(claims, env, rows));
    } catch (error) {
      out.unread.push({ env, why: error instanceof Error ? error.message.split('\n')[0]! : String(error) });
    }
  }
  return out;
}
