// The pure half of hotfix verify: checksums as Prisma compares them, folder names, the lock file,
// hotfix files against the ledger, one environment's _prisma_migrations against the folder and
// the ledger, --strict and the exit code.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/index.js';
import type { EnvStatus, LedgerEvent } from '../../src/core/ledger.js';
import { downTemplate, migrationTemplate } from '../../src/core/templates.js';
import { checksumMatches } from '../../src/core/checksum.js';
import {
  applyStrict,
  checkEnvironment,
  checkHotfixFiles,
  checkLockFile,
  checkMigrationFolders,
  finding,
  schemaProvider,
  verifyExitCode,
  type EnvFacts,
  type HotfixFacts,
  type RowFacts,
} from '../../src/core/verify/index.js';
import { initRepo } from '../support/git.js';

const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const codes = (findings: { code: string }[]) => findings.map((f) => f.code).sort();

describe('checksumMatches (Prisma schema engine rule)', () => {
  const lf = 'CREATE INDEX "a" ON "T"("x");\nSELECT 1;\n';
  const crlf = lf.replaceAll('\n', '\r\n');

  it('accepts a CRLF-only difference both ways', () => {
    expect(checksumMatches(lf, sha(lf))).toBe(true);
    expect(checksumMatches(crlf, sha(lf))).toBe(true);
    expect(checksumMatches(lf, sha(crlf))).toBe(true);
  });

  it('rejects any other difference, including a trailing newline', () => {
    expect(checksumMatches(`${lf}-- edited\n`, sha(lf))).toBe(false);
    expect(checksumMatches(lf.trimEnd(), sha(lf))).toBe(false);
  });

  it("accepts old engines' checksums that were not zero-padded", () => {
    // Find a script whose digest has a byte below 0x10, as the old formatter dropped its zero.
    let script = '';
    for (let i = 0; ; i++) {
      script = `SELECT ${i};\n`;
      if (
        createHash('sha256')
          .update(script)
          .digest()
          .some((b) => b < 16)
      )
        break;
    }
    const old = [...createHash('sha256').update(script).digest()].map((b) => b.toString(16)).join('');
    expect(old.length).toBeLessThan(64);
    expect(checksumMatches(script, old)).toBe(true);
    expect(checksumMatches(`${script} `, old)).toBe(false);
  });
});

describe('migration folders and the lock file', () => {
  it('names must be <UTC timestamp>_<name> with a real date, timestamps unique, migration.sql present', () => {
    const found = checkMigrationFolders(
      [
        { name: '20240101000000_init', sql: 'x' },
        { name: '20241301000000_bad_month', sql: 'x' },
        { name: 'add_users', sql: 'x' },
        { name: '20240202000000_a', sql: 'x' },
        { name: '20240202000000_b', sql: 'x' },
        { name: '20240303000000_empty', sql: undefined },
      ],
      'prisma/migrations',
    );
    expect(found.map((f) => [f.code, f.migration, f.severity])).toEqual([
      ['MIGRATION_NAME_INVALID', '20241301000000_bad_month', 'warning'],
      ['MIGRATION_NAME_INVALID', 'add_users', 'warning'],
      ['MIGRATION_SQL_MISSING', '20240303000000_empty', 'error'],
      ['MIGRATION_ORDER_AMBIGUOUS', '20240202000000_a', 'warning'],
    ]);
  });

  it('reads the datasource provider and compares it with migration_lock.toml', () => {
    const schema =
      'generator g {\n provider = "prisma-client"\n}\n\ndatasource db {\n  provider = "sqlite"\n}\n';
    expect(schemaProvider([schema])).toBe('sqlite');
    expect(schemaProvider(['model A { id Int @id }'])).toBeUndefined();
    const lock = (p: string) => `# Please do not edit\nprovider = "${p}"\n`;
    expect(checkLockFile(lock('sqlite'), 'sqlite', 'm', 's')).toEqual([]);
    expect(checkLockFile(lock('postgres'), 'postgresql', 'm', 's')).toEqual([]);
    expect(codes(checkLockFile(lock('postgresql'), 'sqlite', 'm', 's'))).toEqual(['LOCK_PROVIDER_MISMATCH']);
    expect(codes(checkLockFile(undefined, 'sqlite', 'm', 's'))).toEqual(['LOCK_FILE_MISSING']);
  });
});

