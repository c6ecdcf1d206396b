// Lint benchmark: hotfix lint vs squawk on the same generated Prisma migrations, in one run.
//
//   npm run build && node bench/lint/bench.mjs [--out DIR] [--seed N] [--projects N]
//                                              [--migrations N] [--runs N] [--json]
//
// 1. Generates the corpus (bench/lint/corpus.mjs) into a temp dir (or --out).
// 2. Times each tool as a fresh process over all files, --runs times, alternating; reports
//    medians and the ratio (ours / squawk).
// 3. Counts findings per rule and per dangerous class for both.
// 4. Checks every dangerous-class statement the generator recorded is flagged by ours (and
//    reports squawk's coverage for comparison). Exits 1 if ours misses one.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLASSES, generateCorpus } from './corpus.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(name);
  return i === -1 ? fallback : args[i + 1];
};
const runs = Number(opt('--runs', 5));
const asJson = args.includes('--json');
const log = (line = '') => {
  if (!asJson) console.log(line);
};

const OUR_CLASS = {
  'create-index-non-concurrently': 'index-without-concurrently',
  'concurrently-in-transaction': 'concurrently-in-transaction',
  'add-foreign-key-without-not-valid': 'constraint-without-not-valid',
  'add-check-without-not-valid': 'constraint-without-not-valid',
  'add-column-not-null-without-default': 'add-not-null-without-default',
  'change-column-type': 'column-type-change',
  'drop-column': 'drop',
  'drop-table': 'drop',
  'drop-not-null': 'drop',
  'rename-column': 'rename',
  'rename-table': 'rename',
  'require-lock-timeout': 'missing-timeouts',
  'require-statement-timeout': 'missing-timeouts',
  'enum-add-value': 'enum-change',
  'enum-remove-or-rename-value': 'enum-change',
  'update-without-where': 'unbatched-dml',
  'delete-without-where': 'unbatched-dml',
};
const SQUAWK_CLASS = {
  'require-concurrent-index-creation': 'index-without-concurrently',
  'ban-concurrent-index-creation-in-transaction': 'concurrently-in-transaction',
  'constraint-missing-not-valid': 'constraint-without-not-valid',
  'adding-foreign-key-constraint': 'constraint-without-not-valid',
  'adding-required-field': 'add-not-null-without-default',
  'changing-column-type': 'column-type-change',
  'ban-drop-column': 'drop',
  'ban-drop-table': 'drop',
  'ban-drop-not-null': 'drop',
  'renaming-column': 'rename',
  'renaming-table': 'rename',
  'require-lock-timeout': 'missing-timeouts',
  'require-statement-timeout': 'missing-timeouts',
  'require-enum-value-ordering': 'enum-change',
};

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)] ?? NaN;
}

function squawkBinary() {
  const require = createRequire(path.join(root, 'package.json'));
  try {
    const { getBinaryPath } = require('squawk-cli/js/index.js');
    return { bin: getBinaryPath() };
  } catch (error) {
    return { reason: error instanceof Error ? error.message.split('\n')[0] : String(error) };
  }
}

function timed(cmd, argv, opts = {}) {
  const t0 = performance.now();
  const r = spawnSync(cmd, argv, { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024, ...opts });
  return { ms: performance.now() - t0, ...r };
}

// 1. Corpus.
const keep = opt('--out', undefined);
const out = keep ?? mkdtempSync(path.join(os.tmpdir(), 'hotfix-lint-bench-'));
const { files } = generateCorpus({
  out,
  seed: Number(opt('--seed', 20240607)),
  projects: Number(opt('--projects', 12)),
  migrations: Number(opt('--migrations', 40)),
});
const listFile = path.join(out, 'files.txt');
writeFileSync(listFile, `${files.map((f) => `${f.path}\t${f.hotfix ? 1 : 0}`).join('\n')}\n`);
const bytes = files.reduce((n, f) => n + (f.bytes ?? 0), 0);
log(
  `Corpus: ${files.length} Prisma PostgreSQL migration files from ${new Set(files.map((f) => f.path.split(path.sep).slice(-4)[0])).size} projects in ${out}${bytes ? ` (${bytes} bytes)` : ''}`,
);

if (!existsSync(path.join(root, 'dist/core/lint/index.js'))) {
  console.error(
    'dist/core/lint/index.js is missing: run `npm run build` first (the bench lints with the compiled code).',
  );
  process.exit(2);
}
const squawk = squawkBinary();
let squawkVersion;
if (squawk.bin) {
  const v = spawnSync(squawk.bin, ['--version'], { encoding: 'utf8' });
  if (v.status === 0) squawkVersion = v.stdout.trim();
  else squawk.reason = `${squawk.bin} --version failed: ${v.error?.message ?? v.stderr.trim()}`;
}
if (!squawkVersion) {
  log(`squawk: NOT RUN. ${squawk.reason ?? 'unknown reason'}`);
  log('  (npm install -D squawk-cli installs the binary from the @squawk-cli/<platform> optional package.)');
} else {
  log(`squawk: ${squawkVersion} (${path.relative(root, squawk.bin)})`);
}
log(`node: ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'})`);
log('');

