// The front door's names and messages (issue 22): hotfix names that differ only in case, a
// database password with characters a URL cannot carry, and CI annotations only on files the
// checkout has. In-process on fakes; the help and option typos are in test/unit/cli.test.ts.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, test } from 'vitest';
import { HotfixError } from '../../src/core/errors.js';
import { resolveTarget } from '../../src/core/target.js';
import { parseAnnotations } from '../support/github-commands.js';
import { fakeProject, ROOT, startWithSql, type FakeProject } from '../support/fakes/index.js';

const INDEX_SQL = 'CREATE INDEX CONCURRENTLY "User_name_idx" ON "User"("name");\n';
const INDEX_DOWN = 'DROP INDEX CONCURRENTLY IF EXISTS "User_name_idx";\n';

const snapshot = async (fx: FakeProject) => ({
  head: await fx.git.head(),
  branch: await fx.git.currentBranch(),
  branches: [...fx.git.branches.keys()].sort(),
  files: [...fx.files.files.entries()].filter(([f]) => f.startsWith(ROOT)).sort(),
});

describe('start: a name that differs from another only in case is refused (exit 2)', () => {
  const sqlFile = (fx: FakeProject) => (fx.files.put('/incident/fix.sql', INDEX_SQL), '/incident/fix.sql');

  it('beside a hotfix of that name in lower case: names the existing one, changes nothing', async () => {
    const fx = fakeProject();
    await startWithSql(fx, 'post-author-index', INDEX_SQL, INDEX_DOWN);
    await fx.git.checkout('main');
    const before = await snapshot(fx);
    for (const extra of [[], ['--dry-run']]) {
      const r = await fx.run(['start', 'Post-Author-Index', '--sql', sqlFile(fx), '--json', ...extra]);
      expect(r.exitCode, r.stderr).toBe(2);
      expect(r.json.error).toMatchObject({
        code: 'NAME_CASE_VARIANT',
        kind: 'usage',
        message:
          'Hotfix "post-author-index" already exists, and "Post-Author-Index" differs from it only in case: on macOS and Windows their ledger files and branches would be one and the same.',
        hint: 'To work on that hotfix, use its name (hotfix status post-author-index); for a new one, choose another name, in lower case.',
        details: { existing: 'post-author-index' },
      });
    }
    expect(await snapshot(fx)).toEqual(before);
  });

  it('beside a hotfix branch named before names were lower case: names that branch', async () => {
    const fx = fakeProject();
    fx.git.branches.set('hotfix/Legacy-Fix', fx.git.branches.get('main')!);
    const before = await snapshot(fx);
    const r = await fx.run(['start', 'legacy-fix', '--sql', sqlFile(fx)]);
    expect(r.exitCode, r.stderr).toBe(2);
    expect(r.stderr).toContain(
      'Hotfix "Legacy-Fix" already exists, and "legacy-fix" differs from it only in case',
    );
    expect(r.stderr).toContain('NAME_CASE_VARIANT');
    expect(await snapshot(fx)).toEqual(before);
  });

  it('a new name with capital letters: lower case is asked for, with the name to use', async () => {
    const fx = fakeProject();
    const before = await snapshot(fx);
    const r = await fx.run(['start', 'Fix-Orphans', '--sql', sqlFile(fx), '--json']);
    expect(r.exitCode, r.stderr).toBe(2);
    expect(r.json.error).toMatchObject({
      code: 'NAME_NOT_LOWERCASE',
      message:
        'Hotfix names are lower case: "Fix-Orphans" has capital letters, and a name that differs from another only in case collides with it on macOS and Windows.',
      hint: 'Run the same command with "fix-orphans".',
    });
    expect(await snapshot(fx)).toEqual(before);
    // Lower case, it starts.
    expect((await fx.run(['start', 'fix-orphans', '--sql', sqlFile(fx)])).exitCode).toBe(0);
  });
});

