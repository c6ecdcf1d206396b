import { describe, expect, it } from 'vitest';
import { redact, secretsOfUrl } from '../../src/core/redact.js';

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
