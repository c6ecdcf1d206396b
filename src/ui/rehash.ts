import type { ChalkInstance } from 'chalk';
import type { RehashResult } from '../commands/rehash.js';

export function renderRehash(c: ChalkInstance, r: RehashResult): string {
  const lines = [
    r.dryRun
      ? c.bold(`Dry run: hotfix rehash ${r.hotfix} would record (nothing was changed)`)
      : `${c.green('✔')} ${c.bold(`Recorded the new checksums of hotfix ${r.hotfix}`)}`,
    ...r.changes.map(
      (ch) =>
        `  ${ch.migration}/${ch.file}  ${ch.from ? ch.from.slice(0, 12) : 'none'}… -> ${ch.to.slice(0, 12)}…`,
    ),
    ...r.regenerated.map(
      (f) =>
        `  ${c.yellow('!')} ${f} ${r.dryRun ? 'would be' : 'was'} generated again from the new migration.sql (it proved the old one): review it`,
    ),
    c.bold('Ran nowhere'),
    ...r.checked.map((e) => `  ${e.env.padEnd(12)} ${e.state} (from the ${e.source})`),
  ];
  if (r.commit) lines.push(`  committed ${r.commit.slice(0, 12)}`);
  return `${lines.join('\n')}\n`;
}
