// hotfix start's preflight, in-process on fakes: every refusal leaves git, the migrations and
// the ledgers as they were; a ledger it cannot read stops it (exit 3) and stays as it was.
import { describe, expect, it, test } from 'vitest';
import { fakeProject, ROOT, type FakeProject } from '../support/fakes/index.js';

const snapshot = async (fx: FakeProject) => ({
  head: await fx.git.head(),
  branch: await fx.git.currentBranch(),
  branches: [...fx.git.branches.keys()].sort(),
  dirty: await fx.git.dirtyPaths(),
  files: [...fx.files.files.entries()].filter(([f]) => f.startsWith(ROOT)).sort(),
});

const sql = (fx: FakeProject, text = 'CREATE INDEX "i" ON "Post"("title");\n') => {
  fx.files.put('/incident/fix.sql', text);
  return '/incident/fix.sql';
};

describe('start: preflight refusals, exit 2, nothing changed', () => {
  const cases: [string, (fx: FakeProject) => Promise<string[]> | string[], RegExp][] = [
    [
      'dirty tree (lists the paths)',
      (fx) => (fx.write('notes.txt', 'wip'), ['start', 'x1']),
      /uncommitted changes: notes\.txt/,
    ],
    [
      'not on the base branch',
      async (fx) => (await fx.git.createBranch('feature', 'main'), ['start', 'x1']),
      /not on the base branch "main"/,
    ],
    [
      'unknown base branch',
      () => ['start', 'x1', '--base', 'release'],
      /Base branch "release" does not exist/,
    ],
    [
      'branch already exists',
      (fx) => (fx.git.branches.set('hotfix/x1', fx.git.branches.get('main')!), ['start', 'x1']),
      /Branch "hotfix\/x1" already exists/,
    ],
    ['path traversal name', () => ['start', '../x'], /Invalid hotfix name/],
    ['absolute name', () => ['start', '/abs'], /Invalid hotfix name/],
    ['leading dash', () => ['start', '--', '-x'], /Invalid hotfix name/],
    ['over 200 bytes', () => ['start', 'a'.repeat(201)], /longer than 200 bytes/],
    ['empty name', () => ['start', ''], /Invalid hotfix name/],
    [
      'both sources',
      () => ['start', 'x1', '--sql', 'a.sql', '--from-schema'],
      /cannot be used with|Choose one migration source/,
    ],
    ['missing --sql file', () => ['start', 'x1', '--sql', 'nope.sql'], /Cannot read --sql file nope\.sql/],
    ['empty --sql file', (fx) => ['start', 'x1', '--sql', sql(fx, '  \n')], /is empty/],
    [
      'unknown config key',
      (fx) => (
        fx.write('hotfix.config.json', '{"basebranch":"main"}'),
        fx.git.commitAll('cfg'),
        ['start', 'x1']
      ),
      /unknown key basebranch/,
    ],
    [
      'a hotfix of that name in a ledger on another branch',
      async (fx) => {
        expect((await fx.run(['start', 'x1', '--sql', sql(fx)])).exitCode).toBe(0);
        await fx.git.checkout('main');
        fx.git.branches.set('hotfix/renamed', fx.git.branches.get('hotfix/x1')!);
        fx.git.branches.delete('hotfix/x1');
        return ['start', 'x1', '--sql', sql(fx)];
      },
      /A hotfix named "x1" already exists \(hotfix\/renamed:\.hotfix\/x1\.json\)/,
    ],
  ];
  it.each(cases)('%s', async (_label, arrange, message) => {
    const fx = fakeProject();
    const args = await arrange(fx);
    const before = await snapshot(fx);
    const run = await fx.run(args);
    expect(run.exitCode, run.stderr).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stdout).toBe('');
    expect(await snapshot(fx)).toEqual(before);
  });
});

describe('a ledger it cannot read stops the command with exit 3 and stays as it was', () => {
  it.each([
    ['corrupt', '{"schemaVersion": 1, "name": '],
    ['conflicted', '<<<<<<< HEAD\n{"a":1}\n=======\n{"a":2}\n>>>>>>> hotfix/y\n'],
    ['newer version', JSON.stringify({ schemaVersion: 2, name: 'y', events: [] })],
  ])('%s', async (_label, content) => {
    const fx = fakeProject();
    fx.write('.hotfix/y.json', content);
    fx.git.commitAll('ledger');
    const before = await snapshot(fx);
    for (const args of [['start', 'x1', '--sql', sql(fx)], ['status'], ['status', '--json']]) {
      const run = await fx.run(args);
      expect(run.exitCode, run.stderr).toBe(3);
      expect(run.stderr).toContain('.hotfix/y.json');
    }
    expect(fx.read('.hotfix/y.json')).toBe(content);
    expect(await snapshot(fx)).toEqual(before);
  });
});

describe('start --from-schema: the development database it diffs through (start-checks-postgres)', () => {
  test('without a development database: exit 2 naming the variable', async () => {
    const fx = fakeProject();
    const before = await snapshot(fx);
    const r = await fx.run(['start', 'no-dev', '--from-schema'], { DATABASE_URL: '' });
    expect(r.exitCode, r.stderr).toBe(2);
    expect(r.stderr).toContain('DEV_DATABASE_MISSING');
    expect(r.stderr).toContain('export DATABASE_URL=');
    expect(await snapshot(fx)).toEqual(before);
  });

  test("whose development database is production's: refused before prisma runs", async () => {
    const fx = fakeProject();
    const before = await snapshot(fx);
    const r = await fx.run(['start', 'on-prod', '--from-schema'], {
      DATABASE_URL: fx.env.PRODUCTION_DATABASE_URL,
    });
    expect(r.exitCode, r.stderr).toBe(2);
    expect(r.stderr).toContain('DEV_DATABASE_IS_PROTECTED');
    expect(r.stderr).toContain('protected environment "production"');
    expect(fx.prisma.calls).toEqual([]);
    expect(await fx.git.localBranches('hotfix/*')).toEqual([]);
    expect(await snapshot(fx)).toEqual(before);
  });
});

