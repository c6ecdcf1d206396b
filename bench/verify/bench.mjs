// Verify benchmark: are several environments really checked concurrently?
//
//   npm run build && node bench/verify/bench.mjs [--provider postgresql|sqlite|both] [--runs N] [--json]
//
// Sets up a small real project (the test fixtures: git repository, Prisma 7 through the offline
// schema-engine stand-in, a hotfix deployed to a protected "production" and to "staging", each
// its own database: PostgreSQL on 127.0.0.1:5432 or SQLite files), then times, as fresh
// processes, alternating, --runs times each:
//   hotfix verify --env production
//   hotfix verify --env staging
//   hotfix verify --env production --env staging
// and prints the medians and the ratio two/one (two environments over the mean of one). Each
// run must exit 0 with no error finding, or the bench exits 1. A ratio near 1.0 means the
// second environment costs (almost) nothing; 2.0 would mean they ran one after the other.
// Most of a run is `prisma migrate diff` (the drift check): two of them in parallel need two
// free cores, so the ratio also measures the machine's load (printed with the results).
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const bin = path.join(root, 'bin', 'hotfix.js');
const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(name);
  return i === -1 ? fallback : args[i + 1];
};
const runs = Number(opt('--runs', 5));
const asJson = args.includes('--json');
const providerArg = opt('--provider', 'both');
const providers = providerArg === 'both' ? ['postgresql', 'sqlite'] : [providerArg];
const log = (line = '') => {
  if (!asJson) console.log(line);
};

// The test fixtures are TypeScript: load them through tsx rather than copy them here.
register();
const { createTwoEnvProject } = await import(path.join(root, 'test/support/scenario.ts'));
const { git } = await import(path.join(root, 'test/support/git.ts'));

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/**
 * CPU seconds (user + system) of this process's finished children, from /proc/self/stat
 * (cutime, cstime; Linux only): what a `hotfix` run and its prisma children burned.
 */
function childCpuSeconds() {
  try {
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
    return (Number(fields[13]) + Number(fields[14])) / 100; // fields 16, 17 of proc(5); USER_HZ is 100
  } catch {
    return NaN;
  }
}

function hotfix(dir, env, argv) {
  const cpu0 = childCpuSeconds();
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [bin, ...argv], {
    cwd: dir,
    env: { ...process.env, ...env, NO_COLOR: '1' },
    encoding: 'utf8',
  });
  return { ms: performance.now() - t0, cpuMs: (childCpuSeconds() - cpu0) * 1000, ...r };
}

async function benchProvider(provider) {
  const s = await createTwoEnvProject({ provider, prefix: 'bench_verify' });
  try {
    const dir = s.project.dir;
    const sql = path.join(dir, '..', 'fix.sql');
    writeFileSync(
      sql,
      provider === 'postgresql'
        ? 'CREATE INDEX CONCURRENTLY "User_name_idx" ON "User"("name");\n'
        : 'CREATE INDEX "User_name_idx" ON "User"("name");\n',
    );
    const setup = [
      ['start', 'user-name-idx', '--sql', sql, '--json'],
      null, // fill down.sql
      ['deploy', 'user-name-idx', '--env', 'production', '--yes'],
      ['deploy', 'user-name-idx', '--env', 'staging'],
    ];
    let migration;
    for (const step of setup) {
      if (step === null) {
        writeFileSync(
          path.join(dir, 'prisma/migrations', migration, 'down.sql'),
          provider === 'postgresql'
            ? 'DROP INDEX CONCURRENTLY IF EXISTS "User_name_idx";\n'
            : 'DROP INDEX "User_name_idx";\n',
        );
        git(dir, 'commit', '-qam', 'down.sql');
        continue;
      }
      const r = hotfix(dir, s.env, step);
      if (r.status !== 0) throw new Error(`hotfix ${step.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
      if (step[0] === 'start') migration = JSON.parse(r.stdout).migration.name;
    }
    git(dir, 'checkout', '-q', 'main');
    git(dir, 'merge', '-q', 'hotfix/user-name-idx');
    git(dir, 'branch', 'develop');

    const cases = {
      production: ['verify', '--json', '--env', 'production'],
      staging: ['verify', '--json', '--env', 'staging'],
      both: ['verify', '--json', '--env', 'production', '--env', 'staging'],
    };
    const times = { production: [], staging: [], both: [] };
    const cpu = { production: [], staging: [], both: [] };
    hotfix(dir, s.env, cases.both); // warm the file system cache
    for (let i = 0; i < runs; i++) {
      for (const [name, argv] of Object.entries(cases)) {
        const r = hotfix(dir, s.env, argv);
        const doc = JSON.parse(r.stdout);
        if (r.status !== 0 || !doc.ok)
          throw new Error(`verify (${name}) exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
        times[name].push(r.ms);
        cpu[name].push(r.cpuMs);
      }
    }
    const one = (median(times.production) + median(times.staging)) / 2;
    const two = median(times.both);
    return {
      provider,
      runs,
      productionMs: Math.round(median(times.production)),
      stagingMs: Math.round(median(times.staging)),
      bothMs: Math.round(two),
      sequentialMs: Math.round(median(times.production) + median(times.staging)),
      ratio: Number((two / one).toFixed(2)),
      // CPU burned by the run and its prisma children: two environments cost about twice the
      // CPU of one; the wall time shows how much of it overlapped.
      cpuOneMs: Math.round((median(cpu.production) + median(cpu.staging)) / 2),
      cpuBothMs: Math.round(median(cpu.both)),
    };
  } finally {
    await s.cleanup();
  }
}

const results = [];
const loadBefore = os.loadavg()[0];
for (const provider of providers) {
  log(`${provider}: setting up (two databases, a deployed hotfix)...`);
  const r = await benchProvider(provider);
  results.push(r);
  log(
    `${provider}: one env ${r.productionMs} / ${r.stagingMs} ms, both ${r.bothMs} ms (one after the other would be ~${r.sequentialMs} ms): two/one = ${r.ratio}; CPU one ${r.cpuOneMs} ms, both ${r.cpuBothMs} ms`,
  );
}
const machine = {
  cpus: os.cpus().length,
  loadavg: [Number(loadBefore.toFixed(2)), Number(os.loadavg()[0].toFixed(2))],
  node: process.version,
};
log(
  `(${machine.cpus} CPUs, load average ${machine.loadavg.join(' -> ')}, Node ${machine.node}, medians of ${runs} runs)`,
);
if (asJson) console.log(JSON.stringify({ results, machine }, null, 2));
