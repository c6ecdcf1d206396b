// A rollback names how far it reaches, on real PostgreSQL, git and the real Prisma CLI. --here
// undoes the hotfix in one environment (production keeps it, and staging's next deploy applies
// it again); --everywhere is the revert migration every environment runs on its next deploy,
// asked for at a terminal when it reaches protected production, and carried back by finish.
// A data fix deployed with --backup is undone with --restore (or a restore by hand, --manual).
import { execa } from 'execa';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { pgQuery, rowStates } from '../support/db.js';
import { git } from '../support/git.js';
import { runHotfix, startWithSql } from '../support/hotfix.js';
import { runPrisma } from '../support/prisma-project.js';
import { addCommentsTable, useTwoEnvProject } from '../support/scenario.js';
import { atTerminal } from '../support/terminal.js';
import { runVerify } from '../support/verify.js';

const INDEX = 'Post_authorId_idx';
const hasIndex = async (url: string) =>
  (await pgQuery(url, 'SELECT 1 FROM pg_indexes WHERE indexname = $1', [INDEX])).length === 1;

describe.sequential('rollback --here and --everywhere (PostgreSQL)', () => {
  let migration = '';
  const s = useTwoEnvProject({ provider: 'postgresql', prefix: 'scope' }, async (s) => {
    git(s.project.dir, 'branch', 'develop');
    migration = await startWithSql(
      s,
      'post-author-index',
      `CREATE INDEX "${INDEX}" ON "Post"("authorId");\n`,
      `DROP INDEX CONCURRENTLY IF EXISTS "${INDEX}";\n`,
    );
    for (const env of ['staging', 'production']) {
      const r = await runHotfix(s.project.dir, ['deploy', 'post-author-index', '--env', env, '--yes'], s.env);
      expect(r.exitCode, r.stderr).toBe(0);
    }
  });
  const hotfix = (args: string[]) => runHotfix(s.project.dir, args, s.env);

  test('no scope where nobody can be asked: exit 2 naming both flags, nothing changed', async () => {
    const head = git(s.project.dir, 'rev-parse', 'HEAD');
    const r = await hotfix(['rollback', 'post-author-index', '--env', 'staging', '--json']);
    expect(r.exitCode).toBe(2);
    const error = JSON.parse(r.stdout).error;
    expect(error.code).toBe('ROLLBACK_SCOPE_NEEDED');
    expect(error.message).toContain('--here');
    expect(error.message).toContain('--everywhere');
    expect(await hasIndex(s.stagingUrl)).toBe(true);
    expect(git(s.project.dir, 'rev-parse', 'HEAD')).toBe(head);
  });

  test('--here on staging: down.sql there, its row marked rolled back; production untouched', async () => {
    const r = await hotfix(['rollback', 'post-author-index', '--env', 'staging', '--here', '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ action: 'revert-here', scope: 'here' });
    expect(await hasIndex(s.stagingUrl)).toBe(false);
    expect(await rowStates(s.stagingUrl, migration)).toEqual(['rolled-back']);
    expect(await hasIndex(s.prodUrl)).toBe(true);
    expect(await rowStates(s.prodUrl, migration)).toEqual(['applied']);
    expect(git(s.project.dir, 'status', '--porcelain')).toBe('');
    // No revert migration was written: nothing for another environment to run.
    expect(git(s.project.dir, 'ls-files', 'prisma/migrations')).not.toContain('revert');
  });

  test('status and verify say it: rolled back here only, a warning (exit 0)', async () => {
    const status = await hotfix(['status', 'post-author-index']);
    expect(status.stdout).toContain('rolled back here only (the next deploy here applies it again)');
    const v = await runVerify(s.project.dir, ['--env', 'production', '--env', 'staging'], s.env);
    expect(v.exitCode, v.stdout).toBe(0);
    expect(v.codes).toContain('warning ROLLED_BACK_HERE staging');
  });

  test('the next deploy to staging says so, and applies it again', async () => {
    const r = await hotfix(['deploy', 'post-author-index', '--env', 'staging']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toContain('this deploy applies it again');
    expect(await hasIndex(s.stagingUrl)).toBe(true);
    expect(await rowStates(s.stagingUrl, migration)).toEqual(['rolled-back', 'applied']);
  });

  test('--everywhere from staging names protected production at the terminal before anything runs', async () => {
    const no = await atTerminal(
      s.project.dir,
      ['rollback', 'post-author-index', '--env', 'staging', '--everywhere'],
      s.env,
      'n\r',
    );
    expect(no.exitCode, no.all).toBe(2);
    expect(no.all).toMatch(/Scope: every environment[^\n]*production \(deployed\)/);
    expect(no.all).toMatch(/Will run \d{14}_revert_post_author_index/);
    expect(no.all).toContain('and on protected production at its next deploy?');
    expect(await hasIndex(s.stagingUrl)).toBe(true);

    const yes = await atTerminal(
      s.project.dir,
      ['rollback', 'post-author-index', '--env', 'staging', '--everywhere'],
      s.env,
      'y\r',
    );
    expect(yes.exitCode, yes.all).toBe(0);
    expect(await hasIndex(s.stagingUrl)).toBe(false);
    expect(await hasIndex(s.prodUrl)).toBe(true);
  });

  test('finish carries the revert into main and develop; production applies it on its next deploy', async () => {
    const finish = await hotfix(['finish', 'post-author-index', '--no-bump', '--no-tag']);
    expect(finish.exitCode, finish.stderr).toBe(0);
    for (const b of ['main', 'develop'])
      expect(git(s.project.dir, 'ls-tree', '-r', '--name-only', b, 'prisma/migrations')).toMatch(
        /_revert_post_author_index\/migration\.sql/,
      );
    const pending = await runVerify(s.project.dir, ['--env', 'production'], s.env);
    expect(pending.exitCode, pending.stdout).toBe(0);
    expect(pending.codes).toContain('warning ROLLBACK_IN_PROGRESS production');

    // Production's routine deploy, as the pipeline runs it.
    git(s.project.dir, 'checkout', '-q', 'main');
    const deploy = await runPrisma(s.project, ['migrate', 'deploy'], { env: { DATABASE_URL: s.prodUrl } });
    expect(deploy.exitCode, deploy.all).toBe(0);
    expect(await hasIndex(s.prodUrl)).toBe(false);
    const after = await runVerify(s.project.dir, ['--env', 'production', '--env', 'staging'], s.env);
    expect(after.exitCode, after.stdout).toBe(0);
    expect(after.codes.filter((c) => c.startsWith('error'))).toEqual([]);
  });
});

describe.sequential('rollback --restore: the seed orphaned-comments fix (PostgreSQL)', () => {
  const FIX = `DELETE FROM "Comment" WHERE "postId" NOT IN (SELECT "id" FROM "Post");
ALTER TABLE "Comment" ADD CONSTRAINT "Comment_postId_fkey" FOREIGN KEY ("postId") REFERENCES "Post"("id") ON DELETE CASCADE;
`;
  const DOWN = 'ALTER TABLE "Comment" DROP CONSTRAINT "Comment_postId_fkey";\n';
  const comments = async (url: string) =>
    (
      await pgQuery<{ id: number; body: string }>(url, 'SELECT "id", "body" FROM "Comment" ORDER BY "id"')
    ).map((r) => `${r.id}:${r.body}`);
  const BEFORE = ['1:fine', "2:orphan, it's gone", '3:orphan too'];
  let migration = '';
  const s = useTwoEnvProject({ provider: 'postgresql', prefix: 'restore' }, async (s) => {
    await addCommentsTable(s, [s.prodUrl, s.stagingUrl]);
    for (const url of [s.prodUrl, s.stagingUrl])
      await pgQuery(
        url,
        `INSERT INTO "User" ("id", "email") VALUES (1, 'a@x');
         INSERT INTO "Post" ("id", "title", "authorId") VALUES (1, 'kept', 1);
         INSERT INTO "Comment" ("id", "postId", "body") VALUES (1, 1, 'fine'), (2, 7, 'orphan, it''s gone'), (3, 9, 'orphan too')`,
      );
    migration = await startWithSql(s, 'fix-orphans', FIX, DOWN);
  });
  const hotfix = (args: string[]) => runHotfix(s.project.dir, args, s.env);

  test('deploy --backup on protected production: the backup is the way back, said before it runs', async () => {
    const r = await hotfix(['deploy', 'fix-orphans', '--env', 'production', '--backup', '--yes', '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    const confirm = JSON.parse(r.stdout).plan.find((p: { kind: string }) => p.kind === 'confirm');
    expect(confirm.details.join('\n')).toContain('--backup saves first (hotfix rollback --restore)');
    expect(await comments(s.prodUrl)).toEqual(['1:fine']);
  });

  test('rollback --restore: the key dropped, the rows back as saved, rolled back here; verify exit 0', async () => {
    const r = await hotfix([
      'rollback',
      'fix-orphans',
      '--env',
      'production',
      '--restore',
      '--yes',
      '--json',
    ]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ action: 'restore', scope: 'here' });
    expect(await comments(s.prodUrl)).toEqual(BEFORE);
    expect(await rowStates(s.prodUrl, migration)).toEqual(['rolled-back']);
    const status = await hotfix(['status', 'fix-orphans', '--json']);
    expect(JSON.parse(status.stdout).hotfixes[0].envs).toContainEqual(
      expect.objectContaining({ name: 'production', state: 'rolled-back', scope: 'here' }),
    );
    const v = await runVerify(s.project.dir, ['--env', 'production'], s.env);
    expect(v.exitCode, v.stdout).toBe(0);
    expect(v.codes).toContain('warning ROLLED_BACK_HERE production');
  });

  test('a restore done by hand, recorded with --restore --manual after the same checks', async () => {
    const deployed = await hotfix(['deploy', 'fix-orphans', '--env', 'staging', '--backup', '--json']);
    expect(deployed.exitCode, deployed.stderr).toBe(0);
    const dir = JSON.parse(deployed.stdout).backup.dir as string;
    // Not yet restored: --manual refuses, naming what is short, and marks nothing.
    await pgQuery(s.stagingUrl, DOWN);
    const early = await hotfix(['rollback', 'fix-orphans', '--env', 'staging', '--restore', '--manual']);
    expect(early.exitCode).toBe(1);
    expect(early.stderr).toContain('RESTORE_INCOMPLETE');
    expect(early.stderr).toContain('0 of 2 row(s)');
    expect(await rowStates(s.stagingUrl, migration)).toContain('applied');
    // By hand, with the project's own prisma, as deploy printed it.
    const restore = await execa(
      path.join(s.project.dir, 'node_modules', '.bin', 'prisma'),
      ['db', 'execute', '--file', `${dir}/restore.sql`],
      { cwd: s.project.dir, env: { ...process.env, ...s.env, DATABASE_URL: s.stagingUrl }, reject: false },
    );
    expect(restore.exitCode, restore.stderr).toBe(0);
    const r = await hotfix(['rollback', 'fix-orphans', '--env', 'staging', '--restore', '--manual']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(await comments(s.stagingUrl)).toEqual(BEFORE);
    expect((await rowStates(s.stagingUrl, migration)).at(-1)).toBe('rolled-back');
  });
});
