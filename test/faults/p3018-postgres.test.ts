// P3018 mid-file, applied by the real Prisma CLI on real PostgreSQL, both ways a file can fail:
// atomically (the whole file is one implicit transaction: nothing stays) and statement by
// statement (an explicit COMMIT in the file ends that transaction, so what ran before it stays).
// Each time the tool's state must match the database's, and rollback removes exactly what stayed.
import { describe, expect, test } from 'vitest';
import { pgColumns, rowStates } from '../support/db.js';
import { git } from '../support/git.js';
import { AS_IS, ledgerEvents, runHotfix, startWithSql } from '../support/hotfix.js';
import { useTwoEnvProject } from '../support/scenario.js';

describe.sequential('P3018 mid-file (PostgreSQL)', () => {
  const hotfix = (args: string[]) => runHotfix(s.project.dir, args, s.env);
  const rowsOf = (migration: string) => rowStates(s.stagingUrl, migration);
  const outcomes = (name: string) =>
    ledgerEvents(s, name)
      .filter((e) => e.type !== 'checked' && e.type !== 'intent')
      .map((e) => `${e.type}:${e.outcome}`);

  const s = useTwoEnvProject({ provider: 'postgresql', prefix: 'p3018' });

  test('atomic: the second statement fails, nothing stays; rollback runs nothing and marks it', async () => {
    const migration = await startWithSql(
      s,
      'atomic',
      'ALTER TABLE "User" ADD COLUMN "atomic_flag" BOOLEAN;\nUPDATE "User" SET "no_such_column" = 1;\n',
      'ALTER TABLE "User" DROP COLUMN "atomic_flag";\n',
      AS_IS,
    );
    const r = await hotfix(['deploy', 'atomic', '--env', 'staging']);
    expect(r.exitCode, r.stderr).toBe(1);
    expect(r.stderr).toContain('P3018');
    expect(r.stderr).toContain('no_such_column');
    expect(await pgColumns(s.stagingUrl, 'User')).not.toContain('atomic_flag');
    expect(await rowsOf(migration)).toEqual(['failed']);
    expect(outcomes('atomic')).toContain('deployed:failed');

    const back = await hotfix(['rollback', 'atomic', '--env', 'staging', '--json']);
    expect(back.exitCode, back.stderr).toBe(0);
    const doc = JSON.parse(back.stdout);
    expect(doc).toMatchObject({ ok: true, found: 'failed' });
    expect(doc.parts).toEqual([
      { object: 'column "User"."atomic_flag"', change: 'adds', statement: 1, present: false },
    ]);
    // Nothing stayed, so the down.sql's DROP COLUMN (which would fail) is not run.
    expect(Array.isArray(doc.steps)).toBe(true);
    expect(doc.steps.filter((st: { run: boolean }) => st.run)).toEqual([]);
    expect(await rowsOf(migration)).toEqual(['rolled-back']);
    expect(outcomes('atomic').at(-1)).toMatch(/^rolled-back:ok$/);
    expect(git(s.project.dir, 'status', '--porcelain')).toBe('');
  });

  test('statement by statement: what ran before the COMMIT stays; rollback removes exactly that', async () => {
    const migration = await startWithSql(
      s,
      'split',
      [
        'ALTER TABLE "User" ADD COLUMN "split_note" TEXT;',
        'COMMIT;',
        'CREATE INDEX "User_split_note_idx" ON "User"("split_note");',
        'UPDATE "User" SET "no_such_column" = 1;',
        '',
      ].join('\n'),
      'DROP INDEX IF EXISTS "User_split_note_idx";\nALTER TABLE "User" DROP COLUMN "split_note";\n',
      AS_IS,
    );
    const r = await hotfix(['deploy', 'split', '--env', 'staging']);
    expect(r.exitCode, r.stderr).toBe(1);
    expect(r.stderr).toContain('P3018');
    // The database's truth: the column before the COMMIT stayed, the index after it did not.
    expect(await pgColumns(s.stagingUrl, 'User')).toContain('split_note');
    expect(await rowsOf(migration)).toEqual(['failed']);

    const back = await hotfix(['rollback', 'split', '--env', 'staging', '--json']);
    expect(back.exitCode, back.stderr).toBe(0);
    const doc = JSON.parse(back.stdout);
    expect(doc.parts).toEqual([
      { object: 'column "User"."split_note"', change: 'adds', statement: 1, present: true },
      { object: 'index "User_split_note_idx"', change: 'adds', statement: 3, present: false },
    ]);
    expect(await pgColumns(s.stagingUrl, 'User')).not.toContain('split_note');
    expect(await rowsOf(migration)).toEqual(['rolled-back']);
    expect(outcomes('split').at(-1)).toBe('rolled-back:ok');
    expect(git(s.project.dir, 'status', '--porcelain')).toBe('');
  });
});
