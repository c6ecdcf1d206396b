// Every refusal of the commands, through the real CLI in-process on fakes of the ports: the exit
// code, the error code, and that nothing was written (git, the ledger, the databases).
import { describe, expect, it } from 'vitest';
import { fakeProject, ROOT, type FakeProject } from '../support/fakes/index.js';

const INDEX = 'CREATE INDEX "Post_authorId_idx" ON "Post"("authorId");\n';
const DELETE_ALL = 'DELETE FROM "Post";\n';
const DATA_FIX = 'DELETE FROM "Post" WHERE "authorId" = 7;\n';
const MYSQL_URL = 'mysql://root@mysql.internal:3306/app';

/** `hotfix start <name> --sql` with `sql` (kept outside the repository); returns its migration. */
async function started(fx: FakeProject, name: string, sql = INDEX, extra: string[] = []): Promise<string> {
  fx.files.put(`/incident/${name}.sql`, sql);
  const r = await fx.run([
    'start',
    name,
    '--sql',
    `/incident/${name}.sql`,
    '--json',
    '--no-schema-check',
    ...extra,
  ]);
  expect(r.exitCode, r.stderr).toBe(0);
  return r.json.migration.name as string;
}

/** down.sql written and committed on the hotfix branch. */
function writeDown(fx: FakeProject, migration: string, down = 'DROP INDEX "Post_authorId_idx";\n') {
  fx.write(`prisma/migrations/${migration}/down.sql`, down);
  fx.git.commitAll(`down.sql for ${migration}`);
}

/** A snapshot of what a refusal must leave as it was. */
async function state(fx: FakeProject) {
  return {
    head: await fx.git.head(),
    branch: await fx.git.currentBranch(),
    dirty: await fx.git.dirtyPaths(),
    files: [...fx.files.files.entries()].filter(([f]) => f.startsWith(ROOT)).sort(),
    prod: JSON.stringify(fx.prod.rows),
    staging: JSON.stringify(fx.staging.rows),
  };
}

interface Case {
  code: string;
  exit: number;
  /** Brings the project to where the refused command runs; returns its argv. */
  setup: (fx: FakeProject) => Promise<string[]> | string[];
  env?: Record<string, string>;
  /** The refusal changes what is checked (it records what it found): skip the no-change check. */
  records?: boolean;
}

