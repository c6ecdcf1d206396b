// The pure half of hotfix start: preflight verdicts on gathered facts, the migration files, the
// next steps and the ledger it records. No git, no files, no database.
import { describe, expect, it } from 'vitest';
import type { HotfixConfig } from '../../src/core/config.js';
import { HotfixError } from '../../src/core/errors.js';
import {
  checkStartArgs,
  fromSchemaDiff,
  fromSqlFile,
  fromTemplate,
  migrationNameFor,
  namesVerdict,
  nextSteps,
  repositoryVerdict,
  requireSchemaChange,
  startFailed,
  startLedger,
  type NameFacts,
  type RepositoryFacts,
  type StartRecord,
} from '../../src/core/plan/start.js';
import { DOWN_TEMPLATE_MARKER, MIGRATION_TEMPLATE_MARKER } from '../../src/core/templates.js';

function env(name: string, isProtected = false) {
  return {
    name,
    urlEnv: `${name.toUpperCase()}_URL`,
    protected: isProtected,
    prismaConfig: undefined,
    prismaUrlEnv: 'DATABASE_URL',
  };
}

const config = (envs = [env('production', true)]): HotfixConfig => ({
  baseBranch: 'main',
  developBranch: 'develop',
  schema: 'prisma/schema.prisma',
  migrations: 'prisma/migrations',
  prismaUrlEnv: 'DATABASE_URL',
  environments: Object.fromEntries(envs.map((e) => [e.name, e])),
  source: undefined,
});

/** The code of the error `run` throws, or undefined when it returns. */
function thrownCode(run: () => unknown): string | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    if (error instanceof HotfixError) return error.code;
    throw error;
  }
}

describe('checkStartArgs', () => {
  const timeouts = { lockTimeout: '5s', statementTimeout: '60s' };
  it.each([
    ['a plain name', { name: 'add-index' }, undefined],
    ['an invalid name', { name: '../x' }, 'INVALID_NAME'],
    ['both sources', { name: 'a', sqlFile: 'f.sql', fromSchema: true }, 'CONFLICTING_SOURCES'],
    ['one source and timeouts', { name: 'a', sqlFile: 'f.sql', timeouts }, undefined],
    ['a bad timeout', { name: 'a', timeouts: { ...timeouts, lockTimeout: 'soon' } }, 'LINT_TIMEOUT_INVALID'],
    // The name is checked first: it is what every later message names.
    ['a bad name and both sources', { name: '', sqlFile: 'f.sql', fromSchema: true }, 'INVALID_NAME'],
  ])('%s', (_, args, code) => {
    expect(thrownCode(() => checkStartArgs(args))).toBe(code);
  });

  it('returns the name', () => {
    expect(checkStartArgs({ name: 'add-index' })).toBe('add-index');
  });
});

