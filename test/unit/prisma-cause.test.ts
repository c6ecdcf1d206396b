// What hotfix says of a prisma failure: Prisma's error code and message, never the banner lines
// it prints first ("Loaded Prisma config from prisma.config.ts."). Issue 22: resolve printed the
// banner while the real cause was P1010, a production role that cannot create a shadow database.
import { describe, expect, test } from 'vitest';
import { diffNotRun, judgeResolveCheck, type CheckFacts } from '../../src/core/plan/resolve-check.js';
import { prismaCause } from '../../src/core/prisma-output.js';
import { driftFromDiff } from '../../src/core/verify/drift.js';

const BANNERS = [
  'Loaded Prisma config from prisma.config.ts.',
  '',
  'Prisma schema loaded from prisma/schema.prisma.',
  'Datasource "db": PostgreSQL database "shop", schema "public" at "db.internal:5432"',
  '',
].join('\n');
const DENIED = 'User `app` was denied access on the database `postgres`';

/** Prisma 7's two ways of printing an error: the code on its own line, or before the message. */
const P1010_OWN_LINE = `${BANNERS}Error: P1010\n\n${DENIED}\n`;
const P1010_INLINE = `${BANNERS}Error: P1010: ${DENIED}\n`;
/** migrate dev's wrapper around the same refusal. */
const P3014 = `${BANNERS}Error: P3014\n\nPrisma Migrate could not create the shadow database. Please make sure the database user has permission to create databases.\n\nOriginal error: Error code: P1010\n\n${DENIED}\n`;

describe('prismaCause', () => {
  test.each([
    ['code on its own line', P1010_OWN_LINE, 'P1010', `P1010: ${DENIED}`, true],
    ['code before the message', P1010_INLINE, 'P1010', `P1010: ${DENIED}`, true],
    [
      'P3014 wrapping P1010',
      P3014,
      'P3014',
      'P3014: Prisma Migrate could not create the shadow database.',
      true,
    ],
    [
      "PostgreSQL's own words, no code",
      `${BANNERS}Error: permission denied to create database\n`,
      undefined,
      'permission denied to create database',
      true,
    ],
    [
      'another error, no code: its lines, not the banner',
      `${BANNERS}Error: Could not find a schema.prisma file\n`,
      undefined,
      'Could not find a schema.prisma file',
      false,
    ],
    ['only banners: nothing said', BANNERS, undefined, '', false],
  ])('%s', (_label, stderr, code, starts, shadow) => {
    const cause = prismaCause('', stderr);
    expect(cause.code).toBe(code);
    expect(cause.text.startsWith(starts), cause.text).toBe(true);
    expect(cause.shadowDenied).toBe(shadow);
    expect(cause.text).not.toMatch(/Loaded Prisma config|Prisma schema loaded|Datasource "/);
  });
});

describe("resolve's diff check when the role cannot create a shadow database", () => {
  test.each([
    ['own line', P1010_OWN_LINE],
    ['inline', P1010_INLINE],
  ])('P1010 (%s): the code, the message, the cause and the fix', (_label, stderr) => {
    const state = diffNotRun({ exitCode: 1, stdout: '', stderr });
    expect(state).toEqual({
      state: 'not-run',
      why: `prisma migrate diff could not run: P1010: ${DENIED}: the role cannot create a shadow database`,
      fix: expect.stringContaining('set shadowDatabaseUrl in the Prisma config') as unknown,
    });
    expect(state.state === 'not-run' && state.fix).toContain('the catalog check needs none');
  });

  test('another failure: its code and first line, no shadow-database advice', () => {
    const state = diffNotRun({
      exitCode: 1,
      stdout: '',
      stderr: `${BANNERS}Error: P1012\n\nerror: Environment variable not found: DIRECT_URL.\n`,
    });
    expect(state).toEqual({
      state: 'not-run',
      why: 'prisma migrate diff could not run: P1012: error: Environment variable not found: DIRECT_URL.',
    });
  });

  test('prisma said nothing: its exit code', () => {
    expect(diffNotRun({ exitCode: 101, stdout: '', stderr: BANNERS })).toEqual({
      state: 'not-run',
      why: 'prisma migrate diff could not run: exit 101, no message',
    });
  });

  const facts = (diff: CheckFacts['diff'], present: boolean): CheckFacts => ({
    env: 'production',
    hotfix: 'post-author-index',
    migration: '20261207100000_post_author_index',
    verifyPath: 'prisma/migrations/20261207100000_post_author_index/verify.sql',
    verdicts: [
      {
        statement: 1,
        line: 1,
        sql: 'CREATE INDEX CONCURRENTLY "Post_authorId_idx" ON "Post"("authorId")',
        status: present ? 'proved' : 'failed',
        detail: present ? 'index "Post_authorId_idx" present' : 'no index "Post_authorId_idx"',
        checks: [],
      },
    ],
    verifySql: { state: 'template' },
    diff,
  });

  test('proved by the catalog alone: the summary names P1010, the note names the fix', () => {
    const result = judgeResolveCheck(
      facts(diffNotRun({ exitCode: 1, stdout: '', stderr: P1010_OWN_LINE }), true),
    );
    expect(result.summary).toBe(
      `catalog check (prisma migrate diff could not run: P1010: ${DENIED}: the role cannot create a shadow database): index "Post_authorId_idx" present`,
    );
    expect(result.note).toContain('shadowDatabaseUrl');
  });

  test('missing by the catalog: the refusal names P1010 and the fix after what is missing', () => {
    let message = '';
    try {
      judgeResolveCheck(facts(diffNotRun({ exitCode: 1, stdout: '', stderr: P1010_OWN_LINE }), false));
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain(
      `(catalog check; prisma migrate diff could not run: P1010: ${DENIED}: the role cannot create a shadow database)`,
    );
    expect(message).toMatch(/no index "Post_authorId_idx"\nprisma migrate diff: .*shadowDatabaseUrl/);
    expect(message).not.toContain('Loaded Prisma config');
  });
});

describe("verify's drift check", () => {
  test('P1010: the code and message, the shadow database named, and the fix', () => {
    const verdict = driftFromDiff('production', { exitCode: 1, stdout: '', stderr: P1010_OWN_LINE });
    expect(verdict.status).toBe('check-failed');
    const f = verdict.findings[0]!;
    expect(f.code).toBe('DRIFT_CHECK_FAILED');
    expect(f.message).toContain(`prisma migrate diff exited 1: P1010: ${DENIED}`);
    expect(f.message).toContain('The role cannot create a shadow database');
    expect(f.message).not.toContain('Loaded Prisma config');
    expect(f.fix).toContain('Set shadowDatabaseUrl in the Prisma config for production');
    expect(f.details).toEqual({ code: 'P1010' });
  });

  test('another failure: its code and message, no banner', () => {
    const verdict = driftFromDiff('staging', {
      exitCode: 1,
      stdout: '',
      stderr: `${BANNERS}Error: P1012\n\nerror: Environment variable not found: DIRECT_URL.\n`,
    });
    expect(verdict.findings[0]!.message).toBe(
      'Drift on staging could not be checked: prisma migrate diff exited 1: P1012: error: Environment variable not found: DIRECT_URL.',
    );
  });
});
