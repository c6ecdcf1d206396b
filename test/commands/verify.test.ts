// hotfix verify's decisions, in-process on fakes of the ports: each finding from the state that
// produces it (the ledger, the files, git, `_prisma_migrations`), its severity, fix and exit
// code, and the error documents. What needs the real thing (drift computed by prisma migrate
// diff, a database's own error in a failed row's logs, connection failures) is tested end to
// end: test/e2e/verify-postgres.test.ts, verify-sqlite.test.ts.
import { beforeAll, describe, expect, test } from 'vitest';
import { z } from 'zod';
import { infraError } from '../../src/core/errors.js';
import { parseAnnotations } from '../support/github-commands.js';
import { fakeProject, INIT, rowStates, startWithSql, type FakeProject } from '../support/fakes/index.js';

const codeQualityIssue = z.strictObject({
  description: z.string().min(1),
  check_name: z.string(),
  fingerprint: z.string().min(1),
  severity: z.enum(['info', 'minor', 'major', 'critical', 'blocker']),
  location: z.strictObject({ path: z.string(), lines: z.strictObject({ begin: z.number().int().min(1) }) }),
});

interface Finding {
  code: string;
  severity: string;
  env: string | null;
  migration: string | null;
  hotfix: string | null;
  message: string;
  fix: string | null;
  details?: Record<string, unknown>;
}

/** `hotfix verify --json ...`: the document, its findings, and `codes` as "severity CODE env", sorted. */
async function verify(fx: FakeProject, args: string[], env?: Record<string, string | undefined>) {
  const r = await fx.run(['verify', '--json', ...args], env);
  expect(r.json, `verify printed no JSON (exit ${r.exitCode}):\n${r.stdout}\n${r.stderr}`).toBeDefined();
  const findings = (r.json.findings ?? []) as Finding[];
  return {
    ...r,
    doc: r.json,
    findings,
    codes: findings.map((f) => `${f.severity} ${f.code} ${f.env ?? '-'}`).sort(),
  };
}

/** git checkout <into> && git merge <branch>, as a person merges a hotfix back. */
async function mergeInto(fx: FakeProject, into: string, branch: string) {
  await fx.git.checkout(into);
  expect((await fx.git.merge(branch, `Merge ${branch}`)).merged).toBe(true);
}

