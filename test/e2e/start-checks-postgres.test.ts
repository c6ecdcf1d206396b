// What `start` checks before and after it writes (real PostgreSQL, git and Prisma CLI): a base
// branch behind its upstream is said, and after --sql it says what schema.prisma lacks (prisma
// migrate diff). That the development database --from-schema diffs through must be set and must
// not be production's is decided before anything runs: test/commands/start.test.ts.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { git } from '../support/git.js';
import { runHotfix } from '../support/hotfix.js';
import { addPostAuthorIndex, useTwoEnvProject } from '../support/scenario.js';

describe.sequential('start checks (PostgreSQL)', () => {
  const sqlFile = (name: string, sql: string) => {
    const file = path.join(s.project.dir, '..', `${name}.sql`);
    writeFileSync(file, sql);
    return file;
  };
  const s = useTwoEnvProject({ provider: 'postgresql', prefix: 'start_checks' });

  test('--sql of an index schema.prisma lacks: start says so, with what prisma would undo', async () => {
    const r = await runHotfix(
      s.project.dir,
      [
        'start',
        'author-idx',
        '--sql',
        sqlFile('author-idx', 'CREATE INDEX CONCURRENTLY "Post_authorId_idx" ON "Post"("authorId");\n'),
      ],
      s.env,
    );
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain('schema.prisma does not say what the hotfix does yet');
    expect(r.stdout).toContain('DROP INDEX "Post_authorId_idx"');

    // Said in the schema, committed on the branch: the same check is then satisfied.
    addPostAuthorIndex(s.project.schemaPath);
    git(s.project.dir, 'commit', '-qam', 'schema: @@index([authorId])');
    git(s.project.dir, 'checkout', '-q', 'main');
    git(s.project.dir, 'merge', '-q', 'hotfix/author-idx');
    const again = await runHotfix(
      s.project.dir,
      [
        'start',
        'title-note',
        '--sql',
        sqlFile(
          'title-note',
          `UPDATE "Post" SET "title" = btrim("title") WHERE "title" <> btrim("title");\n`,
        ),
      ],
      s.env,
    );
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.stdout).toContain('schema.prisma already says what the hotfix does');
    git(s.project.dir, 'checkout', '-q', 'main');
  });

  test('a base branch behind its upstream: start warns (after --fetch), and still starts', async () => {
    const remote = mkdtempSync(path.join(os.tmpdir(), 'hotfix-remote-'));
    git(remote, 'init', '-q', '--bare', '-b', 'main');
    git(s.project.dir, 'remote', 'add', 'origin', remote);
    git(s.project.dir, 'push', '-q', '-u', 'origin', 'main');
    // A teammate pushes a fix to main meanwhile.
    const other = mkdtempSync(path.join(os.tmpdir(), 'hotfix-clone-'));
    git(other, 'clone', '-q', remote, '.');
    git(other, 'config', 'user.email', 'mate@example.com');
    git(other, 'config', 'user.name', 'Mate');
    writeFileSync(path.join(other, 'NOTES.md'), 'merged meanwhile\n');
    git(other, 'add', '-A');
    git(other, 'commit', '-qm', 'a fix merged meanwhile');
    git(other, 'push', '-q', 'origin', 'main');

    const r = await runHotfix(
      s.project.dir,
      [
        'start',
        'behind',
        '--fetch',
        '--no-schema-check',
        '--sql',
        sqlFile('behind', 'CREATE INDEX CONCURRENTLY "User_name_idx" ON "User"("name");\n'),
      ],
      s.env,
    );
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toContain('main is 1 commit(s) behind origin/main');
    expect(r.stderr).toContain('git pull --ff-only');
    // --no-schema-check: no prisma diff ran, and nothing is said about the schema.
    expect(r.stdout).not.toContain('schema.prisma');
    expect(r.stderr).not.toContain('prisma migrate diff');
  });
});