// 2. Timing, alternating so both see the same machine state. Each run is a fresh process over
//    all files; a one-file run of each measures the fixed cost (process start, parser load).
const ourRuns = [];
const squawkRuns = [];
const ourOne = [];
const squawkOne = [];
const squawkViaNode = [];
let ours;
let squawkOut;
const filePaths = files.map((f) => f.path);
const oneList = path.join(out, 'one.txt');
writeFileSync(oneList, `${files[0].path}\t0\n`);
const runOurs = (list) => {
  const r = timed(process.execPath, [path.join(here, 'run-ours.mjs'), list], { cwd: root });
  if (r.status !== 0) {
    console.error(`our lint failed (exit ${r.status}):\n${r.stderr}`);
    process.exit(2);
  }
  return { ms: r.ms, ...JSON.parse(r.stdout) };
};
const runSquawk = (paths) => {
  const s = timed(squawk.bin, ['--reporter', 'json', ...paths]);
  if (s.status !== 0 && s.status !== 1) {
    console.error(`squawk failed (exit ${s.status}): ${s.stderr.slice(0, 2000)}`);
    process.exit(2);
  }
  return { ms: s.ms, out: JSON.parse(s.stdout || '[]') };
};
for (let i = 0; i < runs; i += 1) {
  ours = runOurs(listFile);
  ourRuns.push({ ms: ours.ms, startMs: ours.startMs, loadMs: ours.loadMs, lintMs: ours.lintMs });
  ourOne.push(runOurs(oneList).ms);
  if (squawkVersion) {
    const s = runSquawk(filePaths);
    squawkOut = s.out;
    squawkRuns.push(s.ms);
    squawkOne.push(runSquawk([filePaths[0]]).ms);
    const viaNode = timed(process.execPath, [
      path.join(here, 'run-squawk-from-node.mjs'),
      squawk.bin,
      listFile,
    ]);
    if (viaNode.status === 0) squawkViaNode.push(viaNode.ms);
  }
}

const oursMs = median(ourRuns.map((r) => r.ms));
const oursStart = median(ourRuns.map((r) => r.startMs));
const oursLoad = median(ourRuns.map((r) => r.loadMs));
const oursLint = median(ourRuns.map((r) => r.lintMs));
const oursFixed = median(ourOne);
const perFile = (all, one) => ((all - one) / Math.max(1, files.length - 1)) * 1000;
log(
  `Wall time over ${files.length} files, median of ${runs} runs (fresh process each, alternating, same run):`,
);
log(
  `  hotfix lint  ${oursMs.toFixed(0).padStart(6)} ms   one file: ${oursFixed.toFixed(0)} ms; per extra file: ${perFile(oursMs, oursFixed).toFixed(0)} µs`,
);
log(
  `               node start ${oursStart.toFixed(0)} ms, import + parser load + read ${oursLoad.toFixed(0)} ms, lint ${oursLint.toFixed(0)} ms (${((oursLint / files.length) * 1000).toFixed(0)} µs/file)`,
);
let ratio;
let sqMs;
if (squawkVersion) {
  sqMs = median(squawkRuns);
  const sqFixed = median(squawkOne);
  ratio = oursMs / sqMs;
  log(
    `  squawk       ${sqMs.toFixed(0).padStart(6)} ms   one file: ${sqFixed.toFixed(0)} ms; per extra file: ${perFile(sqMs, sqFixed).toFixed(0)} µs`,
  );
  if (squawkViaNode.length > 0) {
    log(
      `  node+squawk  ${median(squawkViaNode).toFixed(0).padStart(6)} ms   (a Node CLI that spawns squawk and reads its JSON: the alternative design)`,
    );
  }
  log(`  ratio        ${ratio.toFixed(2)}x squawk's time, whole process (goal: within 2x)`);
  if (squawkViaNode.length > 0)
    log(`               ${(oursMs / median(squawkViaNode)).toFixed(2)}x a Node CLI built on squawk`);
  log(
    `               ${(oursLint / sqMs).toFixed(2)}x counting only our lint work (without Node's start and the parser load)`,
  );
} else {
  log('  squawk       not run (see above)');
}
log('');

