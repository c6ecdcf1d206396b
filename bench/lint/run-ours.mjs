// Lints a list of migration files with hotfix's lint, as a fresh process (what a CLI run costs):
//   node bench/lint/run-ours.mjs LIST_FILE
// LIST_FILE: one line per file, "<path>\t<hotfix 0|1>". Prints one JSON document.
// Like `hotfix lint`, it reads the files while the parser's WebAssembly compiles.
import { readFileSync } from 'node:fs';

const t0 = performance.now();
const { lintSql, loadParser } = await import('../../dist/core/lint/index.js');
const ready = loadParser();
const list = readFileSync(process.argv[2], 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((line) => {
    const [file, hotfix] = line.split('\t');
    return { file, hotfix: hotfix === '1' };
  });
await new Promise((resolve) => setImmediate(resolve));
const texts = list.map(({ file }) => readFileSync(file, 'utf8'));
await ready;
const t1 = performance.now();
const findings = [];
list.forEach(({ file, hotfix }, i) => {
  for (const f of lintSql(texts[i], { provider: 'postgresql', hotfix, file })) {
    findings.push([f.file, f.line, f.rule, f.severity]);
  }
});
const t2 = performance.now();
process.stdout.write(JSON.stringify({ startMs: t0, loadMs: t1 - t0, lintMs: t2 - t1, findings }));
