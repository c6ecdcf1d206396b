import type { ChalkInstance } from 'chalk';
import type { StatusResult } from '../commands/status.js';

const STATE_LABEL: Record<string, string> = {
  'in-progress': 'in progress (interrupted?)',
  deployed: 'deployed',
  resolved: 'resolved (marked applied)',
  failed: 'FAILED',
  'rolled-back': 'rolled back',
  'rolled-forward': 'rolled forward',
};

export function renderStatus(c: ChalkInstance, r: StatusResult): string {
  if (r.hotfixes.length === 0) return 'No hotfixes recorded. Start one with: hotfix start <name>\n';
  const lines: string[] = [];
  for (const h of r.hotfixes) {
    lines.push(`${c.bold(h.name)}  ${h.phase}  ${h.migration}`);
    lines.push(`  branch ${h.branch}, started ${h.startedAt} by ${h.actor}  [${h.source}]`);
    if (h.envs.length === 0) lines.push('  environments: none yet');
    for (const env of h.envs) {
      const label =
        env.scope === 'here'
          ? 'rolled back here only (the next deploy here applies it again)'
          : (STATE_LABEL[env.state] ?? env.state);
      const painted =
        env.state === 'failed'
          ? c.red(label)
          : env.state === 'in-progress'
            ? c.yellow(label)
            : c.green(label);
      lines.push(
        `  ${env.name.padEnd(12)} ${painted}${env.code ? ` ${env.code}` : ''}  ${env.at} by ${env.actor}`,
      );
      if (env.db?.check === 'LEDGER_DB_MISMATCH')
        lines.push(
          `  ${' '.repeat(12)} ${c.red(`LEDGER_DB_MISMATCH: _prisma_migrations ${env.db.found === 'absent' ? 'has no row of it' : `has it ${env.db.found}`}`)} (check: hotfix verify --env ${env.name})`,
        );
      else if (env.db?.check === 'unread')
        lines.push(`  ${' '.repeat(12)} ${c.dim(`not checked against the database: ${env.db.why}`)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
