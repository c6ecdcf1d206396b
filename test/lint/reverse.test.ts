// down.sql is judged as the reverse of its migration: dropping what the migration creates is
// the point of the file, and rollback sets the timeouts itself.
import { beforeAll, describe, expect, it } from 'vitest';
import { lintSql, loadParser, type Provider } from '../../src/core/lint/index.js';

beforeAll(() => loadParser());

const down = (sql: string, migration: string, provider: Provider = 'postgresql') =>
  lintSql(sql, { provider, hotfix: true, file: 'down.sql', reverseOf: migration }).map(
    (f) => `${f.severity} ${f.rule}`,
  );

const CREATE_TABLE = 'CREATE TABLE "Audit" ("id" SERIAL PRIMARY KEY, "note" TEXT);\n';

describe('down.sql as a reverse', () => {
  it.each<[string, string, string, string[], Provider?]>([
    ['a table the migration creates', CREATE_TABLE, 'DROP TABLE "Audit";', ['warning drop-table']],
    ['a table that existed before', CREATE_TABLE, 'DROP TABLE "User";', ['error drop-table']],
    [
      'a column the migration adds',
      'ALTER TABLE "User" ADD COLUMN "karma" INTEGER;',
      'ALTER TABLE "User" DROP COLUMN "karma";',
      ['warning drop-column'],
    ],
    [
      'an index the migration creates',
      'CREATE INDEX CONCURRENTLY "Post_title_idx" ON "Post"("title");',
      'DROP INDEX "Post_title_idx";',
      ['info drop-index-non-concurrently'],
    ],
    [
      'a SQLite table the migration creates',
      CREATE_TABLE,
      'DROP TABLE "Audit";',
      ['warning drop-table'],
      'sqlite',
    ],
  ])('drops %s', (_what, migration, sql, expected, provider) => {
    expect(down(sql, migration, provider)).toEqual(expected);
  });

  it('says why the drop is expected, and that data written since goes with it', () => {
    const [f] = lintSql('DROP TABLE "Audit";', {
      provider: 'postgresql',
      hotfix: true,
      reverseOf: CREATE_TABLE,
    });
    expect(f?.message).toContain('rows written to it since the hotfix go with it');
  });

  it('the same file as a migration (not a reverse) still fails, timeouts included', () => {
    const found = lintSql('DROP TABLE "Audit";', { provider: 'postgresql', hotfix: true }).map((f) => f.rule);
    expect(found).toEqual(expect.arrayContaining(['drop-table', 'require-lock-timeout']));
  });
});