const CASES: Case[] = [
  // start
  { code: 'ACCEPT_RISK_NEEDS_REASON', exit: 2, setup: () => ['start', 'x', '--accept-risk'] },
  { code: 'INVALID_NAME', exit: 2, setup: () => ['start', '../x'] },
  {
    code: 'SQL_FILE_UNREADABLE',
    exit: 2,
    setup: () => ['start', 'x', '--sql', '/incident/nope.sql'],
  },
  {
    code: 'SQL_FILE_EMPTY',
    exit: 2,
    setup: (fx) => (
      fx.files.put('/incident/empty.sql', '  \n'),
      ['start', 'x', '--sql', '/incident/empty.sql']
    ),
  },
  {
    code: 'START_UNSAFE',
    exit: 1,
    setup: (fx) => (
      fx.files.put('/incident/all.sql', DELETE_ALL),
      ['start', 'x', '--sql', '/incident/all.sql']
    ),
  },
  { code: 'BASE_MISSING', exit: 2, setup: () => ['start', 'x', '--base', 'release/9'] },
  {
    code: 'NOT_ON_BASE',
    exit: 2,
    setup: async (fx) => (await fx.git.checkout('develop'), ['start', 'x']),
  },
  { code: 'DIRTY_TREE', exit: 2, setup: (fx) => (fx.write('notes.txt', 'wip'), ['start', 'x']) },
  {
    code: 'HOTFIX_EXISTS',
    exit: 2,
    setup: async (fx) => (await started(fx, 'x'), await fx.git.checkout('main'), ['start', 'x']),
  },
  {
    code: 'BRANCH_EXISTS',
    exit: 2,
    setup: (fx) => (fx.git.branches.set('hotfix/x', fx.git.branches.get('main')!), ['start', 'x']),
  },
  {
    code: 'NO_MIGRATIONS',
    exit: 2,
    setup: (fx) => {
      for (const f of [...fx.files.files.keys()]) if (f.includes('/migrations/')) fx.files.files.delete(f);
      fx.files.dirs.delete(`${ROOT}/prisma/migrations`);
      fx.git.commitAll('no migrations');
      return ['start', 'x'];
    },
  },
  {
    code: 'DEV_DATABASE_MISSING',
    exit: 2,
    setup: () => ['start', 'x', '--from-schema'],
    env: { DATABASE_URL: '' },
  },
  {
    code: 'DEV_DATABASE_IS_PROTECTED',
    exit: 2,
    setup: () => ['start', 'x', '--from-schema'],
    env: { DATABASE_URL: 'postgresql://app@prod.internal:5432/app' },
  },
  {
    code: 'NO_SCHEMA_CHANGE',
    exit: 2,
    setup: (fx) => ((fx.prisma.diff = { exitCode: 0 }), ['start', 'x', '--from-schema']),
  },
  {
    code: 'START_INTERRUPTED',
    exit: 2,
    setup: async (fx) => {
      await fx.git.createBranch('hotfix/x', 'main');
      fx.write('.hotfix/x.json', '{}');
      return ['start', 'x'];
    },
  },
  // deploy
  {
    code: 'NEEDS_YES',
    exit: 2,
    setup: async (fx) => (writeDown(fx, await started(fx, 'x')), ['deploy', 'x', '--env', 'production']),
  },
  {
    code: 'NOT_CONFIRMED',
    exit: 2,
    setup: async (fx) => {
      writeDown(fx, await started(fx, 'x'));
      fx.answers = [false];
      return ['deploy', 'x', '--env', 'production'];
    },
  },
  {
    code: 'NO_ROLLBACK_PLAN',
    exit: 2,
    setup: async (fx) => (await started(fx, 'x'), ['deploy', 'x', '--env', 'production', '--yes']),
  },
  {
    code: 'NO_ROLLBACK_PLAN_NEEDS_REASON',
    exit: 2,
    setup: async (fx) => (
      await started(fx, 'x'),
      ['deploy', 'x', '--env', 'production', '--no-rollback-plan']
    ),
  },
  {
    code: 'BAD_RETRY',
    exit: 2,
    setup: async (fx) => (await started(fx, 'x'), ['deploy', 'x', '--env', 'staging', '--retry', '11']),
  },
  {
    code: 'BAD_RETRY',
    exit: 2,
    setup: async (fx) => (await started(fx, 'x'), ['deploy', 'x', '--env', 'staging', '--retry', 'x']),
  },
  {
    code: 'LINT_BLOCKED',
    exit: 1,
    setup: async (fx) => {
      writeDown(
        fx,
        await started(fx, 'x', DELETE_ALL, ['--accept-risk', '--reason', 'the table is a cache']),
        'SELECT 1;\n',
      );
      return ['deploy', 'x', '--env', 'production', '--yes'];
    },
  },
  {
    code: 'OTHER_PENDING',
    exit: 2,
    setup: async (fx) => {
      await started(fx, 'x');
      fx.write('prisma/migrations/20240102000000_more/migration.sql', 'SELECT 1;\n');
      fx.git.commitAll('another migration');
      return ['deploy', 'x', '--env', 'staging'];
    },
  },
  {
    code: 'FAILED_MIGRATION',
    exit: 2,
    setup: async (fx) => {
      await started(fx, 'x');
      fx.staging.row('20231231000000_old', 'SELECT 1;', 'failed');
      return ['deploy', 'x', '--env', 'staging'];
    },
  },
  {
    code: 'BACKUP_UNSUPPORTED',
    exit: 2,
    setup: async (fx) => {
      await started(fx, 'x', 'DELETE FROM "Post" WHERE "title" = \'\';\n');
      fx.dbs.add(MYSQL_URL).row('20240101000000_init', 'x');
      return ['deploy', 'x', '--env', 'staging', '--backup'];
    },
    env: { STAGING_DATABASE_URL: MYSQL_URL },
  },
  {
    code: 'VERIFY_SQL_FAILED',
    exit: 1,
    records: true,
    setup: async (fx) => {
      await started(fx, 'x', 'DELETE FROM "Post" WHERE "authorId" = 7;\n');
      fx.staging.verify.set('SELECT * FROM "Post" WHERE "authorId" = 7', {
        total: 2,
        keyColumns: ['id'],
        keys: ['3', '4'],
      });
      return ['deploy', 'x', '--env', 'staging'];
    },
  },
  // session (every environment command)
  {
    code: 'UNKNOWN_ENV',
    exit: 2,
    setup: async (fx) => (await started(fx, 'x'), ['deploy', 'x', '--env', 'qa']),
  },
  {
    code: 'MISSING_URL',
    exit: 2,
    setup: async (fx) => (await started(fx, 'x'), ['deploy', 'x', '--env', 'staging']),
    env: { STAGING_DATABASE_URL: '' },
  },
  {
    code: 'MALFORMED_URL',
    exit: 2,
    setup: async (fx) => (await started(fx, 'x'), ['deploy', 'x', '--env', 'staging']),
    env: { STAGING_DATABASE_URL: 'not a url' },
  },
  {
    code: 'HOTFIX_NOT_HERE',
    exit: 2,
    setup: async (fx) => (
      await started(fx, 'x'),
      await fx.git.checkout('main'),
      ['deploy', 'x', '--env', 'staging']
    ),
  },
  // The repository must take the record before anything runs (any writer; deploy here).
  {
    code: 'GIT_OPERATION_IN_PROGRESS',
    exit: 2,
    setup: async (fx) => (
      await started(fx, 'x'),
      (fx.git.operation = 'rebase'),
      ['deploy', 'x', '--env', 'staging']
    ),
  },
  {
    code: 'DETACHED_HEAD',
    exit: 2,
    setup: async (fx) => (await started(fx, 'x'), fx.git.detach(), ['deploy', 'x', '--env', 'staging']),
  },
  {
    code: 'NO_GIT_IDENTITY',
    exit: 2,
    setup: async (fx) => (
      await started(fx, 'x'),
      (fx.git.email = undefined),
      ['checklist', 'x', '--done', 'pre-deploy.team']
    ),
  },
  {
    code: 'MIGRATION_MISSING',
    exit: 2,
    setup: async (fx) => {
      const m = await started(fx, 'x');
      fx.files.files.delete(`${ROOT}/prisma/migrations/${m}/migration.sql`);
      return ['deploy', 'x', '--env', 'staging'];
    },
  },
  {
    code: 'GIT_INDEX_LOCKED',
    exit: 2,
    setup: async (fx) => (
      await started(fx, 'x'),
      fx.files.put(`${ROOT}/.git/index.lock`, ''),
      ['deploy', 'x', '--env', 'staging']
    ),
  },
  // resolve
  {
    code: 'CHANGE_MISSING',
    exit: 1,
    setup: async (fx) => (await started(fx, 'x'), ['resolve', 'x', '--env', 'production', '--yes']),
  },
  {
    code: 'CHECK_INCOMPLETE',
    exit: 1,
    setup: async (fx) => {
      const m = await started(fx, 'x', 'DELETE FROM "Post" WHERE "authorId" = 7;\n');
      fx.write(`prisma/migrations/${m}/verify.sql`, '-- hotfix:verify-template\n');
      return ['resolve', 'x', '--env', 'production', '--yes'];
    },
  },
  {
    code: 'VERIFY_SQL_NOT_READ_ONLY',
    exit: 2,
    setup: async (fx) => {
      const m = await started(fx, 'x', 'DELETE FROM "Post" WHERE "authorId" = 7;\n');
      fx.write(`prisma/migrations/${m}/verify.sql`, 'DELETE FROM "Post";\n');
      return ['resolve', 'x', '--env', 'production', '--yes'];
    },
  },
  {
    code: 'CHECK_UNAVAILABLE',
    exit: 2,
    setup: async (fx) => (
      await started(fx, 'x'),
      fx.dbs.add(MYSQL_URL).row('20240101000000_init', 'x'),
      ['resolve', 'x', '--env', 'staging']
    ),
    env: { STAGING_DATABASE_URL: MYSQL_URL },
  },
  {
    code: 'SKIP_NEEDS_REASON',
    exit: 2,
    setup: async (fx) => (await started(fx, 'x'), ['resolve', 'x', '--env', 'staging', '--skip-check']),
  },
  {
    code: 'NOT_FAILED',
    exit: 2,
    setup: async (fx) => (await started(fx, 'x'), ['resolve', 'x', '--env', 'staging', '--rolled-back']),
  },
  {
    code: 'RESOLVE_FAILED',
    exit: 1,
    records: true,
    setup: async (fx) => {
      // down.sql ran (the database changed), then prisma's mark did not take: recorded as failed.
      const m = await started(fx, 'x');
      writeDown(fx, m);
      fx.staging.row(m, INDEX, 'failed');
      fx.staging.sql.push(INDEX); // the failed migration left its index
      fx.prisma.failNext = {
        kind: 'error',
        code: 'P3017',
        message: 'P3017: The migration could not be found.',
      };
      return ['rollback', 'x', '--env', 'staging'];
    },
  },
  {
    code: 'PRISMA_FAILED',
    exit: 1,
    setup: async (fx) => {
      await started(fx, 'x');
      // prisma failed before writing a row: nothing ran, nothing recorded.
      fx.prisma.failNext = {
        kind: 'error',
        code: 'P3017',
        message: 'P3017: The migration could not be found.',
      };
      return ['resolve', 'x', '--env', 'staging', '--skip-check', '--reason', 'checked by hand'];
    },
  },
  // rollback
  {
    code: 'ROLLBACK_UNSUPPORTED',
    exit: 2,
    setup: async (fx) => (
      await started(fx, 'x'),
      fx.dbs.add(MYSQL_URL).row('20240101000000_init', 'x'),
      ['rollback', 'x', '--env', 'staging']
    ),
    env: { STAGING_DATABASE_URL: MYSQL_URL },
  },
  {
    code: 'MANUAL_NEEDS_FAILED',
    exit: 2,
    setup: async (fx) => {
      writeDown(fx, await started(fx, 'x'));
      expect((await fx.run(['deploy', 'x', '--env', 'staging'])).exitCode).toBe(0);
      return ['rollback', 'x', '--env', 'staging', '--manual'];
    },
  },
  {
    code: 'DOWN_TEMPLATE',
    exit: 2,
    setup: async (fx) => {
      const m = await started(fx, 'x');
      fx.staging.row(m, INDEX, 'failed');
      return ['rollback', 'x', '--env', 'staging'];
    },
  },
  {
    code: 'REVERT_BRANCH_EXISTS',
    exit: 2,
    setup: async (fx) => {
      writeDown(fx, await started(fx, 'x'));
      for (const env of ['staging', 'production'])
        expect((await fx.run(['deploy', 'x', '--env', env, '--yes'])).exitCode).toBe(0);
      expect((await fx.run(['finish', 'x'])).exitCode).toBe(0);
      fx.git.branches.set('hotfix/x-revert', fx.git.branches.get('main')!);
      return ['rollback', 'x', '--env', 'staging', '--everywhere', '--yes'];
    },
  },
  {
    code: 'ROLLBACK_SCOPE_NEEDED',
    exit: 2,
    setup: async (fx) => {
      writeDown(fx, await started(fx, 'x'));
      expect((await fx.run(['deploy', 'x', '--env', 'staging'])).exitCode).toBe(0);
      return ['rollback', 'x', '--env', 'staging'];
    },
  },
  {
    code: 'ROLLBACK_DECIDED_EVERYWHERE',
    exit: 2,
    setup: async (fx) => {
      writeDown(fx, await started(fx, 'x'));
      for (const env of ['staging', 'production'])
        expect((await fx.run(['deploy', 'x', '--env', env, '--yes'])).exitCode).toBe(0);
      expect((await fx.run(['rollback', 'x', '--env', 'staging', '--everywhere', '--yes'])).exitCode).toBe(0);
      return ['rollback', 'x', '--env', 'production', '--here', '--yes'];
    },
  },
  {
    code: 'DOWN_EMPTY',
    exit: 2,
    setup: async (fx) => {
      const m = await started(fx, 'x');
      writeDown(fx, m, '-- the index goes with: DROP INDEX (not written yet)\n');
      fx.staging.row(m, INDEX, 'failed');
      return ['rollback', 'x', '--env', 'staging'];
    },
  },
  {
    code: 'NO_BACKUP',
    exit: 2,
    setup: async (fx) => {
      await started(fx, 'x', DATA_FIX);
      expect((await fx.run(['deploy', 'x', '--env', 'staging'])).exitCode).toBe(0);
      return ['rollback', 'x', '--env', 'staging', '--restore'];
    },
  },
  {
    code: 'RESTORE_NOT_APPLIED',
    exit: 2,
    setup: async (fx) => {
      const m = await started(fx, 'x', DATA_FIX);
      expect((await fx.run(['deploy', 'x', '--env', 'staging', '--backup'])).exitCode).toBe(0);
      fx.staging.latest(m)!.rolledBackAt = '2026-12-07T10:30:00.000Z';
      return ['rollback', 'x', '--env', 'staging', '--restore'];
    },
  },
  {
    code: 'RESTORE_INCOMPLETE',
    exit: 1,
    records: true,
    setup: async (fx) => {
      await started(fx, 'x', DATA_FIX);
      expect((await fx.run(['deploy', 'x', '--env', 'staging', '--backup'])).exitCode).toBe(0);
      fx.staging.restoredFound = 0;
      return ['rollback', 'x', '--env', 'staging', '--restore'];
    },
  },
  {
    code: 'RESTORE_UNSUPPORTED',
    exit: 2,
    setup: async (fx) => {
      await started(fx, 'x', DATA_FIX);
      fx.dbs.add('file:/repo/staging.db').row('20240101000000_init', 'x');
      fx.files.put('/repo/staging.db', '');
      return ['rollback', 'x', '--env', 'staging', '--restore'];
    },
    env: { STAGING_DATABASE_URL: 'file:/repo/staging.db' },
  },
  // finish
  {
    code: 'NOT_EVERYWHERE',
    exit: 2,
    setup: async (fx) => (await started(fx, 'x'), ['finish', 'x']),
  },
  {
    code: 'ALLOW_PARTIAL_NEEDS_REASON',
    exit: 2,
    setup: async (fx) => (await started(fx, 'x'), ['finish', 'x', '--allow-partial']),
  },
  {
    code: 'MERGE_CONFLICT',
    exit: 1,
    records: true,
    setup: async (fx) => {
      writeDown(fx, await started(fx, 'x'));
      fx.write('README.md', 'from the hotfix\n');
      fx.git.commitAll('readme on the hotfix');
      await fx.git.checkout('develop');
      fx.write('README.md', 'from develop\n');
      fx.git.commitAll('readme on develop');
      await fx.git.checkout('hotfix/x');
      return ['finish', 'x', '--allow-partial', '--reason', 'nothing deployed yet'];
    },
  },
  // rehash
  { code: 'REHASH_NEEDS_REASON', exit: 2, setup: async (fx) => (await started(fx, 'x'), ['rehash', 'x']) },
  {
    code: 'REHASH_NOTHING',
    exit: 2,
    setup: async (fx) => (await started(fx, 'x'), ['rehash', 'x', '--reason', 'nothing changed']),
  },
  {
    code: 'REHASH_APPLIED',
    exit: 2,
    setup: async (fx) => {
      const m = await started(fx, 'x');
      expect((await fx.run(['deploy', 'x', '--env', 'staging'])).exitCode).toBe(0);
      fx.write(`prisma/migrations/${m}/migration.sql`, 'CREATE INDEX "other" ON "Post"("title");\n');
      fx.git.commitAll('edited after it ran');
      return ['rehash', 'x', '--reason', 'edited'];
    },
  },
  // checklist, status, report
  { code: 'CHECKLIST_NEEDS_NAME', exit: 2, setup: () => ['checklist', '--done', 'pre-deploy.team'] },
  {
    code: 'CHECKLIST_ITEM_PROVEN',
    exit: 2,
    setup: async (fx) => (await started(fx, 'x'), ['checklist', 'x', '--done', 'pre-deploy.branch']),
  },
  {
    code: 'UNKNOWN_CHECKLIST_ITEM',
    exit: 2,
    setup: async (fx) => (await started(fx, 'x'), ['checklist', 'x', '--done', 'pre-deploy.nope']),
  },
  { code: 'UNKNOWN_PHASE', exit: 2, setup: () => ['checklist', '--phase', 'lunch'] },
  {
    code: 'WHICH_HOTFIX',
    exit: 2,
    setup: async (fx) => (
      await started(fx, 'x'),
      await fx.git.checkout('main'),
      await started(fx, 'y'),
      ['checklist']
    ),
  },
  { code: 'UNKNOWN_HOTFIX', exit: 2, setup: () => ['status', 'nope'] },
  { code: 'CONFIG_MISSING', exit: 2, setup: () => ['--config', 'nope.json', 'status'] },
  {
    code: 'CONFIG_INVALID',
    exit: 2,
    setup: (fx) => (fx.write('hotfix.config.json', '{ nope'), fx.git.commitAll('bad config'), ['status']),
  },
  {
    code: 'PATH_OUTSIDE_REPO',
    exit: 2,
    setup: (fx) => {
      fx.files.put('/elsewhere/migrations/migration_lock.toml', 'provider = "postgresql"\n');
      fx.write('hotfix.config.json', JSON.stringify({ migrations: '../elsewhere/migrations' }));
      fx.git.commitAll('migrations outside');
      return ['status'];
    },
  },
  {
    code: 'NOT_A_REPO',
    exit: 2,
    setup: (fx) => (void fx.files.mkdir('/elsewhere'), ['-C', '/elsewhere', 'status']),
  },
  { code: 'CWD_MISSING', exit: 2, setup: () => ['-C', '/nowhere', 'status'] },
];

describe('every refusal, in-process on fakes', () => {
  it.each(CASES)('$code: exit $exit, nothing changed', async ({ code, exit, setup, env, records }) => {
    const fx = fakeProject();
    const argv = await setup(fx);
    const before = await state(fx);
    const r = await fx.run([...argv, '--json'], env);
    expect(r.json?.error?.code, r.stdout + r.stderr).toBe(code);
    expect(r.exitCode).toBe(exit);
    if (!records) expect(await state(fx)).toEqual(before);
  });
});