describe.sequential('a hotfix deployed everywhere (verify-postgres)', () => {
  let fx: FakeProject;
  let migration: string;
  const sqlFile = () => `prisma/migrations/${migration}/migration.sql`;

  beforeAll(async () => {
    fx = fakeProject();
    migration = await startWithSql(
      fx,
      'user-name-idx',
      'CREATE INDEX CONCURRENTLY "User_name_idx" ON "User"("name");\n',
      'DROP INDEX CONCURRENTLY IF EXISTS "User_name_idx";\n',
    );
    for (const env of ['production', 'staging']) {
      const r = await fx.run(['deploy', 'user-name-idx', '--env', env, '--yes']);
      expect(r.exitCode, r.stderr).toBe(0);
    }
  });

  test('a production hotfix not merged back: a warning (exit 0), an error with --strict (exit 1)', async () => {
    const r = await verify(fx, []);
    expect(r.exitCode, r.stdout).toBe(0);
    expect(r.doc.ok).toBe(true);
    expect(r.codes).toEqual(['warning HOTFIX_NOT_MERGED -']);
    expect(r.findings[0]).toMatchObject({
      hotfix: 'user-name-idx',
      migration,
      message: expect.stringContaining('main and develop do not have its migration'),
      fix: 'git checkout main && git merge hotfix/user-name-idx; git checkout develop && git merge hotfix/user-name-idx',
    });
    const strict = await verify(fx, ['--strict']);
    expect(strict.exitCode).toBe(1);
    expect(strict.codes).toEqual(['error HOTFIX_NOT_MERGED -']);
  });

  test('merged back into main and develop, the project is clean: exit 0 offline and with both environments', async () => {
    await mergeInto(fx, 'main', 'hotfix/user-name-idx');
    await mergeInto(fx, 'develop', 'main');
    await fx.git.checkout('main');
    const offline = await verify(fx, []);
    expect(offline.exitCode, offline.stdout).toBe(0);
    expect(offline.findings).toEqual([]);

    const online = await fx.run(['verify', '--env', 'production', '--env', 'staging']);
    expect(online.exitCode, online.stdout + online.stderr).toBe(0);
    expect(online.stdout).toMatch(
      /production +prod\.internal:5432\/app: 2 applied, 0 pending, 0 failed, drift: none/,
    );
    expect(online.stdout).toMatch(
      /staging +staging\.internal:5432\/app: 2 applied, 0 pending, 0 failed, drift: none/,
    );
    expect(online.stdout).toContain('✔ hotfix verify passed: 0 errors, 0 warnings, 0 info');
  });

  test('migration.sql edited after start and after it was applied; a CRLF-only change is neither', async () => {
    const original = fx.read(sqlFile())!;
    fx.write(sqlFile(), `${original}-- and one more thing\n`);
    const edited = await verify(fx, ['--env', 'production']);
    expect(edited.exitCode).toBe(1);
    expect(edited.codes).toEqual(['error CHECKSUM_MISMATCH production', 'error HOTFIX_MIGRATION_EDITED -']);
    const mismatch = edited.findings.find((f) => f.code === 'CHECKSUM_MISMATCH')!;
    expect(mismatch).toMatchObject({
      migration,
      hotfix: 'user-name-idx',
      fix: expect.stringContaining('git log -p'),
    });
    expect(mismatch.details!.recorded).not.toBe(mismatch.details!.actual);
    fx.write(sqlFile(), original);

    const init = `prisma/migrations/${INIT}/migration.sql`;
    const initText = fx.read(init)!;
    for (const file of [sqlFile(), init]) fx.write(file, fx.read(file)!.replaceAll('\n', '\r\n'));
    const crlf = await verify(fx, ['--env', 'production']);
    expect(crlf.exitCode, crlf.stdout).toBe(0);
    expect(crlf.findings).toEqual([]);
    fx.write(sqlFile(), original);
    fx.write(init, initText);
    expect(await fx.git.dirtyPaths()).toEqual([]);
  });

  test('a migration folder deleted while applied: drift then cannot be computed, and says so', async () => {
    fx.prod.row('20990101000000_add_nickname', 'ALTER TABLE "User" ADD COLUMN "nickname" TEXT;\n');
    const calls = fx.prisma.calls.length;
    try {
      const r = await verify(fx, ['--env', 'production']);
      expect(r.exitCode).toBe(1);
      expect(r.codes).toEqual([
        'error APPLIED_MIGRATION_MISSING production',
        'info DRIFT_NOT_COMPUTABLE production',
      ]);
      expect(r.findings[0]).toMatchObject({ migration: '20990101000000_add_nickname' });
      // Nothing to compare: prisma was not asked.
      expect(fx.prisma.calls.slice(calls)).toEqual([]);
    } finally {
      fx.prod.rows = fx.prod.rows!.filter((row) => row.migrationName !== '20990101000000_add_nickname');
    }
  });
});

