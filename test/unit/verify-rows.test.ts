import { describe, expect, it } from 'vitest';
import { failingText, rowsLine } from '../../src/core/verify-rows.js';

describe('verify.sql rows as they may leave the database', () => {
  it.each([
    [{ rows: 2, keyColumns: ['id'], keys: ['4', '5'] }, '2 rows; id: 4, 5'],
    [{ rows: 1, keyColumns: ['a', 'b'], keys: ['(1, x)'] }, '1 row; (a, b): (1, x)'],
    [{ rows: 12, keyColumns: ['id'], keys: ['1', '2'] }, '12 rows; id: 1, 2, …'],
    [
      { rows: 1234, keyColumns: null, keys: ['1', '2'] },
      '1,234 rows (no primary key among its columns; rows 1, 2, …)',
    ],
  ])('%o -> %s', (f, line) => {
    expect(rowsLine({ query: 'SELECT 1', ...f })).toBe(line);
  });

  it('one query per line pair, the query on one line', () => {
    expect(
      failingText([
        { query: 'SELECT *\n  FROM "Comment" -- the orphans', rows: 1, keyColumns: ['id'], keys: ['9'] },
      ]),
    ).toBe('  SELECT * FROM "Comment"\n      1 row; id: 9');
  });
});
