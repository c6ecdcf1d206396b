// The benchmark table: every pair measured in the same run, alternating, medians.
//
//   npm run bench            # everything (scale up to 2,000 migrations)
//   npm run bench -- --quick # scale up to 500 migrations
//
// Sections: start-up (against `node -e 0`), overhead (verify --env against the raw prisma calls
// a careful engineer would run for the same answer), environments (three against one), scale
// (generated histories), production impact (pgbench under a plain CREATE INDEX through prisma
// migrate deploy against the hotfix deploy start makes), lint against squawk. Prints one table
// and writes docs/benchmarks.md with the machine and the date. Real PostgreSQL on 127.0.0.1.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const bin = path.join(root, 'bin', 'hotfix.js');
const quick = process.argv.includes('--quick');
const started = Date.now();

register();
const { createTwoEnvProject, PROD_ENV } = await import(path.join(root, 'test/support/scenario.ts'));
const { git } = await import(path.join(root, 'test/support/git.ts'));
const { createPgDatabase, pgQuery } = await import(path.join(root, 'test/support/db.ts'));

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const log = (line) => process.stderr.write(`${line}\n`);

function timed(file, args, opts = {}) {
  const t0 = performance.now();
  const r = spawnSync(file, args, {
    encoding: 'utf8',
    // Lint of 2,000 files prints megabytes: the default 1 MB would kill it (SIGTERM) midway.
    maxBuffer: 1 << 28,
    ...opts,
    env: { ...process.env, NO_COLOR: '1', ...opts.env },
  });
  const ms = performance.now() - t0;
  if (opts.expect !== undefined && !opts.expect.includes(r.status))
    throw new Error(`${path.basename(file)} ${args.join(' ')} exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  return ms;
}

/** Alternates the candidates `runs` times; returns the median of each. */
function alternate(runs, candidates) {
  const times = candidates.map(() => []);
  for (let i = 0; i < runs; i++) candidates.forEach((c, k) => times[k].push(c()));
  return times.map(median);
}

const rows = [];
const row = (section, measure, ours, base, goal) => {
  const ratio = base ? ours / base : null;
  const met = goal === undefined || ratio === null ? '' : ratio <= goal ? 'met' : 'MISSED';
  rows.push({
    section,
    measure,
    ours: Math.round(ours),
    base: base ? Math.round(base) : null,
    ratio,
    goal: goal ?? null,
    met,
  });
  log(
    `  ${measure}: ${Math.round(ours)} ms${base ? ` vs ${Math.round(base)} ms = ${ratio.toFixed(2)}x` : ''} ${met}`,
  );
};

/**
 * What a careful engineer runs by hand for the answer `verify --env` gives: what is applied
 * (`prisma migrate status`), then whether the database drifted from the migrations.
 */
const rawPrisma = (project, dir, env) => () =>
  timed(process.execPath, [project.prismaBin, 'migrate', 'status'], { cwd: dir, env, expect: [0] }) +
  timed(
    process.execPath,
    [
      project.prismaBin,
      'migrate',
      'diff',
      '--from-migrations',
      'prisma/migrations',
      '--to-config-datasource',
      '--exit-code',
    ],
    { cwd: dir, env, expect: [0] },
  );

const hotfix =
  (dir, env, args, expect = [0]) =>
  () =>
    timed(process.execPath, [bin, ...args], { cwd: dir, env, expect });

// ------------------------------------------------------------------------------------------
log('start-up and overhead (PostgreSQL project, a hotfix deployed to both environments)...');
const s = await createTwoEnvProject({ provider: 'postgresql', prefix: 'bench' });
const cleanups = [() => s.cleanup()];
try {
  const dir = s.project.dir;
  const sqlFile = path.join(dir, '..', 'fix.sql');
  writeFileSync(sqlFile, 'CREATE INDEX CONCURRENTLY "User_name_idx" ON "User"("name");\n');
  const run = (args) => {
    const r = spawnSync(process.execPath, [bin, ...args], {
      cwd: dir,
      env: { ...process.env, ...s.env },
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`hotfix ${args.join(' ')}: ${r.stdout}${r.stderr}`);
    return r.stdout;
  };
  const migration = JSON.parse(run(['start', 'name-idx', '--sql', sqlFile, '--json', '--no-schema-check']))
    .migration.name;
  writeFileSync(
    path.join(dir, 'prisma/migrations', migration, 'down.sql'),
    'DROP INDEX CONCURRENTLY IF EXISTS "User_name_idx";\n',
  );
  git(dir, 'commit', '-qam', 'down.sql');
  run(['deploy', 'name-idx', '--env', 'production', '--yes']);
  run(['deploy', 'name-idx', '--env', 'staging']);
  git(dir, 'branch', 'develop', 'main');
  run(['finish', 'name-idx', '--no-bump', '--no-tag']);

  const [node0, help, status] = alternate(11, [
    () => timed(process.execPath, ['-e', '0']),
    hotfix(dir, s.env, ['--help']),
    hotfix(dir, s.env, ['status']),
  ]);
  row('start-up', 'hotfix --help vs node -e 0', help, node0, 2);
  row('start-up', 'hotfix status vs node -e 0', status, node0, 3);

  // The raw prisma calls that give the same answer by hand: what is applied, and is there drift.
  const prisma = s.project.prismaBin;
  const prismaEnv = { ...s.env, DATABASE_URL: s.env[PROD_ENV] };
  const raw = rawPrisma(s.project, dir, prismaEnv);
  const [ours, theirs] = alternate(5, [hotfix(dir, s.env, ['verify', '--env', 'production']), raw]);
  row('overhead', 'verify --env production vs prisma migrate status + migrate diff', ours, theirs, 1.1);

  // A third environment, its own database.
  const qa = await createPgDatabase('bench_qa');
  cleanups.push(() => qa.drop());
  const deployQa = spawnSync(process.execPath, [prisma, 'migrate', 'deploy'], {
    cwd: dir,
    env: { ...s.env, DATABASE_URL: qa.url },
    encoding: 'utf8',
  });
  if (deployQa.status !== 0) throw new Error(deployQa.stderr);
  const configPath = path.join(dir, 'hotfix.config.json');
  const config = JSON.parse(readFileSync(configPath, 'utf8'));
  config.environments.qa = { urlEnv: 'QA_DATABASE_URL' };
  writeFileSync(configPath, `${JSON.stringify(config, null, 2)}\n`);
  git(dir, 'commit', '-qam', 'qa environment');
  const env3 = { ...s.env, QA_DATABASE_URL: qa.url };
  const [one, three] = alternate(5, [
    hotfix(dir, env3, ['verify', '--env', 'production']),
    hotfix(dir, env3, ['verify', '--env', 'production', '--env', 'staging', '--env', 'qa'], [0]),
  ]);
  row('environments', 'verify --env x3 vs --env x1', three, one);
} finally {
  for (const c of cleanups.reverse()) await c();
}

// ------------------------------------------------------------------------------------------
/** A generated history: tables, columns, indexes, foreign keys, CHECKs, renames, backfills. */
function history(n) {
  const out = [];
  for (let i = 0; i < n; i++) {
    const t = `t${Math.floor(i / 5)}`;
    const k = i % 5;
    const sql =
      k === 0
        ? `CREATE TABLE "${t}" ("id" SERIAL NOT NULL, "name" TEXT, "ref" INTEGER, CONSTRAINT "${t}_pkey" PRIMARY KEY ("id"));\n`
        : k === 1
          ? `ALTER TABLE "${t}" ADD COLUMN "c${i}" INTEGER DEFAULT 0;\n`
          : k === 2
            ? `CREATE INDEX "${t}_name_idx" ON "${t}"("name");\n`
            : k === 3
              ? `ALTER TABLE "${t}" ADD CONSTRAINT "${t}_c_check" CHECK ("c${i - 2}" >= 0);\n`
              : `UPDATE "${t}" SET "name" = 'x' WHERE "name" IS NULL;\nALTER TABLE "${t}" RENAME COLUMN "ref" TO "ref_id";\n`;
    out.push({
      name: `2025${String(Math.floor(i / 1000)).padStart(2, '0')}${String(i % 1000).padStart(8, '0')}_m${i}`,
      sql,
    });
  }
  return out;
}

log('scale (generated histories)...');
const scale = {};
const failures = [];
for (const n of quick ? [50, 150, 500] : [50, 150, 500, 2000]) {
  const p = await createTwoEnvProject({ provider: 'postgresql', prefix: `bench_scale_${n}` });
  try {
    const dir = p.project.dir;
    for (const m of history(n)) {
      mkdirSync(path.join(p.project.migrationsDir, m.name));
      writeFileSync(path.join(p.project.migrationsDir, m.name, 'migration.sql'), m.sql);
    }
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', `${n} migrations`);
    const prisma = p.project.prismaBin;
    const prismaEnv = { ...p.env, DATABASE_URL: p.env[PROD_ENV] };
    timed(process.execPath, [prisma, 'migrate', 'deploy'], { cwd: dir, env: prismaEnv, expect: [0] });
    const raw = rawPrisma(p.project, dir, prismaEnv);
    const [offline, status, lint] = alternate(3, [
      hotfix(dir, p.env, ['verify'], [0, 1]),
      hotfix(dir, p.env, ['status']),
      hotfix(dir, p.env, ['lint', 'prisma/migrations'], [0, 1]),
    ]);
    // The drift check is prisma migrate diff; the offline stand-in of Prisma's schema engine
    // (PRISMA-OFFLINE.md) may fail on long histories, and then neither side can be measured.
    let online = null;
    let prismaRaw = null;
    try {
      [online, prismaRaw] = alternate(3, [
        hotfix(dir, p.env, ['verify', '--env', 'production'], [0, 1]),
        raw,
      ]);
    } catch (error) {
      const reason = /Reason: [^\n]*/.exec(String(error.message))?.[0] ?? 'see the log';
      failures.push(
        `verify --env and raw prisma at ${n} migrations: prisma migrate diff fails here (${reason})`,
      );
    }
    scale[n] = { offline, online, status, lint, prismaRaw };
    const ms = (v) => (v === null ? 'n/a' : `${Math.round(v)} ms`);
    log(
      `  ${n} migrations: verify ${ms(offline)}, verify --env ${ms(online)}, status ${ms(status)}, lint ${ms(lint)}, raw prisma ${ms(prismaRaw)}`,
    );
  } finally {
    await p.cleanup();
  }
}
const sizes = Object.keys(scale).map(Number);
for (const what of ['offline', 'online', 'status', 'lint']) {
  const label = { offline: 'verify (offline)', online: 'verify --env', status: 'status', lint: 'lint' }[what];
  // Linear or better: time(n) / time(50) at most n / 50, at the largest size measured for it.
  const n = [...sizes].reverse().find((k) => k > 50 && scale[k][what] !== null);
  if (n)
    row(
      'scale',
      `${label}: ${n} vs 50 migrations (x${n / 50} the files)`,
      scale[n][what],
      scale[50][what],
      n / 50,
    );
}
const withEnv = [...sizes].reverse().find((k) => scale[k].online !== null);
if (withEnv)
  row(
    'scale',
    `verify --env vs raw prisma calls at ${withEnv} migrations`,
    scale[withEnv].online,
    scale[withEnv].prismaRaw,
    2,
  );
for (const f of failures)
  rows.push({
    section: 'scale',
    measure: f,
    ours: null,
    base: null,
    ratio: null,
    goal: null,
    met: 'not measurable here',
  });

// ------------------------------------------------------------------------------------------
log('production impact (5,000,000 rows under a steady write load)...');
const impact = await productionImpact();
row(
  'impact',
  `plain CREATE INDEX via prisma migrate deploy: longest stall ${impact.plain.stallMs} ms, p99 ${impact.plain.p99} ms`,
  impact.plain.stallMs,
);
row(
  'impact',
  `hotfix deploy (CONCURRENTLY, timeouts): longest stall ${impact.hotfix.stallMs} ms, p99 ${impact.hotfix.p99} ms`,
  impact.hotfix.stallMs,
  impact.plain.stallMs,
  1 / 30,
);
rows.at(-1).goalNote = '<= 250 ms and >= 30x shorter';
if (impact.hotfix.stallMs > 250) rows.at(-1).met = 'MISSED';
row(
  'impact',
  `plain CHECK via prisma migrate deploy: longest stall ${impact.plainCheck.stallMs} ms, p99 ${impact.plainCheck.p99} ms`,
  impact.plainCheck.stallMs,
);
row(
  'impact',
  `hotfix deploy (CHECK NOT VALID, then VALIDATE): longest stall ${impact.hotCheck.stallMs} ms, p99 ${impact.hotCheck.p99} ms`,
  impact.hotCheck.stallMs,
  impact.plainCheck.stallMs,
);

async function productionImpact() {
  const p = await createTwoEnvProject({ provider: 'postgresql', prefix: 'bench_impact' });
  const work = mkdtempSync(path.join(os.tmpdir(), 'hotfix-pgbench-'));
  try {
    const url = p.stagingUrl;
    await pgQuery(
      url,
      'CREATE TABLE big (id bigserial PRIMARY KEY, a integer NOT NULL DEFAULT 0, b integer NOT NULL DEFAULT 0)',
    );
    await pgQuery(url, 'INSERT INTO big (a, b) SELECT g % 1000, g % 777 FROM generate_series(1, 5000000) g');
    await pgQuery(url, 'ANALYZE big');
    writeFileSync(
      path.join(work, 'load.sql'),
      '\\set id random(1, 5000000)\nUPDATE big SET a = a + 1 WHERE id = :id;\nINSERT INTO big (a, b) VALUES (1, 1);\n',
    );
    const u = new URL(url);
    const underLoad = async (fn) => {
      const tag = `run${Date.now()}`;
      const bench = spawn(
        'pgbench',
        [
          '-n',
          '-c',
          '2',
          '-T',
          '600',
          '-R',
          '200',
          '-f',
          'load.sql',
          '-l',
          '--log-prefix',
          tag,
          '-h',
          u.hostname,
          '-p',
          u.port || '5432',
          '-U',
          u.username,
          u.pathname.slice(1),
        ],
        { cwd: work, stdio: 'ignore' },
      );
      await new Promise((r) => setTimeout(r, 2000));
      const t0 = Date.now();
      await fn();
      const took = Date.now() - t0;
      await new Promise((r) => setTimeout(r, 2000));
      bench.kill('SIGINT');
      await new Promise((r) => bench.on('exit', r));
      // Per-transaction log: client, tx, latency (us), script, epoch s, epoch us. A stall is the
      // longest latency (with -R, latency includes the wait behind the lock).
      const lat = [];
      for (const f of spawnSync('ls', [work], { encoding: 'utf8' })
        .stdout.split('\n')
        .filter((x) => x.startsWith(tag))) {
        for (const line of readFileSync(path.join(work, f), 'utf8').split('\n')) {
          const parts = line.trim().split(/\s+/);
          if (parts.length >= 6) lat.push(Number(parts[2]) / 1000);
        }
      }
      lat.sort((a, b) => a - b);
      return {
        stallMs: Math.round(lat.at(-1) ?? 0),
        p99: Number((lat[Math.floor(lat.length * 0.99)] ?? 0).toFixed(1)),
        tx: lat.length,
        tookMs: took,
      };
    };
    // (a) what prisma migrate deploy runs when the migration says CREATE INDEX.
    const plainDir = path.join(p.project.migrationsDir, '20990101000000_plain_index');
    mkdirSync(plainDir);
    writeFileSync(path.join(plainDir, 'migration.sql'), 'CREATE INDEX "big_a_idx" ON big (a);\n');
    const plain = await underLoad(async () =>
      timed(process.execPath, [p.project.prismaBin, 'migrate', 'deploy'], {
        cwd: p.project.dir,
        env: { ...p.env, DATABASE_URL: url },
        expect: [0],
      }),
    );
    rmSync(plainDir, { recursive: true });
    await pgQuery(url, 'DROP INDEX big_a_idx');
    await pgQuery(url, "DELETE FROM _prisma_migrations WHERE migration_name = '20990101000000_plain_index'");
    // (b) the same index as hotfix start writes it (CONCURRENTLY, alone, timeouts), deployed.
    const sqlFile = path.join(work, 'idx.sql');
    writeFileSync(sqlFile, 'CREATE INDEX "big_b_idx" ON big (b);\n');
    const r = spawnSync(
      process.execPath,
      [bin, 'start', 'big-idx', '--sql', sqlFile, '--no-schema-check', '--json'],
      { cwd: p.project.dir, env: { ...process.env, ...p.env }, encoding: 'utf8' },
    );
    if (r.status !== 0) throw new Error(r.stdout + r.stderr);
    const hot = await underLoad(async () =>
      timed(process.execPath, [bin, 'deploy', 'big-idx', '--env', 'staging'], {
        cwd: p.project.dir,
        env: p.env,
        expect: [0],
      }),
    );
    // A CHECK the same two ways: plain (validated under ACCESS EXCLUSIVE, every write waits for
    // the scan), and as start writes it (NOT VALID, then VALIDATE in a second part).
    git(p.project.dir, 'checkout', '-q', 'main');
    git(p.project.dir, 'merge', '-q', 'hotfix/big-idx');
    const checkDir = path.join(p.project.migrationsDir, '20990101000001_plain_check');
    mkdirSync(checkDir);
    writeFileSync(
      path.join(checkDir, 'migration.sql'),
      'ALTER TABLE big ADD CONSTRAINT big_a_check CHECK (a >= 0);\n',
    );
    git(p.project.dir, 'add', '-A');
    git(p.project.dir, 'commit', '-qm', 'plain check');
    const plainCheck = await underLoad(async () =>
      timed(process.execPath, [p.project.prismaBin, 'migrate', 'deploy'], {
        cwd: p.project.dir,
        env: { ...p.env, DATABASE_URL: url },
        expect: [0],
      }),
    );
    await pgQuery(url, 'ALTER TABLE big DROP CONSTRAINT big_a_check');
    const checkFile = path.join(work, 'check.sql');
    writeFileSync(checkFile, 'ALTER TABLE big ADD CONSTRAINT big_b_check CHECK (b >= 0);\n');
    const c = spawnSync(
      process.execPath,
      [bin, 'start', 'big-check', '--sql', checkFile, '--no-schema-check', '--json'],
      { cwd: p.project.dir, env: { ...process.env, ...p.env }, encoding: 'utf8' },
    );
    if (c.status !== 0) throw new Error(c.stdout + c.stderr);
    const hotCheck = await underLoad(async () =>
      timed(process.execPath, [bin, 'deploy', 'big-check', '--env', 'staging', '--include-pending'], {
        cwd: p.project.dir,
        env: p.env,
        expect: [0],
      }),
    );
    return { plain, hotfix: hot, plainCheck, hotCheck };
  } finally {
    rmSync(work, { recursive: true, force: true });
    await p.cleanup();
  }
}

// ------------------------------------------------------------------------------------------
log('lint against squawk (568 generated migration files)...');
const lintRun = spawnSync(process.execPath, [path.join(here, 'lint/bench.mjs'), '--json', '--runs', '3'], {
  encoding: 'utf8',
});
try {
  const l = JSON.parse(lintRun.stdout);
  if (l.squawk?.ms)
    row(
      'lint',
      `hotfix lint vs squawk ${l.squawk.version}, ${l.files} files (findings ${l.hotfix.findings} vs ${l.squawk.findings})`,
      l.hotfix.ms,
      l.squawk.ms,
      2,
    );
  else log(`  squawk did not run: ${JSON.stringify(l.squawk)}`);
} catch {
  log(`  lint bench failed: ${lintRun.stderr.slice(-500)}`);
}

// ------------------------------------------------------------------------------------------
const machine = `${os.cpus().length} x ${os.cpus()[0]?.model ?? 'CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, load ${os.loadavg()[0].toFixed(2)}`;
const header =
  '| section | measure | hotfix (ms) | baseline (ms) | ratio | goal | |\n| --- | --- | ---: | ---: | ---: | ---: | --- |';
const table = [
  header,
  ...rows.map(
    (r) =>
      `| ${r.section} | ${r.measure} | ${r.ours ?? ''} | ${r.base ?? ''} | ${r.ratio === null ? '' : `${r.ratio.toFixed(2)}x`} | ${r.goalNote ?? (r.goal === null ? '' : `<= ${Number(r.goal.toFixed(3))}x`)} | ${r.met} |`,
  ),
].join('\n');
console.log(table);
console.log(
  `\n${machine}; ${new Date().toISOString()}; ${Math.round((Date.now() - started) / 1000)} s${quick ? ' (--quick)' : ''}`,
);
const docs = path.join(root, 'docs', 'benchmarks.md');
const notes = readFileSync(docs, 'utf8').split('<!-- results -->');
writeFileSync(
  docs,
  `${notes[0]}<!-- results -->\nMeasured ${new Date().toISOString().slice(0, 10)} on ${machine}${quick ? ' (--quick)' : ''}, in ${Math.round((Date.now() - started) / 1000)} s:\n\n${table}\n<!-- results -->${notes[2] ?? ''}`,
);
