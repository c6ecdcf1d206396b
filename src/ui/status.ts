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
      const label = STATE_LABEL[env.state] ?? env.state;
      const painted =
        env.state === 'failed'
          ? c.red(label)
          : env.state === 'in-progress'
            ? c.yellow(label)
            : c.green(label);
      lines.push(
        `  ${env.name.padEnd(12)} ${painted}${env.code ? ` ${env.code}` : ''}  ${env.at} by ${env.actor}`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}