describe('hotfix files against the ledger', () => {
  const sql = 'CREATE INDEX CONCURRENTLY "i" ON "T"("x");\n';
  const facts = (over: Partial<HotfixFacts>): HotfixFacts => ({
    name: 'fix',
    migration: '20261121100000_fix',
    branch: 'hotfix/fix',
    source: 'sql-file',
    checksum: sha(sql),
    dir: 'prisma/migrations/20261121100000_fix',
    where: 'prisma/migrations/20261121100000_fix',
    sql,
    down: 'DROP INDEX CONCURRENTLY "i";\n',
    ...over,
  });

  it('clean, and a CRLF checkout is not an edit', () => {
    expect(checkHotfixFiles(facts({}))).toEqual([]);
    expect(checkHotfixFiles(facts({ sql: sql.replaceAll('\n', '\r\n') }))).toEqual([]);
  });

  it('an edit after start, a missing migration, missing or template down.sql', () => {
    expect(codes(checkHotfixFiles(facts({ sql: `${sql}DROP TABLE "T";\n` })))).toEqual([
      'HOTFIX_MIGRATION_EDITED',
    ]);
    expect(codes(checkHotfixFiles(facts({ sql: undefined, down: undefined })))).toEqual([
      'HOTFIX_DOWN_MISSING',
      'HOTFIX_MIGRATION_MISSING',
    ]);
    expect(codes(checkHotfixFiles(facts({ down: downTemplate('fix', 'why') })))).toEqual([
      'HOTFIX_DOWN_TEMPLATE',
    ]);
  });

  it('the revert migration of a roll-forward is pinned by the checksum hotfix rollback recorded', () => {
    const revertSql = 'DROP INDEX CONCURRENTLY "i";\n';
    const revert = (text: string) => ({
      migration: '20261122000000_revert_fix',
      checksum: sha(revertSql),
      sql: text,
    });
    expect(checkHotfixFiles(facts({ revert: revert(revertSql) }))).toEqual([]);
    const edited = checkHotfixFiles(facts({ revert: revert(`${revertSql}SELECT 1;\n`) }));
    expect(edited.map((f) => [f.code, f.migration, f.fix])).toEqual([
      [
        'HOTFIX_MIGRATION_EDITED',
        '20261122000000_revert_fix',
        expect.stringContaining('git log -p -- prisma/migrations/20261122000000_revert_fix/migration.sql'),
      ],
    ]);
  });

  it('a hotfix rolled back everywhere may have had its folder removed', () => {
    expect(checkHotfixFiles(facts({ sql: undefined, down: undefined, rolledBackEverywhere: true }))).toEqual(
      [],
    );
  });

  it('a template: unfilled is an error; filled is not "edited" (its checksum was the template\'s) but says it is unpinned', () => {
    const template = migrationTemplate('fix');
    const started = { source: 'template', checksum: sha(template) };
    expect(codes(checkHotfixFiles(facts({ ...started, sql: template })))).toEqual([
      'HOTFIX_MIGRATION_TEMPLATE',
    ]);
    const filled = checkHotfixFiles(facts({ ...started, sql }));
    expect(filled.map((f) => [f.code, f.severity])).toEqual([['HOTFIX_MIGRATION_UNPINNED', 'info']]);
  });
});