// 3. Counts.
const ourFindings = ours.findings.map(([file, line, rule, severity]) => ({ file, line, rule, severity }));
const sqFindings = (squawkOut ?? []).map((v) => ({ file: v.file, line: v.line + 1, rule: v.rule_name }));
const countBy = (list, key) => {
  const m = new Map();
  for (const x of list) m.set(key(x), (m.get(key(x)) ?? 0) + 1);
  return [...m.entries()].sort((a, b) => b[1] - a[1]);
};
const bySev = Object.fromEntries(countBy(ourFindings, (f) => f.severity));
log(
  `Findings: hotfix lint ${ourFindings.length} (${['error', 'warning', 'info'].map((s) => `${bySev[s] ?? 0} ${s}`).join(', ')})${squawkVersion ? `, squawk ${sqFindings.length}` : ''}`,
);
log('');
log('By dangerous class              hotfix    squawk');
const ourByClass = new Map(countBy(ourFindings, (f) => OUR_CLASS[f.rule] ?? '(other)'));
const sqByClass = new Map(countBy(sqFindings, (f) => SQUAWK_CLASS[f.rule] ?? '(other)'));
for (const cls of [...CLASSES, '(other)']) {
  log(
    `  ${cls.padEnd(30)}${String(ourByClass.get(cls) ?? 0).padStart(6)}${squawkVersion ? String(sqByClass.get(cls) ?? 0).padStart(10) : '         -'}`,
  );
}
log('');
log('By rule, hotfix lint:');
for (const [rule, n] of countBy(ourFindings, (f) => f.rule))
  log(`  ${rule.padEnd(40)}${String(n).padStart(6)}`);
if (squawkVersion) {
  log('By rule, squawk:');
  for (const [rule, n] of countBy(sqFindings, (f) => f.rule))
    log(`  ${rule.padEnd(40)}${String(n).padStart(6)}`);
}
log('');

// 4. Ground truth: every dangerous-class statement must be flagged by ours.
const index = (list, classOf) => {
  const m = new Map();
  for (const f of list) {
    const cls = classOf[f.rule];
    if (!cls) continue;
    const k = path.resolve(f.file);
    const arr = m.get(k) ?? [];
    arr.push({ line: f.line, cls });
    m.set(k, arr);
  }
  return m;
};
const ourIdx = index(ourFindings, OUR_CLASS);
const sqIdx = index(sqFindings, SQUAWK_CLASS);
let expectedCount = 0;
const missed = [];
let sqCovered = 0;
const perClass = new Map();
for (const f of files) {
  const k = path.resolve(f.path);
  const mine = ourIdx.get(k) ?? [];
  const theirs = sqIdx.get(k) ?? [];
  const checks = [
    ...f.expected.map((e) => ({ ...e, fileLevel: false })),
    ...f.fileClasses.map((cls) => ({ cls, fileLevel: true })),
  ];
  for (const e of checks) {
    expectedCount += 1;
    const stat = perClass.get(e.cls) ?? { expected: 0, ours: 0, squawk: 0 };
    stat.expected += 1;
    const okOurs = mine.some((x) => x.cls === e.cls && (e.fileLevel || x.line === e.line));
    const okSq = theirs.some(
      (x) => x.cls === e.cls && (e.fileLevel || (x.line >= e.line && x.line <= e.end)),
    );
    if (okOurs) stat.ours += 1;
    else missed.push({ file: f.path, line: e.line, cls: e.cls });
    if (okSq) {
      stat.squawk += 1;
      sqCovered += 1;
    }
    perClass.set(e.cls, stat);
  }
}
log(
  `Ground truth: ${expectedCount} dangerous-class statements (per-file for missing-timeouts) recorded by the generator`,
);
log('  class                         expected    hotfix    squawk');
for (const cls of CLASSES) {
  const s = perClass.get(cls) ?? { expected: 0, ours: 0, squawk: 0 };
  log(
    `  ${cls.padEnd(30)}${String(s.expected).padStart(8)}${String(s.ours).padStart(10)}${squawkVersion ? String(s.squawk).padStart(10) : '         -'}`,
  );
}
log(
  `  hotfix lint flags ${expectedCount - missed.length}/${expectedCount}${squawkVersion ? `; squawk ${sqCovered}/${expectedCount}` : ''}`,
);
for (const m of missed.slice(0, 20)) log(`  MISSED ${m.cls} ${m.file}:${m.line}`);

const summary = {
  files: files.length,
  runs,
  hotfix: {
    ms: oursMs,
    oneFileMs: oursFixed,
    startMs: oursStart,
    loadMs: oursLoad,
    lintMs: oursLint,
    findings: ourFindings.length,
    byClass: Object.fromEntries(ourByClass),
  },
  squawk: squawkVersion
    ? {
        version: squawkVersion,
        ms: sqMs,
        oneFileMs: median(squawkOne),
        viaNodeMs: squawkViaNode.length > 0 ? median(squawkViaNode) : null,
        findings: sqFindings.length,
        byClass: Object.fromEntries(sqByClass),
      }
    : { notRun: squawk.reason },
  ratio,
  groundTruth: {
    expected: expectedCount,
    missedByHotfix: missed.length,
    coveredBySquawk: squawkVersion ? sqCovered : null,
  },
};
if (asJson) console.log(JSON.stringify(summary, null, 2));
if (!keep) rmSync(out, { recursive: true, force: true });
process.exitCode = missed.length > 0 ? 1 : 0;