describe('a failed hotfix (verify-postgres)', () => {
  let fx: FakeProject;
  beforeAll(async () => {
    fx = fakeProject();
    const migration = await startWithSql(fx, 'bad-fix', 'UPDATE "User" SET "nope" = 1 WHERE "id" < 0;\n');
    fx.staging.failOn = {
      migration,
      databaseCode: '42703',
      message: 'column "nope" of relation "User" does not exist',
    };
    const deployed = await fx.run(['deploy', 'bad-fix', '--env', 'staging']);
    expect(deployed.exitCode, deployed.stderr).toBe(1);
    fx.staging.failOn = undefined;
    expect(rowStates(fx.staging, migration)).toEqual(['failed']);
  });

  test('a failed hotfix migration and an unfilled down.sql', async () => {
    const r = await verify(fx, ['--env', 'staging']);
    expect(r.exitCode).toBe(1);
    // start wrote the timeouts preamble, so the lint has nothing to add about the UPDATE.
    expect(r.codes).toEqual(['error HOTFIX_DOWN_TEMPLATE -', 'error MIGRATION_FAILED staging']);
    expect(r.findings.find((f) => f.code === 'MIGRATION_FAILED')).toMatchObject({
      hotfix: 'bad-fix',
      fix: expect.stringContaining('hotfix rollback bad-fix --env staging'),
    });
    expect(r.findings.find((f) => f.code === 'HOTFIX_DOWN_TEMPLATE')).toMatchObject({ hotfix: 'bad-fix' });
  });

  test('exit 4 when prisma is missing (drift needs it); the database checks still report', async () => {
    fx.ports.prisma = () =>
      Promise.reject(
        infraError('PRISMA_MISSING', 'No prisma CLI found for /repo.', { hint: 'npm install prisma' }),
      );
    try {
      const r = await verify(fx, ['--env', 'staging']);
      expect(r.exitCode).toBe(4);
      expect(r.codes).toContain('error PRISMA_MISSING staging');
      expect(r.codes).toContain('error MIGRATION_FAILED staging');
    } finally {
      fx.ports.prisma = () => Promise.resolve(fx.prisma);
    }
  });
});

