// Nothing ran means nothing recorded (issue 17), on real PostgreSQL, git and the Prisma CLI: a
// role that cannot write, a detached HEAD, a merge under way, a Prisma config variable that is
// not set, a package.json left with merge markers. Each is refused before the intent: exit code
// and cause, the ledger, HEAD, the tree and _prisma_migrations as they were. And a role-level
// statement_timeout: something did run there, so it is recorded, as skipped, with its source.
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { pgQuery, rowStates, TEST_DATABASE_URL } from '../support/db.js';
import { git } from '../support/git.js';
import { AS_IS, ledgerEvents, runHotfix, startWithSql, type HotfixRun } from '../support/hotfix.js';
import { STAGING_ENV, useTwoEnvProject } from '../support/scenario.js';

const DEPLOY = (name: string) => ['deploy', name, '--env', 'staging', '--json'];

describe.sequential('nothing ran, nothing recorded (PostgreSQL, git, Prisma CLI)', () => {
  const suffix = randomBytes(3).toString('hex');
  const READ_ONLY = `ph_ro_${suffix}`;
  const SLOW = `ph_slow_${suffix}`;

  const s = useTwoEnvProject({ provider: 'postgresql', prefix: 'nothingran' });

  /** The staging URL, as role `role`. */
  const stagingAs = (role: string) => {
    const u = new URL(s.stagingUrl);
    u.username = role;
    return u.toString();
  };
  const hotfix = (args: string[], extra: Record<string, string> = {}) =>
    runHotfix(s.project.dir, args, { ...s.env, ...extra });

  /** A hotfix adding an index on "Post"; its hotfix branch is checked out. */
  const started = (name: string, sql = `CREATE INDEX "Post_${name}_idx" ON "Post"("title");\n`) =>
    startWithSql(s, name, sql, `DROP INDEX "Post_${name}_idx";\n`, AS_IS);

  /** What a refused command must leave as it was. */
  const state = (name: string) => ({
    head: git(s.project.dir, 'rev-parse', 'HEAD'),
    status: git(s.project.dir, 'status', '--porcelain'),
    ledger: ledgerEvents(s, name),
  });

  /** A refusal: `code` with `exit` in stderr and in the --json document; its error returned. */
  function expectRefused(r: HotfixRun, exit: number, code: string) {
    expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(exit);
    expect(r.stderr).toContain(code);
    expect(r.stderr).not.toMatch(/bug|Unexpected/i);
    const doc = JSON.parse(r.stdout) as { error: { code: string; message: string; hint: string | null } };
    expect(doc.error.code).toBe(code);
    return doc.error;
  }

  beforeAll(async () => {
    // A role that may read staging but whose sessions take no writes.
    await pgQuery(
      TEST_DATABASE_URL,
      `CREATE ROLE ${READ_ONLY} LOGIN; ALTER ROLE ${READ_ONLY} SET default_transaction_read_only = on;` +
        ` CREATE ROLE ${SLOW} LOGIN; ALTER ROLE ${SLOW} SET statement_timeout = '1s';`,
    );
    // A role that owns staging's tables (as an application's migration role does), with a 1 s
    // statement_timeout of its own.
    await pgQuery(
      s.stagingUrl,
      `GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${READ_ONLY};` +
        ` GRANT USAGE, CREATE ON SCHEMA public TO ${SLOW};` +
        ` ALTER TABLE "User" OWNER TO ${SLOW}; ALTER TABLE "Post" OWNER TO ${SLOW};` +
        ` ALTER TABLE "_prisma_migrations" OWNER TO ${SLOW};`,
    );
  });
  afterAll(async () => {
    for (const role of [READ_ONLY, SLOW]) {
      try {
        await pgQuery(s.stagingUrl, `REASSIGN OWNED BY ${role} TO postgres; DROP OWNED BY ${role};`);
      } catch {
        // Staging is dropped already (or was never made): nothing of the role is left in it.
      }
      await pgQuery(TEST_DATABASE_URL, `DROP ROLE IF EXISTS ${role}`);
    }
  });

  test('a read-only role: deploy and resolve refuse with DB_READ_ONLY naming the variable; with a writer resolve goes on', async () => {
    const migration = await started('ro');
    const ro = { [STAGING_ENV]: stagingAs(READ_ONLY) };
    const before = state('ro');

    const deploy = expectRefused(await hotfix(DEPLOY('ro'), ro), 2, 'DB_READ_ONLY');
    expect(deploy.message).toContain(`The staging database takes no writes through ${STAGING_ENV}`);
    expect(deploy.message).toContain(`default_transaction_read_only is on for role ${READ_ONLY}`);
    expect(deploy.message).toContain('set by the role (ALTER ROLE ... SET)');
    expect(deploy.message).toContain('Nothing ran, nothing was recorded.');
    expect(deploy.hint).toContain(`Point ${STAGING_ENV} at the primary`);
    expect(state('ro')).toEqual(before);
    expect(await rowStates(s.stagingUrl, migration)).toEqual([]);
    expect(await indexesOn('Post')).not.toContain('Post_ro_idx');

    // Patched by hand: resolve would only mark the row, and is refused the same way.
    await pgQuery(s.stagingUrl, 'CREATE INDEX "Post_ro_idx" ON "Post"("title")');
    const resolve = expectRefused(
      await hotfix(['resolve', 'ro', '--env', 'staging', '--json'], ro),
      2,
      'DB_READ_ONLY',
    );
    expect(resolve.message).toContain(STAGING_ENV);
    expect(state('ro')).toEqual(before);
    expect(await rowStates(s.stagingUrl, migration)).toEqual([]);

    // The same command through a role that can write: the refusal was the role's.
    const ok = await hotfix(['resolve', 'ro', '--env', 'staging']);
    expect(ok.exitCode, ok.stdout + ok.stderr).toBe(0);
    expect(await rowStates(s.stagingUrl, migration)).toEqual(['applied']);
    expect(ledgerEvents(s, 'ro').at(-1)).toMatchObject({ type: 'resolved', outcome: 'ok' });
  });

  test("a role's statement_timeout stops the migration: STATEMENT_TIMEOUT with its source, recorded as skipped, the row rolled back", async () => {
    const migration = await started(
      'slow',
      'SELECT pg_sleep(3);\nCREATE INDEX "Post_slow_idx" ON "Post"("title");\n',
    );
    const head = git(s.project.dir, 'rev-parse', 'HEAD');
    const r = await hotfix(DEPLOY('slow'), { [STAGING_ENV]: stagingAs(SLOW) });
    const error = expectRefused(r, 1, 'STATEMENT_TIMEOUT');
    expect(error.message).toContain('ran longer than statement_timeout on staging (1s, set by the role');
    expect(error.message).toContain('No other session was in the way');
    expect(error.message).toContain('nothing of it was applied');
    expect(error.message).not.toMatch(/held a lock/i);
    expect(error.hint).toContain("SET statement_timeout = '<enough>'");
    expect(error.hint).toContain('hotfix rehash slow');
    expect(error.hint).not.toContain('--retry');

    expect(await indexesOn('Post')).not.toContain('Post_slow_idx');
    expect(await rowStates(s.stagingUrl, migration)).toEqual(['rolled-back']);
    // Something ran: recorded (as not applied) and committed.
    expect(ledgerEvents(s, 'slow').at(-1)).toMatchObject({
      type: 'deployed',
      outcome: 'skipped',
      details: { code: 'STATEMENT_TIMEOUT', databaseCode: '57014', setting: 'statement_timeout=1s (user)' },
    });
    expect(git(s.project.dir, 'rev-parse', 'HEAD')).not.toBe(head);
    expect(git(s.project.dir, 'status', '--porcelain')).toBe('');
  });

  test('a detached HEAD: DETACHED_HEAD, nothing recorded, HEAD still detached where it was', async () => {
    const migration = await started('detached');
    git(s.project.dir, 'checkout', '-q', '--detach');
    try {
      const before = state('detached');
      const error = expectRefused(await hotfix(DEPLOY('detached')), 2, 'DETACHED_HEAD');
      expect(error.message).toContain('You are on a detached HEAD');
      expect(error.hint).toContain('git checkout hotfix/<name>');
      expect(state('detached')).toEqual(before);
      expect(() => git(s.project.dir, 'symbolic-ref', '-q', 'HEAD')).toThrow();
      expect(await rowStates(s.stagingUrl, migration)).toEqual([]);
    } finally {
      git(s.project.dir, 'checkout', '-q', 'hotfix/detached');
    }
  });

  test('a merge in progress: GIT_OPERATION_IN_PROGRESS; after git merge --abort the ledger lost nothing and deploy goes on', async () => {
    const migration = await started('merging');
    const notes = path.join(s.project.dir, 'NOTES.md');
    writeFileSync(notes, 'base\n');
    git(s.project.dir, 'add', '-A');
    git(s.project.dir, 'commit', '-qm', 'notes');
    git(s.project.dir, 'checkout', '-q', '-b', 'notes-elsewhere');
    writeFileSync(notes, 'elsewhere\n');
    git(s.project.dir, 'commit', '-qam', 'notes elsewhere');
    git(s.project.dir, 'checkout', '-q', 'hotfix/merging');
    writeFileSync(notes, 'here\n');
    git(s.project.dir, 'commit', '-qam', 'notes here');
    expect(() => git(s.project.dir, 'merge', '-q', 'notes-elsewhere')).toThrow();

    const before = state('merging');
    expect(before.status).toContain('NOTES.md');
    const error = expectRefused(await hotfix(DEPLOY('merging')), 2, 'GIT_OPERATION_IN_PROGRESS');
    expect(error.message).toContain('A merge is in progress in this repository');
    expect(error.hint).toContain('git merge --abort');
    expect(state('merging')).toEqual(before);
    expect(git(s.project.dir, 'rev-parse', '-q', '--verify', 'MERGE_HEAD')).not.toBe('');
    expect(await rowStates(s.stagingUrl, migration)).toEqual([]);

    git(s.project.dir, 'merge', '--abort');
    expect(state('merging')).toEqual({ ...before, status: '' });
    const r = await hotfix(['deploy', 'merging', '--env', 'staging']);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(await rowStates(s.stagingUrl, migration)).toEqual(['applied']);
    expect(ledgerEvents(s, 'merging').slice(0, before.ledger.length)).toEqual(before.ledger);
    expect(ledgerEvents(s, 'merging').at(-1)).toMatchObject({ type: 'deployed', outcome: 'ok' });
  });

  test("prisma.config.ts reads env('SHADOW_DATABASE_URL'), not set: PRISMA_CONFIG_ENV_UNSET; set, deploy goes on", async () => {
    const migration = await started('config');
    const config = s.project.configPath;
    const text = readFileSync(config, 'utf8');
    const edited = text.replace(
      "url: env('DATABASE_URL')",
      "url: env('DATABASE_URL'), shadowDatabaseUrl: env('SHADOW_DATABASE_URL')",
    );
    expect(edited).not.toBe(text);
    writeFileSync(config, edited);
    git(s.project.dir, 'commit', '-qam', 'prisma.config.ts: a shadow database');

    const before = state('config');
    const error = expectRefused(await hotfix(DEPLOY('config')), 2, 'PRISMA_CONFIG_ENV_UNSET');
    expect(error.message).toContain('prisma.config.ts reads $SHADOW_DATABASE_URL with env()');
    expect(error.message).toContain('Nothing ran, nothing was recorded.');
    expect(error.message).not.toContain('$DATABASE_URL');
    expect(error.hint).toContain('Export SHADOW_DATABASE_URL');
    expect(state('config')).toEqual(before);
    expect(await rowStates(s.stagingUrl, migration)).toEqual([]);

    const r = await hotfix(['deploy', 'config', '--env', 'staging'], {
      SHADOW_DATABASE_URL: s.project.databaseUrl,
    });
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(await rowStates(s.stagingUrl, migration)).toEqual(['applied']);
  });

  test('package.json committed with merge conflict markers: PACKAGE_JSON_INVALID names the line, nothing recorded', async () => {
    const migration = await started('pkg');
    const file = path.join(s.project.dir, 'package.json');
    const lines = readFileSync(file, 'utf8').split('\n');
    expect(lines[1]).toMatch(/^ {2}"name": /);
    lines.splice(1, 1, '<<<<<<< HEAD', lines[1]!, '=======', '  "name": "app",', '>>>>>>> main');
    writeFileSync(file, lines.join('\n'));
    git(s.project.dir, 'commit', '-qam', 'a merge left its markers in package.json');

    const before = state('pkg');
    const error = expectRefused(await hotfix(DEPLOY('pkg')), 2, 'PACKAGE_JSON_INVALID');
    expect(error.message).toContain('package.json does not parse: merge conflict markers from line 2');
    expect(error.message).toContain('Nothing ran, nothing was recorded.');
    expect(state('pkg')).toEqual(before);
    expect(await rowStates(s.stagingUrl, migration)).toEqual([]);
    expect(await indexesOn('Post')).not.toContain('Post_pkg_idx');
  });

  async function indexesOn(table: string): Promise<string[]> {
    const rows = await pgQuery<{ indexname: string }>(
      s.stagingUrl,
      'SELECT indexname FROM pg_indexes WHERE tablename = $1',
      [table],
    );
    return rows.map((r) => r.indexname);
  }
});
