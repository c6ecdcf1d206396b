import { describe, expect, it } from 'vitest';
import { buildPrismaArgv, majorOf } from '../../src/core/prisma-argv.js';
import { classifyPrismaOutput } from '../../src/core/prisma-output.js';

const ctx = { schema: 'prisma/schema.prisma' };

describe('buildPrismaArgv', () => {
  it('Prisma 7 reads the target from its config; 6 takes --schema', () => {
    expect(buildPrismaArgv(7, { kind: 'deploy' }, ctx)).toEqual(['migrate', 'deploy']);
    expect(buildPrismaArgv(7, { kind: 'deploy' }, { ...ctx, prismaConfig: 'prisma.config.prod.ts' })).toEqual(
      ['migrate', 'deploy', '--config', 'prisma.config.prod.ts'],
    );
    expect(buildPrismaArgv(6, { kind: 'status' }, ctx)).toEqual([
      'migrate',
      'status',
      '--schema',
      'prisma/schema.prisma',
    ]);
    expect(buildPrismaArgv(6, { kind: 'resolve', action: 'rolled-back', migration: 'm1' }, ctx)).toEqual([
      'migrate',
      'resolve',
      '--rolled-back',
      'm1',
      '--schema',
      'prisma/schema.prisma',
    ]);
    expect(buildPrismaArgv(7, { kind: 'execute', file: 'down.sql' }, ctx)).toEqual([
      'db',
      'execute',
      '--file',
      'down.sql',
    ]);
    expect(buildPrismaArgv(6, { kind: 'execute-stdin' }, ctx)).toEqual([
      'db',
      'execute',
      '--stdin',
      '--schema',
      'prisma/schema.prisma',
    ]);
  });

  it('uses each major’s diff sources and never puts a URL on argv', () => {
    expect(
      buildPrismaArgv(
        7,
        {
          kind: 'diff',
          from: { kind: 'migrations', path: 'prisma/migrations' },
          to: { kind: 'datasource' },
          script: false,
          exitCode: true,
        },
        ctx,
      ),
    ).toEqual([
      'migrate',
      'diff',
      '--from-migrations',
      'prisma/migrations',
      '--to-config-datasource',
      '--exit-code',
    ]);
    expect(
      buildPrismaArgv(
        6,
        {
          kind: 'diff',
          from: { kind: 'schema', path: 'a.prisma' },
          to: { kind: 'datasource' },
          script: true,
        },
        ctx,
      ),
    ).toEqual([
      'migrate',
      'diff',
      '--from-schema-datamodel',
      'a.prisma',
      '--to-schema-datasource',
      'prisma/schema.prisma',
      '--script',
    ]);
    expect(() =>
      buildPrismaArgv(
        6,
        { kind: 'diff', from: { kind: 'migrations', path: 'm' }, to: { kind: 'empty' }, script: true },
        ctx,
      ),
    ).toThrow(/shadow-database-url/);
  });

  it('knows which majors it supports', () => {
    expect(majorOf('7.10.1')).toBe(7);
    expect(majorOf('6.19.3')).toBe(6);
    expect(() => majorOf('5.22.0')).toThrow(/not supported/);
    expect(() => majorOf('8.0.0-rc.1')).toThrow(/not supported/);
  });
});

describe('classifyPrismaOutput', () => {
  it('turns P-codes into outcomes', () => {
    expect(classifyPrismaOutput(0, 'All migrations have been successfully applied.', '')).toEqual({
      kind: 'ok',
    });
    expect(
      classifyPrismaOutput(1, '', "Error: P1001: Can't reach database server at `127.0.0.1:1`"),
    ).toMatchObject({ kind: 'unreachable', code: 'P1001' });
    expect(
      classifyPrismaOutput(1, '', 'Error: P1002\n\nTimed out trying to acquire a postgres advisory lock'),
    ).toMatchObject({ kind: 'lock-timeout' });
    expect(classifyPrismaOutput(1, '', 'Error: P3005\n\nThe database schema is not empty.')).toMatchObject({
      kind: 'not-empty',
    });
    expect(
      classifyPrismaOutput(
        1,
        '',
        'Error: P3008\n\nThe migration `2026_fix` is already recorded as applied in the database.',
      ),
    ).toEqual(expect.objectContaining({ kind: 'already-applied', migration: '2026_fix' }));
    expect(
      classifyPrismaOutput(
        1,
        '',
        'Error: P3009\n\nmigrate found failed migrations in the target database\nThe `2026_a` migration started at 2026 failed',
      ),
    ).toEqual(expect.objectContaining({ kind: 'failed-migrations', migrations: ['2026_a'] }));
    expect(
      classifyPrismaOutput(
        1,
        '',
        'Error: P3011\n\nMigration `x` cannot be rolled back because it was never applied',
      ),
    ).toMatchObject({ kind: 'never-applied', migration: 'x' });
    expect(
      classifyPrismaOutput(
        1,
        '',
        'Error: P3012\n\nMigration `x` cannot be rolled back because it is not in a failed state.',
      ),
    ).toMatchObject({ kind: 'not-failed' });
    expect(
      classifyPrismaOutput(1, '', 'Error: P3017\n\nThe migration `y` could not be found.'),
    ).toMatchObject({ kind: 'migration-not-found', migration: 'y' });
    const failed = classifyPrismaOutput(
      1,
      '',
      'Error: P3018\n\nA migration failed to apply.\n\nMigration name: 2026_fix\n\nDatabase error code: 42703\n\nDatabase error:\nERROR: column "nope" does not exist\n\n',
    );
    expect(failed).toEqual(
      expect.objectContaining({
        kind: 'migration-failed',
        migration: '2026_fix',
        databaseCode: '42703',
        databaseError: 'ERROR: column "nope" does not exist',
      }),
    );
    expect(classifyPrismaOutput(1, '', 'segmentation fault')).toMatchObject({
      kind: 'error',
      code: undefined,
    });
  });
});

describe('refused before prisma runs', () => {
  it.each([
    ['PRISMA_UNSUPPORTED', () => majorOf('5.22.0')],
    [
      'PRISMA6_DIFF_MIGRATIONS',
      () =>
        buildPrismaArgv(
          6,
          { kind: 'diff', from: { kind: 'migrations', path: 'm' }, to: { kind: 'datasource' }, script: true },
          ctx,
        ),
    ],
  ])('%s', (code, run) => {
    expect(run).toThrow(expect.objectContaining({ code, exitCode: 2 }));
  });
});