describe.sequential('a hotfix started from a template (verify-sqlite)', () => {
  let fx: FakeProject;
  let migration: string;
  const folder = () => `prisma/migrations/${migration}`;

  beforeAll(async () => {
    fx = fakeProject();
    const started = await fx.run(['start', 'fix-orphans', '--json']);
    expect(started.exitCode, started.stderr).toBe(0);
    migration = started.json.migration.name;
  });

  test('unfilled migration.sql and down.sql fail the gate', async () => {
    const r = await verify(fx, []);
    expect(r.exitCode).toBe(1);
    expect(r.codes).toEqual(['error HOTFIX_DOWN_TEMPLATE -', 'error HOTFIX_MIGRATION_TEMPLATE -']);
  });

  test('filled in, deployed and merged: an info says it is unpinned, not "edited after start"', async () => {
    fx.write(
      `${folder()}/migration.sql`,
      // The timeout PostgreSQL's lint asks for before a DELETE (the SQLite original had none to set).
      `SET statement_timeout = '60s';\nDELETE FROM "Post" WHERE "authorId" NOT IN (SELECT "id" FROM "User");\n`,
    );
    fx.write(
      `${folder()}/down.sql`,
      '-- The deleted rows cannot come back by SQL: they are in the 02:05 backup (orphans.csv).\nSELECT 1;\n',
    );
    fx.write(
      `${folder()}/verify.sql`,
      'SELECT "id" FROM "Post" WHERE "authorId" NOT IN (SELECT "id" FROM "User");\n',
    );
    fx.git.commitAll('write the fix');
    for (const env of ['production', 'staging']) {
      const r = await fx.run(['deploy', 'fix-orphans', '--env', env, '--yes']);
      expect(r.exitCode, r.stderr).toBe(0);
    }
    await mergeInto(fx, 'main', 'hotfix/fix-orphans');
    fx.git.branches.set('develop', fx.git.branches.get('main')!);
    const r = await verify(fx, ['--env', 'production', '--env', 'staging']);
    expect(r.exitCode, r.stdout).toBe(0);
    expect(r.codes).toEqual(['info HOTFIX_MIGRATION_UNPINNED -']);
    expect(
      r.doc.checked.envs.map((e: { name: string; applied: number; pending: number }) => [
        e.name,
        e.applied,
        e.pending,
      ]),
    ).toEqual([
      ['production', 2, 0],
      ['staging', 2, 0],
    ]);
  });

  test('the ledger says deployed but _prisma_migrations lost the row', async () => {
    const rows = fx.staging.rows!;
    fx.staging.rows = rows.filter((r) => r.migrationName !== migration);
    try {
      const r = await verify(fx, ['--env', 'staging']);
      expect(r.exitCode).toBe(1);
      expect(r.codes).toEqual([
        'error LEDGER_DB_MISMATCH staging',
        'info HOTFIX_MIGRATION_UNPINNED -',
        'warning MIGRATION_PENDING staging',
      ]);
      expect(r.findings.find((f) => f.code === 'LEDGER_DB_MISMATCH')).toMatchObject({
        hotfix: 'fix-orphans',
        migration,
        message: expect.stringContaining('the ledger says deployed'),
      });
    } finally {
      fx.staging.rows = rows;
    }
  });

  test('rolled forward on production by hotfix rollback: its revert migration is checked too', async () => {
    await fx.git.checkout('hotfix/fix-orphans');
    const rolled = await fx.run(['rollback', 'fix-orphans', '--env', 'production', '--everywhere', '--yes']);
    expect(rolled.exitCode, rolled.stdout + rolled.stderr).toBe(0);
    await fx.git.checkout('main');
    // main's working tree has the older ledger; the hotfix branch's copy (rolled-forward) wins.
    // The revert migration is applied on production but only on the hotfix branch so far.
    const before = await verify(fx, ['--env', 'production', '--env', 'staging']);
    expect(before.exitCode).toBe(1);
    expect(before.codes).toEqual([
      'error APPLIED_MIGRATION_MISSING production',
      'info DRIFT_NOT_COMPUTABLE production',
      'info HOTFIX_MIGRATION_UNPINNED -',
    ]);
    expect(before.findings[0]).toMatchObject({
      hotfix: 'fix-orphans',
      fix: 'Merge it back: git merge hotfix/fix-orphans',
    });

    expect((await fx.git.merge('hotfix/fix-orphans', 'Merge hotfix/fix-orphans')).merged).toBe(true);
    const r = await verify(fx, ['--env', 'production', '--env', 'staging']);
    expect(r.exitCode, r.stdout).toBe(0);
    // The rollback was for every environment: staging's pending revert is that rollback, not news.
    expect(r.codes).toEqual(['info HOTFIX_MIGRATION_UNPINNED -', 'warning ROLLBACK_IN_PROGRESS staging']);
    expect(r.findings.find((f) => f.code === 'ROLLBACK_IN_PROGRESS')).toMatchObject({
      hotfix: 'fix-orphans',
      migration: expect.stringMatching(/^\d{14}_revert_fix_orphans$/),
      fix: 'Deploy the revert here now: hotfix rollback fix-orphans --env staging --everywhere',
    });
  });

  test('exit 2: unknown environment, missing URL, bad flag; --json prints one error document', async () => {
    const unknown = await verify(fx, ['--env', 'qa']);
    expect(unknown.exitCode).toBe(2);
    expect(unknown.doc).toMatchObject({ ok: false, error: { code: 'UNKNOWN_ENV' } });
    const missing = await verify(fx, ['--env', 'staging'], { STAGING_DATABASE_URL: '' });
    expect(missing.exitCode).toBe(2);
    expect(missing.doc).toMatchObject({ ok: false, error: { code: 'MISSING_URL' } });
    expect((await fx.run(['verify', '--nope'])).exitCode).toBe(2);
  });

  test('exit 3: an unreadable ledger', async () => {
    fx.write('.hotfix/broken.json', '{"schemaVersion": 1,');
    try {
      const r = await verify(fx, []);
      expect(r.exitCode).toBe(3);
      expect(r.doc).toMatchObject({
        ok: false,
        error: { code: 'LEDGER_CORRUPT', details: { path: '.hotfix/broken.json' } },
      });
    } finally {
      await fx.files.remove(`${fx.dir}/.hotfix/broken.json`);
    }
  });
});