describe('repositoryVerdict', () => {
  const facts = (over: Partial<RepositoryFacts>): RepositoryFacts => ({
    base: 'main',
    baseExists: true,
    current: 'main',
    dirty: [],
    fromSchema: false,
    schemaRel: 'prisma/schema.prisma',
    sqlFileRel: undefined,
    ...over,
  });
  it.each<[string, Partial<RepositoryFacts>, string | undefined]>([
    ['on a clean base branch', {}, undefined],
    ['the base branch missing', { baseExists: false, current: 'main' }, 'BASE_MISSING'],
    [
      'the base missing, on another branch, dirty',
      { baseExists: false, current: 'x', dirty: ['a'] },
      'BASE_MISSING',
    ],
    ['on another branch', { current: 'feature' }, 'NOT_ON_BASE'],
    ['on a detached HEAD', { current: undefined }, 'NOT_ON_BASE'],
    ['another branch and dirty', { current: 'feature', dirty: ['a.ts'] }, 'NOT_ON_BASE'],
    ['an uncommitted file', { dirty: ['src/a.ts'] }, 'DIRTY_TREE'],
    ['the --sql file uncommitted', { sqlFileRel: 'fix.sql', dirty: ['fix.sql'] }, undefined],
    ['the --sql file and another', { sqlFileRel: 'fix.sql', dirty: ['fix.sql', 'b'] }, 'DIRTY_TREE'],
    [
      'the edited schema with --from-schema',
      { fromSchema: true, dirty: ['prisma/schema.prisma'] },
      undefined,
    ],
    ['the edited schema without --from-schema', { dirty: ['prisma/schema.prisma'] }, 'DIRTY_TREE'],
    [
      'a file of a schema folder with --from-schema',
      { fromSchema: true, schemaRel: 'prisma/schema', dirty: ['prisma/schema/orders.prisma'] },
      undefined,
    ],
    [
      'a look-alike of the schema folder',
      { fromSchema: true, schemaRel: 'prisma/schema', dirty: ['prisma/schema2/x.prisma'] },
      'DIRTY_TREE',
    ],
  ])('%s', (_, over, code) => {
    expect(repositoryVerdict(facts(over))?.code).toBe(code);
  });

  it('says which files are dirty, and which branch to use', () => {
    const dirty = repositoryVerdict(facts({ dirty: ['a', 'fix.sql'], sqlFileRel: 'fix.sql' }));
    expect(dirty?.message).toBe('The working tree has uncommitted changes: a');
    expect(dirty?.details).toEqual({ dirty: ['a'] });
    const elsewhere = repositoryVerdict(facts({ current: 'feature' }));
    expect(elsewhere?.message).toBe('You are on "feature", not on the base branch "main".');
    expect(elsewhere?.hint).toContain('git checkout main (or pass --base feature)');
    expect(repositoryVerdict(facts({ current: undefined }))?.message).toContain('a detached HEAD');
  });
});

describe('namesVerdict', () => {
  const facts = (over: Partial<NameFacts>): NameFacts => ({
    name: 'add-index',
    existingLedger: undefined,
    branchTaken: false,
    migrationsRel: 'prisma/migrations',
    migrationsDirExists: true,
    migrationName: '20260301120000_add_index',
    migrationFolderExists: false,
    ...over,
  });
  it.each<[string, Partial<NameFacts>, string | undefined]>([
    ['everything free', {}, undefined],
    ['a ledger of that name', { existingLedger: '.hotfix/add-index.json' }, 'HOTFIX_EXISTS'],
    ['a ledger and the branch', { existingLedger: 'x', branchTaken: true }, 'HOTFIX_EXISTS'],
    ['the branch left over', { branchTaken: true }, 'BRANCH_EXISTS'],
    ['no migrations folder', { migrationsDirExists: false }, 'NO_MIGRATIONS'],
    [
      'no migrations folder, the branch taken',
      { migrationsDirExists: false, branchTaken: true },
      'BRANCH_EXISTS',
    ],
    ['the migration folder taken', { migrationFolderExists: true }, 'MIGRATION_EXISTS'],
  ])('%s', (_, over, code) => {
    expect(namesVerdict(facts(over))?.code).toBe(code);
  });

  it('names where the hotfix is, and the branch to delete', () => {
    expect(namesVerdict(facts({ existingLedger: 'hotfix/add-index:.hotfix/add-index.json' }))?.message).toBe(
      'A hotfix named "add-index" already exists (hotfix/add-index:.hotfix/add-index.json).',
    );
    expect(namesVerdict(facts({ branchTaken: true }))?.hint).toContain('git branch -D hotfix/add-index');
  });
});

describe('migrationNameFor', () => {
  it.each([
    ['add-index', '2026-03-01T12:34:56.789Z', '20260301123456_add_index'],
    ['Fix.Orders', '2026-12-31T23:59:59Z', '20261231235959_fix_orders'],
    ['---', '2026-01-02T03:04:05Z', '20260102030405_hotfix'],
  ])('%s at %s', (name, at, expected) => {
    expect(migrationNameFor(name, new Date(at))).toBe(expected);
  });
});