describe('one environment', () => {
  const event = (type: LedgerEvent['type'], command: string): LedgerEvent => ({
    seq: 3,
    type,
    at: '2026-11-21T10:00:00.000Z',
    actor: 'oncall@example.com',
    command,
    outcome: type === 'intent' ? 'pending' : 'ok',
    env: { name: 'staging', fingerprint: '0123456789ab' },
  });
  const ledgerState = (state: EnvStatus['state'], type: LedgerEvent['type'], command: string): EnvStatus => ({
    name: 'staging',
    fingerprint: '0123456789ab',
    state,
    lastEvent: event(type, command),
  });
  const init = 'CREATE TABLE "T" ("x" TEXT);\n';
  const fix = 'CREATE INDEX "i" ON "T"("x");\n';
  const row = (
    name: string,
    sql: string,
    state: 'applied' | 'failed' | 'rolled-back' = 'applied',
  ): RowFacts => ({
    migrationName: name,
    checksum: sha(sql),
    finishedAt: state === 'applied' ? '2026-11-21T10:00:00.000Z' : null,
    rolledBackAt: state === 'rolled-back' ? '2026-11-21T10:00:00.000Z' : null,
    logs: state === 'failed' ? 'Database error: column "nope" does not exist' : null,
  });
  const facts = (over: Partial<EnvFacts>): EnvFacts => ({
    env: 'staging',
    urlEnv: 'STAGING_DATABASE_URL',
    prismaUrlEnv: 'DATABASE_URL',
    prismaConfig: undefined,
    migrationsRel: 'prisma/migrations',
    rows: [row('20240101000000_init', init), row('20250101000000_fix', fix)],
    folders: new Map([
      ['20240101000000_init', init],
      ['20250101000000_fix', fix],
    ]),
    hotfixes: [
      {
        name: 'fix',
        migration: '20250101000000_fix',
        branch: 'hotfix/fix',
        state: ledgerState('deployed', 'deployed', 'deploy'),
      },
    ],
    ...over,
  });

  it('clean; CRLF files match LF checksums', () => {
    expect(checkEnvironment(facts({})).findings).toEqual([]);
    const crlf = new Map([
      ['20240101000000_init', init.replaceAll('\n', '\r\n')],
      ['20250101000000_fix', fix.replaceAll('\n', '\r\n')],
    ]);
    expect(checkEnvironment(facts({ folders: crlf })).findings).toEqual([]);
  });

  it('edited after apply, deleted while applied, pending and out of order', () => {
    const edited = checkEnvironment(
      facts({
        folders: new Map([
          ['20240101000000_init', `${init}-- x\n`],
          ['20250101000000_fix', fix],
        ]),
      }),
    );
    expect(codes(edited.findings)).toEqual(['CHECKSUM_MISMATCH']);

    const deleted = checkEnvironment(facts({ folders: new Map([['20250101000000_fix', fix]]) }));
    expect(codes(deleted.findings)).toEqual(['APPLIED_MIGRATION_MISSING']);
    expect(deleted.missing).toEqual(['20240101000000_init']);

    const pending = checkEnvironment(
      facts({
        rows: [row('20240101000000_init', init), row('20250101000000_fix', fix)],
        folders: new Map([
          ['20240101000000_init', init],
          ['20241231000000_late', 'SELECT 1;\n'],
          ['20250101000000_fix', fix],
          ['20260101000000_next', 'SELECT 2;\n'],
        ]),
      }),
    );
    expect(pending.findings.map((f) => [f.code, f.migration, f.fix])).toEqual([
      [
        'MIGRATION_OUT_OF_ORDER',
        '20241231000000_late',
        'DATABASE_URL="$STAGING_DATABASE_URL" npx prisma migrate deploy',
      ],
      [
        'MIGRATION_PENDING',
        '20260101000000_next',
        'DATABASE_URL="$STAGING_DATABASE_URL" npx prisma migrate deploy',
      ],
    ]);
  });

  it('a failed hotfix migration carries its logs and points to hotfix rollback; it is not also "pending"', () => {
    const r = checkEnvironment(
      facts({
        rows: [row('20240101000000_init', init), row('20250101000000_fix', fix, 'failed')],
        hotfixes: [
          {
            name: 'fix',
            migration: '20250101000000_fix',
            branch: 'hotfix/fix',
            state: ledgerState('failed', 'deployed', 'deploy'),
          },
        ],
      }),
    );
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0]).toMatchObject({
      code: 'MIGRATION_FAILED',
      hotfix: 'fix',
      fix: expect.stringContaining('hotfix rollback fix --env staging'),
      details: { logs: expect.stringContaining('column "nope"') },
    });
  });

  it('the ledger must agree with _prisma_migrations', () => {
    const onlyInit = [row('20240101000000_init', init)];
    const mismatch = checkEnvironment(facts({ rows: onlyInit }));
    expect(codes(mismatch.findings)).toEqual(['LEDGER_DB_MISMATCH', 'MIGRATION_PENDING']);
    expect(mismatch.findings.find((f) => f.code === 'LEDGER_DB_MISMATCH')!.message).toContain(
      'the ledger says deployed',
    );

    const unrecorded = checkEnvironment(
      facts({
        hotfixes: [{ name: 'fix', migration: '20250101000000_fix', branch: 'hotfix/fix', state: undefined }],
      }),
    );
    expect(unrecorded.findings.map((f) => [f.code, f.fix])).toEqual([
      ['LEDGER_BEHIND', 'Record it: hotfix resolve fix --env staging'],
    ]);

    const interrupted = checkEnvironment(
      facts({
        hotfixes: [
          {
            name: 'fix',
            migration: '20250101000000_fix',
            branch: 'hotfix/fix',
            state: ledgerState('in-progress', 'intent', 'resolve'),
          },
        ],
      }),
    );
    expect(interrupted.findings.map((f) => [f.code, f.fix])).toEqual([
      ['LEDGER_IN_PROGRESS', expect.stringContaining('hotfix resolve fix --env staging')],
    ]);

    const rolledBack = checkEnvironment(
      facts({
        rows: [row('20240101000000_init', init), row('20250101000000_fix', fix, 'rolled-back')],
        folders: new Map([['20240101000000_init', init]]),
        hotfixes: [
          {
            name: 'fix',
            migration: '20250101000000_fix',
            branch: 'hotfix/fix',
            state: ledgerState('rolled-back', 'rolled-back', 'resolve'),
          },
        ],
      }),
    );
    expect(rolledBack.findings).toEqual([]);
  });

  it('a hotfix rolled back here whose folder is still there: the next migrate deploy would run it again', () => {
    const r = checkEnvironment(
      facts({
        rows: [row('20240101000000_init', init), row('20250101000000_fix', fix, 'rolled-back')],
        hotfixes: [
          {
            name: 'fix',
            migration: '20250101000000_fix',
            branch: 'hotfix/fix',
            state: ledgerState('rolled-back', 'rolled-back', 'resolve'),
          },
        ],
      }),
    );
    expect(r.findings.map((f) => [f.code, f.message, f.fix])).toEqual([
      [
        'MIGRATION_PENDING',
        expect.stringContaining('the next prisma migrate deploy there runs it again'),
        expect.stringContaining('git rm -r prisma/migrations/20250101000000_fix'),
      ],
    ]);
  });

  it("a roll-forward's revert migration: pending is a rollback in progress when decided for every environment, else an error; the ledger must see it applied", () => {
    const revert = '20250202000000_revert_fix';
    const folders = new Map([
      ['20240101000000_init', init],
      ['20250101000000_fix', fix],
      [revert, 'DROP INDEX "i";\n'],
    ]);
    const hotfix = (state: EnvStatus | undefined, everywhere = true) => ({
      name: 'fix',
      migration: '20250101000000_fix',
      branch: 'hotfix/fix',
      state,
      revert,
      everywhere,
    });
    const pending = checkEnvironment(
      facts({ folders, hotfixes: [hotfix(ledgerState('deployed', 'deployed', 'deploy'))] }),
    );
    expect(pending.findings.map((f) => [f.code, f.severity, f.fix])).toEqual([
      [
        'ROLLBACK_IN_PROGRESS',
        'warning',
        'Deploy the revert here now: hotfix rollback fix --env staging --everywhere',
      ],
    ]);
    const undecided = checkEnvironment(
      facts({ folders, hotfixes: [hotfix(ledgerState('deployed', 'deployed', 'deploy'), false)] }),
    );
    expect(undecided.findings.map((f) => [f.code, f.severity])).toEqual([['REVERT_UNDECIDED', 'error']]);
    const mismatch = checkEnvironment(
      facts({ folders, hotfixes: [hotfix(ledgerState('rolled-forward', 'rolled-forward', 'rollback'))] }),
    );
    expect(codes(mismatch.findings)).toEqual(['LEDGER_DB_MISMATCH', 'ROLLBACK_IN_PROGRESS']);
    const done = checkEnvironment(
      facts({
        folders,
        rows: [
          row('20240101000000_init', init),
          row('20250101000000_fix', fix),
          row(revert, 'DROP INDEX "i";\n'),
        ],
        hotfixes: [hotfix(ledgerState('rolled-forward', 'rolled-forward', 'rollback'))],
      }),
    );
    expect(done.findings).toEqual([]);
  });

  it('a database Migrate never touched', () => {
    const r = checkEnvironment(facts({ rows: undefined, hotfixes: [] }));
    expect(codes(r.findings)).toEqual(['MIGRATION_PENDING', 'MIGRATION_PENDING', 'MIGRATION_TABLE_MISSING']);
  });
});

