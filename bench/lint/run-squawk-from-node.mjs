// What a Node CLI built on squawk would cost: start Node, spawn the squawk binary on the files,
// parse its JSON report.   node bench/lint/run-squawk-from-node.mjs SQUAWK_BIN LIST_FILE
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const [bin, listFile] = process.argv.slice(2);
const files = readFileSync(listFile, 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((line) => line.split('\t')[0]);
const r = spawnSync(bin, ['--reporter', 'json', ...files], {
  encoding: 'utf8',
  maxBuffer: 512 * 1024 * 1024,
});
if (r.status !== 0 && r.status !== 1) {
  process.stderr.write(r.stderr);
  process.exit(2);
}
const violations = JSON.parse(r.stdout || '[]');
process.stdout.write(JSON.stringify({ count: violations.length }));