describe('migration files', () => {
  it.each([
    ['ends with a newline', 'SELECT 1;\n', 'SELECT 1;\n'],
    ['gets a newline', 'SELECT 1;', 'SELECT 1;\n'],
  ])('--sql: a file that %s', (_, sql, written) => {
    const files = fromSqlFile('a', sql, 'fix.sql');
    expect(files).toMatchObject({ sql: written, source: 'sql-file', downSource: 'template' });
    expect(files.down.startsWith(DOWN_TEMPLATE_MARKER)).toBe(true);
    expect(files.downNote).toBe('Hand-written SQL has no generated reverse: write it.');
  });

  it('--sql: an empty file is refused', () => {
    expect(thrownCode(() => fromSqlFile('a', ' \n\t', 'fix.sql'))).toBe('SQL_FILE_EMPTY');
  });

  it.each<[string, string | undefined, string, string | undefined]>([
    ['with a reverse', 'DROP INDEX "i";\n', 'schema-diff', undefined],
    ['without a reverse', undefined, 'template', 'Prisma found no reverse for the schema change.'],
  ])('--from-schema %s', (_, down, downSource, downNote) => {
    const files = fromSchemaDiff('a', 'CREATE INDEX "i" ON "T"("x");\n', down);
    expect(files).toMatchObject({ source: 'schema-diff', downSource, downNote });
    if (down) expect(files.down).toBe(down);
    else expect(files.down.startsWith(DOWN_TEMPLATE_MARKER)).toBe(true);
  });

  it('--from-schema with no schema change is refused', () => {
    expect(requireSchemaChange('CREATE INDEX;\n', config())).toBe('CREATE INDEX;\n');
    expect(thrownCode(() => requireSchemaChange(undefined, config()))).toBe('NO_SCHEMA_CHANGE');
  });

  it('no source: both files are templates', () => {
    const files = fromTemplate('a');
    expect(files).toMatchObject({ source: 'template', downSource: 'template' });
    expect(files.sql.startsWith(MIGRATION_TEMPLATE_MARKER)).toBe(true);
    expect(files.down.startsWith(DOWN_TEMPLATE_MARKER)).toBe(true);
  });
});

describe('nextSteps', () => {
  it.each([
    [
      'one protected environment, SQL written',
      config(),
      'sql-file' as const,
      [
        'Review migration.sql and down.sql in the new migration folder',
        'If production was already patched by hand: hotfix resolve a --env production',
        'Otherwise deploy it: hotfix deploy a --env production',
        'See where it stands: hotfix status a',
      ],
    ],
    [
      'staging and production, a template',
      config([env('staging'), env('production', true)]),
      'template' as const,
      [
        'Write migration.sql and down.sql in the new migration folder, then commit them',
        'If production was already patched by hand: hotfix resolve a --env production',
        'To apply it where it has not run: hotfix deploy a --env staging',
        'Otherwise deploy it: hotfix deploy a --env production',
        'See where it stands: hotfix status a',
      ],
    ],
    [
      'no environment',
      config([]),
      'schema-diff' as const,
      [
        'Review migration.sql and down.sql in the new migration folder',
        'See where it stands: hotfix status a',
      ],
    ],
  ])('%s', (_, cfg, source, steps) => {
    expect(nextSteps('a', cfg, source)).toEqual(steps);
  });
});

