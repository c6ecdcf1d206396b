// Writes the layer table of architecture.json into docs/architecture.md (between the markers),
// so the page shows exactly the rules dependency-cruiser enforces. --check: exit 1 when stale.
import { readFileSync, writeFileSync } from 'node:fs';

const root = new URL('..', import.meta.url);
const { layers } = JSON.parse(readFileSync(new URL('architecture.json', root), 'utf8'));
const doc = new URL('docs/architecture.md', root);
const START = '<!-- layers: generated from architecture.json by npm run architecture -->';
const END = '<!-- /layers -->';

const list = (xs, prefix = '') => (xs.length > 0 ? xs.map((x) => `\`${prefix}${x}\``).join(', ') : '-');
const table = [
  '| layer | files | holds | imports | `import()` only | types only | Node built-ins | packages |',
  '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ...layers.map(
    (l) =>
      `| ${l.name} | \`${l.path.replace(/\|/g, '\\|')}\` | ${l.holds} | ${list(l.imports)} | ${list(l.dynamic)} | ${list(l.types)} | ${list(l.node, 'node:')} | ${list(l.packages)} |`,
  ),
].join('\n');

const text = readFileSync(doc, 'utf8');
const from = text.indexOf(START);
const to = text.indexOf(END);
if (from === -1 || to === -1) {
  console.error(`docs/architecture.md lacks the markers ${START} ... ${END}`);
  process.exit(1);
}
const next = `${text.slice(0, from + START.length)}\n${table}\n${text.slice(to)}`;
if (process.argv.includes('--check')) {
  if (next !== text) {
    console.error('docs/architecture.md does not show architecture.json: run npm run architecture');
    process.exit(1);
  }
} else if (next !== text) {
  writeFileSync(doc, next);
  console.log('docs/architecture.md: layer table written');
}
