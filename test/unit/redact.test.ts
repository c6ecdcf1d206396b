import { describe, expect, it } from 'vitest';
import { redact, secretsOfUrl, urlShape } from '../../src/core/redact.js';

describe('redact', () => {
  const url = 'postgresql://app:S3cr%40t-canary@db.internal:5432/shop?sslmode=require';

  it('masks a known URL and its password, raw and decoded', () => {
    const text = `connecting to ${url}; password was S3cr@t-canary and S3cr%40t-canary`;
    const out = redact(text, secretsOfUrl(url));
    expect(out).not.toContain('S3cr');
    expect(out).toContain('***');
  });

  it('masks credentials in URLs it was not told about', () => {
    expect(redact('mysql://root:hunter22@localhost:3306/x failed')).toBe(
      'mysql://root:***@localhost:3306/x failed',
    );
  });

  it('masks key=value passwords', () => {
    expect(redact('host=db password=pa55word user=x')).toBe('host=db password=*** user=x');
  });

  it('leaves text without secrets alone', () => {
    expect(redact('ALTER TABLE "User" ADD COLUMN "x" TEXT;')).toBe('ALTER TABLE "User" ADD COLUMN "x" TEXT;');
  });
});

describe('redact: passwords with unencoded "@", ":" and "/"', () => {
  // A URL parser reads the userinfo up to the LAST "@": masking up to the first one leaves the tail.
  const canary = 'postgresql://u:p@ss:w/rd@db.internal/shop';

  it('urlShape masks the whole password of a URL that does not parse', () => {
    expect(() => new URL(canary)).toThrow();
    const shape = urlShape(canary);
    expect(shape).toBe('postgresql://u:***@db.internal/shop');
  });

  it('the pattern pass masks to the last "@" of a token, not past quotes or spaces', () => {
    const out = redact(`failed: "${canary}" and mysql://root:a@b@h/x ok`);
    expect(out).not.toMatch(/p@ss|ss:w|w\/rd|a@b/);
    expect(out).toContain('"postgresql://u:***@db.internal/shop"');
    expect(out).toContain('mysql://root:***@h/x ok');
  });

  it('secretsOfUrl yields the password by the last-"@" rule, raw and decoded', () => {
    expect(secretsOfUrl(canary)).toContain('p@ss:w/rd');
    const encoded = 'postgresql://u:p%40ss%3Aw%2Frd@db.internal/shop';
    expect(secretsOfUrl(encoded)).toEqual(expect.arrayContaining(['p%40ss%3Aw%2Frd', 'p@ss:w/rd']));
    const text = redact('password p@ss:w/rd and p%40ss%3Aw%2Frd', secretsOfUrl(encoded));
    expect(text).toBe('password *** and ***');
  });
});