describe('startLedger', () => {
  const record = (over: Partial<StartRecord>): StartRecord => ({
    name: 'a',
    base: 'main',
    branch: 'hotfix/a',
    current: 'main',
    migrationName: '20260301120000_a',
    checksum: 'c'.repeat(64),
    files: fromSqlFile('a', 'SELECT 1;\n', 'fix.sql'),
    at: '2026-03-01T12:00:00.000Z',
    actor: 'oncall@example.com',
    host: 'laptop',
    reason: undefined,
    sqlFileName: undefined,
    timeouts: undefined,
    lint: { errors: 0, details: { errors: 0 } },
    ...over,
  });

  it('records started, migration-created and linted, in that order', () => {
    const file = startLedger(record({ reason: 'slow page', sqlFileName: 'fix.sql' }));
    expect(file).toMatchObject({
      name: 'a',
      branch: 'hotfix/a',
      base: 'main',
      migration: '20260301120000_a',
    });
    expect(file.events.map((e) => [e.type, e.outcome, e.reason])).toEqual([
      ['started', 'ok', 'slow page'],
      ['migration-created', 'ok', 'slow page'],
      ['linted', 'ok', 'slow page'],
    ]);
    expect(file.events[0]?.details).toEqual({ base: 'main', branch: 'hotfix/a', host: 'laptop' });
    expect(file.events[1]).toMatchObject({
      checksum: 'c'.repeat(64),
      details: { source: 'sql-file', down: 'template', sqlFile: 'fix.sql' },
    });
  });

  it.each<[string, Partial<StartRecord>, string]>([
    ['a hotfix branch', {}, 'hotfix/a'],
    ['--no-branch: the current branch', { branch: undefined, current: 'release' }, 'release'],
    ['--no-branch, detached: the base', { branch: undefined, current: undefined }, 'main'],
  ])('the ledger names %s', (_, over, branch) => {
    expect(startLedger(record(over)).branch).toBe(branch);
  });

  it.each<[string, Partial<StartRecord>, boolean]>([
    ['written SQL with timeouts', { timeouts: { lockTimeout: '5s', statementTimeout: '1min' } }, true],
    [
      'a template with timeouts',
      { timeouts: { lockTimeout: '5s', statementTimeout: '1min' }, files: fromTemplate('a') },
      false,
    ],
    ['no timeouts', {}, false],
  ])('%s: timeouts recorded: %s', (_, over, recorded) => {
    const details = startLedger(record(over)).events[1]?.details ?? {};
    expect('timeouts' in details).toBe(recorded);
  });

  it('a lint with errors is recorded as failed (start does not block on it)', () => {
    const linted = startLedger(record({ lint: { errors: 2, details: { errors: 2 } } })).events[2];
    expect(linted).toMatchObject({ type: 'linted', outcome: 'failed', details: { errors: 2 } });
  });
});

describe('startFailed', () => {
  it.each([
    [
      [],
      'hotfix start failed and was undone; git, prisma/migrations and .hotfix/ are as they were. Cause: disk full',
    ],
    [
      [
        'unstage the new files (git reset -q -- .hotfix/a.json)',
        'delete branch hotfix/a (git checkout main && git branch -D hotfix/a)',
      ],
      'hotfix start failed, and these steps of its undo failed too (in order):\n  - unstage the new files (git reset -q -- .hotfix/a.json)\n  - delete branch hotfix/a (git checkout main && git branch -D hotfix/a)\nCause: disk full',
    ],
  ])('not undone: %j', (notUndone, message) => {
    const error = startFailed(new Error('disk full'), notUndone, 'prisma/migrations');
    expect(error).toMatchObject({ code: 'START_FAILED', kind: 'infra', message, details: { notUndone } });
  });
});

describe('the generated way back mirrors the safe form', () => {
  it('an index built CONCURRENTLY in a part of its own is dropped CONCURRENTLY, alone, and lints clean', async () => {
    const { loadParser } = await import('../../src/core/sql/parser.js');
    const { hotfixParts } = await import('../../src/core/plan/start-parts.js');
    const { lintSql } = await import('../../src/core/lint/index.js');
    await loadParser();
    const up =
      'ALTER TABLE "Post" ADD COLUMN "slug" TEXT;\nCREATE INDEX "Post_title_idx" ON "Post"("title");\n';
    const down = 'DROP INDEX "Post_title_idx";\nALTER TABLE "Post" DROP COLUMN "slug";\n';
    const { parts } = hotfixParts({
      name: 'title-index',
      migrationName: '20261207100000_title_index',
      now: new Date('2026-12-07T10:00:00Z'),
      files: fromSchemaDiff('title-index', up, down),
      provider: 'postgresql',
      timeouts: { lockTimeout: '5s', statementTimeout: '60s' },
      asIs: false,
    });
    const index = parts.find((p) => /CREATE INDEX CONCURRENTLY/.test(p.sql))!;
    expect(index.down.trim()).toBe('DROP INDEX CONCURRENTLY "Post_title_idx";');
    expect(lintSql(index.down, { provider: 'postgresql', hotfix: true, reverseOf: index.sql })).toEqual([]);
  });
});
