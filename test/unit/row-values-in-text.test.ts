import { describe, expect, test } from 'vitest';
import { withoutRowValues } from '../../src/core/redact.js';
import { queryShape } from '../../src/core/sql/query-shape.js';

describe('queryShape: another session’s query without its values', () => {
  test.each([
    [
      `UPDATE "User" SET email = 'alice@example.com' WHERE id = 42`,
      'UPDATE "User" SET email = ? WHERE id = ?',
    ],
    [
      `select * from t where a = 'it''s' and b = E'x\\'y' and c = 1.5e-3`,
      'select * from t where a = ? and b = ? and c = ?',
    ],
    [`SELECT $tag$secret$tag$, $$body$$, $1`, 'SELECT ?, ?, $1'],
    [`SELECT 1 -- CANARY\nFROM t /* CANARY */ WHERE x = 'CANARY`, 'SELECT ? FROM t WHERE x = ?'],
    [`SELECT "col2", t2.c3 FROM t2`, 'SELECT "col2", t2.c3 FROM t2'],
    [
      `INSERT INTO "Comment" ("body") VALUES ('CANARY-ROW'), (x'CAFE')`,
      'INSERT INTO "Comment" ("body") VALUES (?), (?)',
    ],
  ])('%s', (sql, shape) => {
    expect(queryShape(sql)).toBe(shape);
  });

  test('a long query is cut after its values are gone', () => {
    const shape = queryShape(`SELECT ${"'v', ".repeat(200)}1`, 40);
    expect(shape).toHaveLength(40);
    expect(shape).not.toContain('v');
  });
});

describe('withoutRowValues: database errors without the rows that caused them', () => {
  test.each([
    [
      'ERROR: could not create unique index "User_email_key"\nDETAIL: Key (email)=(alice@example.com) is duplicated.',
      'ERROR: could not create unique index "User_email_key"\nDETAIL: Key (email)=(…) is duplicated.',
    ],
    ['DETAIL: Key (a, b)=(1, (x)) already exists.', 'DETAIL: Key (a, b)=(…) already exists.'],
    [
      'Key (authorId)=(7) is not present in table "User".',
      'Key (authorId)=(…) is not present in table "User".',
    ],
    ['DETAIL:  Failing row contains (1, CANARY-ROW, null).', 'DETAIL:  Failing row contains (…)'],
    [
      "Duplicate entry 'alice@example.com' for key 'User.User_email_key'",
      "Duplicate entry '…' for key 'User.User_email_key'",
    ],
    [
      "Incorrect integer value: 'CANARY' for column 'n' at row 1",
      "Incorrect integer value: '…' for column 'n' at row 1",
    ],
    ['invalid input syntax for type integer: "CANARY-ROW"', 'invalid input syntax for type integer: "…"'],
    ['UNIQUE constraint failed: User.email', 'UNIQUE constraint failed: User.email'],
  ])('%s', (text, masked) => {
    expect(withoutRowValues(text)).toBe(masked);
  });
});