describe('start --dry-run shows every part it would write (an index plus a DELETE)', () => {
  const FIX =
    'CREATE INDEX "Post_authorId_idx" ON "Post"("authorId");\nDELETE FROM "Post" WHERE "title" = \'spam\';\n';

  test('text: each part named, numbered and printed, the DELETE of part 2 included', async () => {
    const fx = fakeProject();
    const before = await snapshot(fx);
    const r = await fx.run(['start', 'cleanup', '--sql', sql(fx, FIX), '--dry-run']);
    expect(r.exitCode, r.stderr).toBe(0);
    const part2 = /prisma\/migrations\/\d{14}_cleanup_part2/.exec(r.stdout)?.[0];
    expect(part2).toBeDefined();
    expect(r.stdout).toContain(
      `  part 2/2   ${part2}/ (the other statements: part 1 must run in a migration of its own)`,
    );
    const one = r.stdout.indexOf('Part 1 of 2\n');
    const two = r.stdout.indexOf('Part 2 of 2\n');
    expect(one).toBeGreaterThan(0);
    expect(two).toBeGreaterThan(one);
    expect(r.stdout.slice(one, two)).toContain('CREATE INDEX CONCURRENTLY "Post_authorId_idx"');
    const second = r.stdout.slice(two, r.stdout.indexOf('\nPlan\n'));
    expect(second).toContain(`${part2}/migration.sql\n`);
    expect(second).toContain('    DELETE FROM "Post" WHERE "title" = \'spam\';');
    expect(second).toContain(`${part2}/verify.sql\n`);
    expect(second).toContain('    SELECT * FROM "Post" WHERE "title" = \'spam\';');
    expect(await snapshot(fx)).toEqual(before);
  });

  test('--json: every part with its SQL, and every file in the plan', async () => {
    const fx = fakeProject();
    const r = await fx.run(['start', 'cleanup', '--sql', sql(fx, FIX), '--dry-run', '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    const parts = r.json.parts as { name: string; sql: string; down: string; verify: string }[];
    expect(parts).toHaveLength(2);
    expect(parts[0]!.sql).toContain('CREATE INDEX CONCURRENTLY "Post_authorId_idx"');
    expect(parts[0]!.sql).not.toContain('DELETE');
    expect(parts[1]!.name).toMatch(/_cleanup_part2$/);
    expect(parts[1]!.sql).toContain('DELETE FROM "Post" WHERE "title" = \'spam\';');
    expect(parts[1]!.verify).toContain('SELECT * FROM "Post" WHERE "title" = \'spam\';');
    const written = r.json.plan.find((st: { kind: string }) => st.kind === 'write-files') as {
      files: { path: string; text: string }[];
    };
    expect(written.files.map((f) => f.path)).toEqual(
      parts.flatMap((p) =>
        ['migration.sql', 'down.sql', 'verify.sql'].map((f) => `prisma/migrations/${p.name}/${f}`),
      ),
    );
    expect(written.files.find((f) => f.path.endsWith('_part2/migration.sql'))?.text).toBe(parts[1]!.sql);
  });
});

describe('start --from-schema when the development role cannot create a shadow database (P1010)', () => {
  test("Prisma's code and message, the cause and the fixes; never its banner", async () => {
    const fx = fakeProject();
    fx.prisma.diff = {
      exitCode: 1,
      stderr:
        'Loaded Prisma config from prisma.config.ts.\n\nPrisma schema loaded from prisma/schema.prisma.\nError: P1010\n\nUser `dev` was denied access on the database `postgres`\n',
    };
    const before = await snapshot(fx);
    const r = await fx.run(['start', 'from-model', '--from-schema', '--json']);
    expect(r.exitCode, r.stderr).toBe(4);
    expect(r.json.error.code).toBe('DIFF_FAILED');
    expect(r.json.error.message).toBe(
      'prisma migrate diff failed (exit 1): P1010: User `dev` was denied access on the database `postgres`\nThe role of $DATABASE_URL cannot create a shadow database: Prisma replays the migrations into a temporary one on that server.',
    );
    expect(r.json.error.hint).toContain('Set shadowDatabaseUrl in the Prisma config');
    expect(r.json.error.hint).toContain('--sql FILE');
    expect(await snapshot(fx)).toEqual(before);
  });
});

describe('START_UNSAFE names the SQL it was given', () => {
  test('the --sql file, not a migration that was never written', async () => {
    const fx = fakeProject();
    fx.files.put('/incident/all.sql', 'DELETE FROM "Post";\n');
    const r = await fx.run(['start', 'x', '--sql', '/incident/all.sql', '--json']);
    expect(r.exitCode).toBe(1);
    expect(r.json.error.code).toBe('START_UNSAFE');
    expect(r.json.error.message).toMatch(
      /^ {2}- \/incident\/all\.sql: \S+: .*\(line \d+ of the migration it would write\)$/m,
    );
    expect(r.json.error.message).not.toMatch(/prisma\/migrations\/\d+_x\/migration\.sql:\d+/);
  });
});
