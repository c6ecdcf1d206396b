// hotfix rollback on SQLite files with the real Prisma 7 CLI: an applied hotfix rolled forward,
// and a failed one. SQLite runs a migration file statement by statement (no transaction around
// it), so a migration whose second statement fails leaves its first one in the database: the
// part-applied case happens by itself here.
import { describe, expect, test } from 'vitest';
import { prismaMigrations, rowStates, sqliteColumns } from '../support/db.js';
import { git } from '../support/git.js';
import { runHotfix, startWithSql } from '../support/hotfix.js';
import { type TwoEnvProject, useTwoEnvProject } from '../support/scenario.js';

const rowsOf = (s: TwoEnvProject, migration: string) => rowStates(s.prodUrl, migration);

describe.sequential('hotfix rollback (SQLite)', () => {
  const s = useTwoEnvProject({ provider: 'sqlite', prefix: 'rollback-sqlite' });

  test('failed migration, first statement left in: rollback removes it and marks it rolled back', async () => {
    const migration = await startWithSql(
      s,
      'nick',
      'ALTER TABLE "User" ADD COLUMN "nick" TEXT;\nUPDATE "User" SET "nope" = 1 WHERE "id" < 0;\n',
      'ALTER TABLE "User" DROP COLUMN "nick";\n',
    );
    const d = await runHotfix(s.project.dir, ['deploy', 'nick', '--env', 'production', '--yes'], s.env);
    expect(d.exitCode, d.stderr).toBe(1);
    expect(await sqliteColumns(s.prodUrl, 'User')).toContain('nick');
    expect(await rowsOf(s, migration)).toEqual(['failed']);

    const r = await runHotfix(s.project.dir, ['rollback', 'nick', '--env', 'production', '--yes'], s.env);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/present\s+column "User"\."nick"/);
    expect(r.stdout).toMatch(/run\s+1\. ALTER TABLE "User" DROP COLUMN "nick"/);
    expect(await sqliteColumns(s.prodUrl, 'User')).not.toContain('nick');
    expect(await rowsOf(s, migration)).toEqual(['rolled-back']);

    const again = await runHotfix(s.project.dir, ['rollback', 'nick', '--env', 'production', '--yes'], s.env);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.stdout).toContain('already rolled back');
  });

  test('applied migration: rolled forward with a revert migration; both rows stay', async () => {
    const migration = await startWithSql(
      s,
      'add-flag',
      'ALTER TABLE "User" ADD COLUMN "flag" BOOLEAN;\n',
      'ALTER TABLE "User" DROP COLUMN "flag";\n',
    );
    const d = await runHotfix(s.project.dir, ['deploy', 'add-flag', '--env', 'production', '--yes'], s.env);
    expect(d.exitCode, d.stderr).toBe(0);
    expect(await sqliteColumns(s.prodUrl, 'User')).toContain('flag');

    const r = await runHotfix(
      s.project.dir,
      [
        'rollback',
        'add-flag',
        '--env',
        'production',
        '--everywhere',
        '--yes',
        '--accept-risk',
        '--reason',
        'flag unused',
      ],
      s.env,
    );
    expect(r.exitCode, r.stderr).toBe(0);
    expect(await sqliteColumns(s.prodUrl, 'User')).not.toContain('flag');
    const rows = await prismaMigrations(s.prodUrl);
    const revert = rows.at(-1)!.migration_name;
    expect(revert).toMatch(/^\d{14}_revert_add_flag$/);
    expect(rows.filter((m) => [migration, revert].includes(m.migration_name)).map((m) => m.finished)).toEqual(
      [true, true],
    );
    expect(git(s.project.dir, 'status', '--porcelain')).toBe('');
    const status = await runHotfix(s.project.dir, ['status', 'add-flag'], s.env);
    expect(status.stdout).toMatch(/production\s+rolled forward/);

    const again = await runHotfix(
      s.project.dir,
      ['rollback', 'add-flag', '--env', 'production', '--everywhere', '--yes'],
      s.env,
    );
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.stdout).toContain('already rolled forward');
  });
});