describe('--strict and the exit code', () => {
  const warning = finding('HOTFIX_NOT_MERGED', { message: 'm' });
  const info = finding('MERGE_CHECK_SKIPPED', { message: 'm' });
  const error = finding('DRIFT', { env: 'staging', message: 'm' });

  it('--strict turns warnings (not infos) into errors', () => {
    expect(applyStrict([warning, info], true).map((f) => f.severity)).toEqual(['error', 'info']);
    expect(applyStrict([warning, info], false).map((f) => f.severity)).toEqual(['warning', 'info']);
  });

  it('0 without errors, 1 with; a check that could not run outranks findings', () => {
    expect(verifyExitCode([warning, info], [])).toBe(0);
    expect(verifyExitCode([warning, error], [])).toBe(1);
    expect(verifyExitCode([error], ['infra'])).toBe(4);
    expect(verifyExitCode([error], ['infra', 'usage'])).toBe(2);
  });
});

describe('hotfix verify output (runCli, offline)', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hotfix-verify-unit-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(path.join(dir, 'prisma', 'migrations', 'add_users'), { recursive: true });
  writeFileSync(path.join(dir, 'prisma', 'schema.prisma'), 'datasource db {\n  provider = "sqlite"\n}\n');
  writeFileSync(path.join(dir, 'prisma', 'migrations', 'migration_lock.toml'), 'provider = "sqlite"\n');
  writeFileSync(
    path.join(dir, 'prisma', 'migrations', 'add_users', 'migration.sql'),
    'CREATE TABLE "U" ("id" INTEGER);\n',
  );
  initRepo(dir);

  const run = async (args: string[], env: Record<string, string>, isTTY: boolean) => {
    let stdout = '';
    let stderr = '';
    const code = await runCli(args, {
      stdout: { write: (s: string) => (stdout += s), isTTY },
      stderr: { write: (s: string) => (stderr += s), isTTY },
      env,
      cwd: dir,
      version: '0.0.0',
    });
    return { code, stdout, stderr };
  };
  // eslint-disable-next-line no-control-regex
  const ansi = /\x1b\[/;

  it('a warning-only run: exit 0, a table with the fix; colour only at a terminal without CI', async () => {
    const plain = await run(['verify'], { CI: 'true' }, true);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toMatch(/warning\s+MIGRATION_NAME_INVALID\s+repo {2}add_users/);
    expect(plain.stdout).toContain('fix: ');
    expect(plain.stdout).not.toMatch(ansi);
    expect((await run(['verify'], {}, false)).stdout).not.toMatch(ansi);
    expect((await run(['verify'], {}, true)).stdout).toMatch(ansi);
  });

  it('--strict fails on it; --json is one document that matches', async () => {
    const r = await run(['verify', '--strict', '--json'], {}, false);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ ok: false, exitCode: 1, strict: true });
    expect(doc.findings).toEqual([
      {
        code: 'MIGRATION_NAME_INVALID',
        severity: 'error',
        env: null,
        migration: 'add_users',
        hotfix: null,
        message: expect.any(String),
        fix: expect.any(String),
      },
    ]);
  });
});
