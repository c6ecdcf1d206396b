// The protected-environment confirmation, driven through a real terminal (script(1) gives hotfix
// a pseudo-terminal) on real PostgreSQL: it shows the SQL, the rows the DELETE would remove now,
// the way back and the lint verdict; "n" leaves everything as it was (exit 2).
import { describe, expect, test } from 'vitest';
import { pgQuery, prismaMigrations } from '../support/db.js';
import { git } from '../support/git.js';
import { runHotfix, startWithSql } from '../support/hotfix.js';
import { useTwoEnvProject } from '../support/scenario.js';
import { atTerminal } from '../support/terminal.js';

describe.sequential('the confirmation at a terminal (PostgreSQL)', () => {
  let migration: string;

  const s = useTwoEnvProject({ provider: 'postgresql', prefix: 'confirm_tty' }, async (s) => {
    migration = await startWithSql(
      s,
      'empty-titles',
      `DELETE FROM "Post" WHERE "title" = '';\n`,
      '-- The deleted rows come back from the backup taken with --backup.\nSELECT 1;\n',
    );
    await pgQuery(
      s.prodUrl,
      `INSERT INTO "User" ("id", "email") VALUES (700, 'a@example.com');
       INSERT INTO "Post" ("title", "authorId") VALUES ('', 700), ('', 700), ('', 700), ('kept', 700)`,
    );
  });

  test('the prompt shows the SQL, the 3 rows it would delete, the way back and the lint verdict; "n" changes nothing', async () => {
    const head = git(s.project.dir, 'rev-parse', 'HEAD');
    const r = await atTerminal(
      s.project.dir,
      ['deploy', 'empty-titles', '--env', 'production'],
      s.env,
      'n\r',
    );
    expect(r.exitCode, r.all).toBe(2);
    expect(r.all).toContain(`Will run ${migration}`);
    expect(r.all).toContain(`| DELETE FROM "Post" WHERE "title" = '';`);
    expect(r.all).toContain('Tables: "Post"');
    expect(r.all).toContain(`Rows: 3 row(s) now for DELETE FROM "Post" WHERE "title" = ''`);
    expect(r.all).toContain('Way back: down.sql is filled in');
    expect(r.all).toMatch(/Lint: /);
    expect(r.all).toContain('Not confirmed: nothing was changed.');
    expect(git(s.project.dir, 'rev-parse', 'HEAD')).toBe(head);
    expect(git(s.project.dir, 'status', '--porcelain')).toBe('');
    expect((await pgQuery(s.prodUrl, `SELECT 1 FROM "Post" WHERE "title" = ''`)).length).toBe(3);
    expect((await prismaMigrations(s.prodUrl)).map((m) => m.migration_name)).not.toContain(migration);
  });

  test('the same summary is in the dry-run plan, and "y" at the terminal applies it', async () => {
    const dry = await runHotfix(
      s.project.dir,
      ['deploy', 'empty-titles', '--env', 'production', '--dry-run'],
      s.env,
    );
    expect(dry.exitCode, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('Rows: 3 row(s) now');

    const r = await atTerminal(
      s.project.dir,
      ['deploy', 'empty-titles', '--env', 'production'],
      s.env,
      'y\r',
    );
    expect(r.exitCode, r.all).toBe(0);
    expect((await pgQuery(s.prodUrl, `SELECT 1 FROM "Post" WHERE "title" = ''`)).length).toBe(0);
  });

  test('down.sql still the template: refused on a protected environment unless --no-rollback-plan --reason', async () => {
    const other = await startWithSql(
      s,
      'no-way-back',
      'CREATE INDEX CONCURRENTLY "Post_title_idx" ON "Post"("title");\n',
    );
    const refused = await runHotfix(
      s.project.dir,
      ['deploy', 'no-way-back', '--env', 'production', '--yes', '--include-pending'],
      s.env,
    );
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain('NO_ROLLBACK_PLAN');
    expect(refused.stderr).toContain('--no-rollback-plan --reason');
    const noReason = await runHotfix(
      s.project.dir,
      ['deploy', 'no-way-back', '--env', 'production', '--yes', '--include-pending', '--no-rollback-plan'],
      s.env,
    );
    expect(noReason.exitCode).toBe(2);
    expect(noReason.stderr).toContain('NO_ROLLBACK_PLAN_NEEDS_REASON');
    const ok = await runHotfix(
      s.project.dir,
      [
        'deploy',
        'no-way-back',
        '--env',
        'production',
        '--yes',
        '--include-pending',
        '--no-rollback-plan',
        '--reason',
        'an index: dropping it by hand is the way back',
      ],
      s.env,
    );
    expect(ok.exitCode, ok.stderr).toBe(0);
    expect((await prismaMigrations(s.prodUrl)).map((m) => m.migration_name)).toContain(other);
  });

  test('progress: a spinner with the elapsed time at a terminal; none with --json, CI or NO_COLOR', async () => {
    const tty = await atTerminal(s.project.dir, ['verify', '--env', 'production'], s.env, '', true);
    // eslint-disable-next-line no-control-regex
    expect(tty.all).toMatch(/✔(\u001b\[\d+m)? checking production \(\d+\.\d s\)/);
    for (const [args, extra] of [
      [['verify', '--env', 'production', '--json'], {}],
      [['verify', '--env', 'production'], { CI: 'true' }],
      [['verify', '--env', 'production'], { NO_COLOR: '1' }],
    ] as const) {
      const r = await atTerminal(s.project.dir, [...args], { ...s.env, ...extra }, '', true);
      expect(r.all).not.toContain('checking production');
    }
  });
});
