// resolve proves each statement before it marks a migration applied, through the real CLI on
// real PostgreSQL: production without the change (or with a different one) is refused with
// nothing written to _prisma_migrations, and production patched by hand is marked, naming the
// check that proved it. One kind each of what proves it: the catalog (an expression index), the
// catalog across two parts (a CHECK added NOT VALID, then validated), and verify.sql (a data
// fix). Every other kind of statement is proved against the real catalog in
// test/integration/proof-postgres.test.ts, without the cost of the CLI and Prisma's diff.
import { describe, expect, test } from 'vitest';
import { pgQuery, prismaMigrations } from '../support/db.js';
import { git } from '../support/git.js';
import { runHotfix, startWithSql } from '../support/hotfix.js';
import { useTwoEnvProject } from '../support/scenario.js';

interface Kind {
  name: string;
  /** What the hotfix migration says (as given to `start --sql`). */
  sql: string;
  /** Production patched differently (or partly): still refused. */
  wrong?: { sql: string; undo: string };
  /** Production patched by hand as the migration says. */
  patch: string;
  /** What the refusal names. */
  named: RegExp;
  /** What the mark names as its proof. */
  proof: RegExp;
  /** Rows production has before the patch (a data fix). */
  before?: string;
}

const KINDS: Kind[] = [
  {
    name: 'title-lower-idx',
    sql: 'CREATE INDEX CONCURRENTLY "Post_title_lower_idx" ON "Post" (lower("title"));\n',
    wrong: {
      sql: 'CREATE INDEX "Post_title_lower_idx" ON "Post" (upper(title))',
      undo: 'DROP INDEX "Post_title_lower_idx"',
    },
    patch: 'CREATE INDEX "Post_title_lower_idx" ON "Post" (lower(title))',
    named: /Post_title_lower_idx/,
    proof: /catalog[^\n]*Post_title_lower_idx/,
  },
  {
    // start writes it as NOT VALID, then VALIDATE in a second part: resolve proves both.
    name: 'title-check',
    sql: `ALTER TABLE "Post" ADD CONSTRAINT "Post_title_len" CHECK (length("title") < 300);\n`,
    wrong: {
      sql: `ALTER TABLE "Post" ADD CONSTRAINT "Post_title_len" CHECK (length(title) < 300) NOT VALID`,
      undo: 'ALTER TABLE "Post" DROP CONSTRAINT "Post_title_len"',
    },
    patch: `ALTER TABLE "Post" ADD CONSTRAINT "Post_title_len" CHECK (length(title) < 300)`,
    named: /Post_title_len/,
    proof: /catalog[^\n]*Post_title_len/,
  },
  {
    // A data fix: no catalog shows it; the verify.sql start generated proves it.
    name: 'empty-titles',
    sql: `DELETE FROM "Post" WHERE "title" = '';\n`,
    before: `INSERT INTO "User" ("id", "email") VALUES (900, 'x@example.com') ON CONFLICT DO NOTHING;
             INSERT INTO "Post" ("title", "authorId") VALUES ('', 900), ('', 900), ('kept', 900)`,
    patch: `DELETE FROM "Post" WHERE title = ''`,
    named: /verify\.sql/,
    proof: /verify\.sql/,
  },
];

describe.sequential('resolve proves each statement, or refuses (PostgreSQL)', () => {
  const resolve = (name: string) =>
    runHotfix(s.project.dir, ['resolve', name, '--env', 'production', '--yes'], s.env);
  const rowsOf = async (migrations: string[]) =>
    (await prismaMigrations(s.prodUrl)).filter((r) => migrations.includes(r.migration_name));

  const s = useTwoEnvProject({ provider: 'postgresql', prefix: 'resolve_proof' });

  test.each(KINDS)('$name: refused while production lacks it, marked once it has it', async (k) => {
    await startWithSql(s, k.name, k.sql, '-- reviewed: nothing to undo in this test\nSELECT 1;\n');
    const ledger = JSON.parse(git(s.project.dir, 'show', `HEAD:.hotfix/${k.name}.json`)) as {
      migrations?: { name: string }[];
      migration: string;
    };
    const parts = ledger.migrations?.map((m) => m.name) ?? [ledger.migration];
    if (k.before) await pgQuery(s.prodUrl, k.before);
    const head = git(s.project.dir, 'rev-parse', 'HEAD');

    const lacking = await resolve(k.name);
    expect(lacking.exitCode, lacking.stdout + lacking.stderr).toBe(1);
    expect(lacking.stderr).toMatch(k.named);
    expect(await rowsOf(parts)).toEqual([]);
    // Nothing recorded either: the refusal leaves git as it was.
    expect(git(s.project.dir, 'rev-parse', 'HEAD')).toBe(head);
    expect(git(s.project.dir, 'status', '--porcelain')).toBe('');

    if (k.wrong) {
      await pgQuery(s.prodUrl, k.wrong.sql);
      const wrong = await resolve(k.name);
      await pgQuery(s.prodUrl, k.wrong.undo);
      expect(wrong.exitCode, wrong.stdout + wrong.stderr).toBe(1);
      expect(wrong.stderr).toMatch(k.named);
      expect(await rowsOf(parts)).toEqual([]);
    }

    await pgQuery(s.prodUrl, k.patch);
    const marked = await resolve(k.name);
    expect(marked.exitCode, marked.stdout + marked.stderr).toBe(0);
    expect(marked.stdout).toMatch(k.proof);
    const rows = await rowsOf(parts);
    expect(rows.map((r) => [r.migration_name, r.finished, r.applied_steps_count])).toEqual(
      parts.map((p) => [p, true, 0]),
    );

    // Merged back, as the runbook does, so the next hotfix starts from a main that has it.
    git(s.project.dir, 'checkout', '-q', 'main');
    git(s.project.dir, 'merge', '-q', `hotfix/${k.name}`);
  });
});