describe('a database URL whose password holds characters a URL cannot carry (exit 2)', () => {
  const env = { name: 'production', urlEnv: 'PRODUCTION_DATABASE_URL', protected: true } as Parameters<
    typeof resolveTarget
  >[0];
  const urlWith = (password: string) => `postgresql://app:${password}@prod.internal:5432/app?schema=public`;
  const cases: [string, string, string][] = [
    ['canary#1', '"#"', '"#" becomes %23'],
    ['canary@2', '"@"', '"@" becomes %40'],
    ['canary/3', '"/"', '"/" becomes %2F'],
    ['canary?4', '"?"', '"?" becomes %3F'],
    ['canary%5', 'a "%" not followed by two hex digits', '"%" becomes %25'],
    [
      'c#a/n?a@r%y6',
      '"#", "/", "?", "@" and a "%" not followed by two hex digits',
      '"#" becomes %23, "/" becomes %2F, "?" becomes %3F, "@" becomes %40, "%" becomes %25',
    ],
  ];

  it.each(cases)(
    '%s: names %s and says to encode the whole password, never echoing it',
    (password, named, encoded) => {
      let error: unknown;
      try {
        resolveTarget(env, { PRODUCTION_DATABASE_URL: urlWith(password) }, ROOT);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(HotfixError);
      const e = error as HotfixError;
      expect(e).toMatchObject({ code: 'MALFORMED_URL', exitCode: 2 });
      expect(e.message).toBe(
        `$PRODUCTION_DATABASE_URL (environment "production") is not a usable database URL: its password holds ${named}, which a URL cannot carry unencoded.`,
      );
      expect(e.hint).toBe(
        `Percent-encode the whole password, e.g. with encodeURIComponent() in JavaScript (${encoded}), and set $PRODUCTION_DATABASE_URL again.`,
      );
      // Neither the password nor a piece of it longer than a character.
      const said = `${e.message}\n${e.hint}\n${JSON.stringify(e.details)}`;
      for (const piece of password.split(/[#@/?%]/).filter((p) => p.length > 1))
        expect(said).not.toContain(piece);
    },
  );

  it('encoded, the same passwords are accepted; "@" in a query parameter is not the password\'s', () => {
    for (const [password] of cases) {
      const target = resolveTarget(
        env,
        { PRODUCTION_DATABASE_URL: urlWith(encodeURIComponent(password)) },
        ROOT,
      );
      expect(target.describe).toBe('prod.internal:5432/app');
    }
    const query = 'postgresql://app:pw@prod.internal:5432/app?sslcert=/certs/a@b.pem';
    expect(resolveTarget(env, { PRODUCTION_DATABASE_URL: query }, ROOT).describe).toBe(
      'prod.internal:5432/app',
    );
  });

  test('through the CLI: exit 2, the usual error document, nothing connected', async () => {
    const fx = fakeProject();
    const r = await fx.run(['verify', '--env', 'production', '--json'], {
      PRODUCTION_DATABASE_URL: urlWith('sw0rd#canary'),
    });
    expect(r.exitCode, r.stderr).toBe(2);
    expect(r.json).toMatchObject({ ok: false, exitCode: 2, error: { code: 'MALFORMED_URL', kind: 'usage' } });
    expect(r.json.error.message).toContain('its password holds "#", which a URL cannot carry unencoded');
    expect(r.stdout + r.stderr).not.toContain('canary');
    expect(fx.prisma.calls).toEqual([]);
  });
});

describe('verify --format github: annotations on files only where the checkout has them', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hotfix-summary-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('a hotfix only on its branch: an annotation of the run, and its branch in the summary', async () => {
    const fx = fakeProject();
    const migration = await startWithSql(fx, 'user-name-idx', INDEX_SQL, INDEX_DOWN);
    expect((await fx.run(['deploy', 'user-name-idx', '--env', 'production', '--yes'])).exitCode).toBe(0);
    // CI runs on main, which lacks the hotfix's files; a folder of main has a finding too.
    await fx.git.checkout('main');
    fx.write('prisma/migrations/2024_bad/migration.sql', 'SELECT 1;\n');
    fx.git.commitAll('a badly named folder');
    const summary = path.join(dir, 'summary.md');
    const r = await fx.run(['verify', '--format', 'github'], { GITHUB_STEP_SUMMARY: summary });
    expect(r.exitCode, r.stderr).toBe(0); // warnings only
    const annotations = parseAnnotations(r.stdout);
    const onBranch = `prisma/migrations/${migration}/migration.sql`;
    const notMerged = annotations.find((a) => a.properties.title === 'hotfix verify: HOTFIX_NOT_MERGED');
    expect(notMerged).toBeDefined();
    expect(notMerged!.properties.file).toBeUndefined();
    expect(notMerged!.properties.line).toBeUndefined();
    expect(notMerged!.message).toContain(`In hotfix/user-name-idx:${onBranch}:1, not in this checkout.`);
    // What the checkout has keeps its file and line.
    expect(
      annotations.find((a) => a.properties.title === 'hotfix verify: MIGRATION_NAME_INVALID'),
    ).toMatchObject({
      properties: { file: 'prisma/migrations/2024_bad/migration.sql', line: '1' },
    });
    // No annotation points at a file the checkout lacks.
    for (const a of annotations.filter((x) => x.properties.file))
      expect(fx.files.files.has(path.join(ROOT, a.properties.file!)), a.properties.file).toBe(true);
    const md = readFileSync(summary, 'utf8');
    expect(md).toContain(`\`hotfix/user-name-idx:${onBranch}:1\` (on that branch only)`);
    expect(md).toContain('`prisma/migrations/2024_bad/migration.sql:1`');
  });
});