describe('verify on a Prisma 6.19 project', () => {
  test('drift cannot be computed there: an info per environment says so instead of passing silently', async () => {
    const fx = fakeProject();
    fx.prisma.version = '6.19.3';
    fx.prisma.major = 6;
    const r = await verify(fx, ['--env', 'production', '--env', 'staging']);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(r.findings.map((f) => `${f.severity} ${f.code} ${f.env}`)).toEqual([
      'info DRIFT_NOT_COMPUTABLE production',
      'info DRIFT_NOT_COMPUTABLE staging',
    ]);
    expect(r.findings[0]!.message).toMatch(/Prisma 6\.\d+\.\d+ can compare a migrations folder/);
    expect(
      r.doc.checked.envs.map((e: { name: string; applied: number; drift: string }) => [
        e.name,
        e.applied,
        e.drift,
      ]),
    ).toEqual([
      ['production', 1, 'not-computable'],
      ['staging', 1, 'not-computable'],
    ]);
    expect(fx.prisma.calls).toEqual([]);
  });
});

describe('a hotfix that creates a table (fix-redeploy-postgres)', () => {
  test('its down.sql drops it: the expected reverse, not a finding; offline verify exits 0', async () => {
    const fx = fakeProject();
    await startWithSql(
      fx,
      'audit-log',
      `CREATE TABLE "AuditLog" ("id" SERIAL NOT NULL, "userId" INTEGER NOT NULL, "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP, CONSTRAINT "AuditLog_pkey" PRIMARY KEY ("id"));\nUPDATE "User" SET "nope" = 1 WHERE "id" < 0;\n`,
      'DROP TABLE "AuditLog";\n',
    );
    const r = await verify(fx, []);
    expect(r.exitCode, r.stdout).toBe(0);
    expect(r.codes.filter((c) => c.startsWith('error'))).toEqual([]);
  });
});

describe('CI formats, for a project in a folder of its repository (verify-ci)', () => {
  const sub = 'services/api';
  let fx: FakeProject;
  let migration: string;

  beforeAll(async () => {
    fx = fakeProject({ sub });
    // A hotfix started from the template, its migration.sql then written with a lint error on
    // line 3 (start would have refused it from --sql), and down.sql left a template.
    const r = await fx.run(['start', 'fix-orphans', '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    migration = r.json.migration.name;
    fx.write(
      `prisma/migrations/${migration}/migration.sql`,
      '-- orphaned posts, 02:05\n\nDELETE FROM "Post";\n',
    );
    fx.git.commitAll('the fix');
  });

  test('gitlab: a code-quality report with the same findings', async () => {
    const json = await fx.run(['verify', '--json', '--env', 'staging']);
    const r = await fx.run(['verify', '--format', 'gitlab', '--env', 'staging']);
    expect(r.exitCode).toBe(1);
    const report = z.array(codeQualityIssue).parse(r.json);
    const findings = json.json.findings as { code: string; severity: string }[];
    expect(report.map((i) => [i.check_name, i.severity])).toEqual(
      findings.map((f) => [f.code, { error: 'major', warning: 'minor', info: 'info' }[f.severity]]),
    );
    expect(report.find((i) => i.check_name === 'LINT_ERROR')).toMatchObject({
      severity: 'major',
      location: { path: `${sub}/prisma/migrations/${migration}/migration.sql`, lines: { begin: 3 } },
    });
    expect(report.find((i) => i.check_name === 'MIGRATION_PENDING')).toMatchObject({
      location: { path: `${sub}/prisma/migrations/${migration}/migration.sql` },
    });
  });

  test('the exit code is the same in every format: 1 with error findings, 2 for a typo', async () => {
    const formats = [
      ['--format', 'text'],
      ['--format', 'json'],
      ['--json'],
      ['--format', 'github'],
      ['--format', 'gitlab'],
    ];
    const runs = async (args: string[]) => {
      const out = [];
      for (const f of formats) out.push(await fx.run(['verify', ...f, ...args]));
      return out;
    };
    expect((await runs([])).map((r) => r.exitCode)).toEqual([1, 1, 1, 1, 1]);
    const typo = await runs(['--env', 'stagign']);
    expect(typo.map((r) => r.exitCode)).toEqual([2, 2, 2, 2, 2]);
    // Even then, each format's document: the annotation and the report say what to do.
    expect(parseAnnotations(typo[3]!.stdout)[0]!.message).toContain('Did you mean "staging"?');
    expect(z.array(codeQualityIssue).parse(typo[4]!.json)[0]!.severity).toBe('blocker');
  });
});
