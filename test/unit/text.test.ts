// Command lines printed for people to paste (the demo's echo): a shell reads back the same words.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { shellLine, shellQuote } from '../../src/core/text.js';

describe('shellQuote', () => {
  it('leaves plain words bare and quotes the rest', () => {
    expect(shellLine(['hotfix', 'start', 'post-author-index', '--env=staging', 'prisma/migrations'])).toBe(
      'hotfix start post-author-index --env=staging prisma/migrations',
    );
    expect(shellLine(['--reason', 'slow author page'])).toBe("--reason 'slow author page'");
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    expect(shellQuote('')).toBe("''");
  });

  it('bash reads every quoted argument back as it was', () => {
    const args = [
      'slow author page',
      "it's $HOME",
      'a"b',
      '*.sql',
      'x;rm -rf /',
      'tab\there',
      'new\nline',
      '',
      '!x',
      '~',
    ];
    const echoed = execFileSync('bash', ['-c', `printf '%s\\0' ${shellLine(args)}`], { encoding: 'utf8' });
    expect(echoed.split('\0').slice(0, -1)).toEqual(args);
  });
});
