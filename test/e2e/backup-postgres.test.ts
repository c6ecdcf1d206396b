// --backup on the seed's orphaned-comments hotfix (DELETE the orphans, then the foreign key that
// keeps them out), on real PostgreSQL with the real Prisma 7 CLI: the deleted rows are saved
// before the migration runs, and the restore command hotfix prints puts them back.
import { execa } from 'execa';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { pgQuery } from '../support/db.js';
import { git } from '../support/git.js';
import { ledgerEvents, runHotfix, startWithSql } from '../support/hotfix.js';
import { addCommentsTable, STAGING_ENV, useTwoEnvProject } from '../support/scenario.js';

const FIX = `-- The seed's data-corruption hotfix: orphaned comments, then the key that keeps them out.
DELETE FROM "Comment" WHERE "postId" NOT IN (SELECT "id" FROM "Post");
ALTER TABLE "Comment" ADD CONSTRAINT "Comment_postId_fkey" FOREIGN KEY ("postId") REFERENCES "Post"("id") ON DELETE CASCADE;
`;
const DOWN = 'ALTER TABLE "Comment" DROP CONSTRAINT "Comment_postId_fkey";\n';
const comments = async (url: string) =>
  (await pgQuery<{ id: number; body: string }>(url, 'SELECT "id", "body" FROM "Comment" ORDER BY "id"')).map(
    (r) => `${r.id}:${r.body}`,
  );

describe.sequential('deploy --backup, then restore (PostgreSQL)', () => {
  let restore: string;
  const s = useTwoEnvProject({ provider: 'postgresql', prefix: 'backup' }, async (s) => {
    // Comments arrived without a foreign key; a bug deleted posts and left comments behind.
    await addCommentsTable(s, [s.stagingUrl]);
    await pgQuery(
      s.stagingUrl,
      `INSERT INTO "User" ("id", "email") VALUES (1, 'a@x');
       INSERT INTO "Post" ("id", "title", "authorId") VALUES (1, 'kept', 1);
       INSERT INTO "Comment" ("id", "postId", "body") VALUES (1, 1, 'fine'), (2, 7, 'orphan, it''s gone'), (3, 9, 'orphan too')`,
    );
  });

  test('start splits it into parts and writes the orphans query as verify.sql', async () => {
    const migration = await startWithSql(s, 'fix-orphans', FIX, DOWN);
    // The DELETE and the key added NOT VALID, then its VALIDATE in a second folder.
    expect(ledgerEvents(s, 'fix-orphans').filter((e) => e.type === 'migration-created')).toHaveLength(2);
    const verify = readFileSync(path.join(s.project.migrationsDir, migration, 'verify.sql'), 'utf8');
    expect(verify).toContain('SELECT * FROM "Comment" WHERE "postId" NOT IN (SELECT "id" FROM "Post");');
  });

  test('deploy --backup saves the orphans first, applies both parts, and verify.sql holds', async () => {
    const r = await runHotfix(
      s.project.dir,
      ['deploy', 'fix-orphans', '--env', 'staging', '--backup', '--json'],
      s.env,
    );
    expect(r.exitCode, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.verifySql).toBe('holds');
    expect(doc.backup.items).toEqual([expect.objectContaining({ table: 'Comment', rows: 2 })]);
    const saved = JSON.parse(
      readFileSync(path.join(s.project.dir, doc.backup.dir, doc.backup.items[0].file), 'utf8'),
    );
    expect(saved.map((c: { id: number }) => c.id)).toEqual([2, 3]);
    expect(await comments(s.stagingUrl)).toEqual(['1:fine']);
    // Recorded where, and never committed: the backup holds production data.
    expect(ledgerEvents(s, 'fix-orphans').map((e) => e.type)).toContain('backed-up');
    expect(existsSync(path.join(s.project.dir, '.hotfix', 'backups', '.gitignore'))).toBe(true);
    expect(git(s.project.dir, 'status', '--porcelain')).toBe('');
    restore = doc.backup.restore as string;
    expect(restore).toMatch(
      /^DATABASE_URL="\$STAGING_DATABASE_URL" npx prisma db execute --file \.hotfix\/backups\/fix-orphans\/staging-\d{14}\/restore\.sql$/,
    );
  });

  test('after the rollback removes the key, the printed restore command puts the rows back', async () => {
    const r = await runHotfix(
      s.project.dir,
      ['rollback', 'fix-orphans', '--env', 'staging', '--here', '--reason', 'the posts come back'],
      s.env,
    );
    expect(r.exitCode, r.stderr).toBe(0);
    // Exactly as printed, in a shell, with the project's own prisma.
    const run = await execa('bash', ['-c', restore], {
      cwd: s.project.dir,
      env: {
        ...process.env,
        ...s.env,
        [STAGING_ENV]: s.stagingUrl,
        PATH: `${path.join(s.project.dir, 'node_modules', '.bin')}:${process.env.PATH}`,
      },
      reject: false,
    });
    expect(run.exitCode, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(await comments(s.stagingUrl)).toEqual(['1:fine', "2:orphan, it's gone", '3:orphan too']);
  });
});
