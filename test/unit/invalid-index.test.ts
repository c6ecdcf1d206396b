// verify's fix for an INVALID index names a command that works where it is: rollback where the
// hotfix's migration ran (applied or failed), the DROP where it never ran (made by hand).
import { describe, expect, it } from 'vitest';
import { invalidIndexFindings } from '../../src/core/verify/invalid-index.js';

const ix = { schema: 'public', name: 'Post_authorId_idx', table: 'Post', unique: false };
const sql = 'CREATE INDEX CONCURRENTLY "Post_authorId_idx" ON "Post"("authorId");\n';
const fix = (ran: boolean | undefined, hotfix: string | null = 'post-author-index') =>
  invalidIndexFindings(
    'production',
    [ix],
    [{ name: '20261207100000_x', sql, hotfix: hotfix ?? undefined, ran }],
  )[0]!.fix;

describe('INVALID index: the fix that works', () => {
  it('the migration ran here (failed): hotfix rollback drops it and settles it', () => {
    expect(fix(true)).toBe(
      'hotfix rollback post-author-index --env production (it drops it and settles the migration), then deploy again',
    );
  });
  it('it never ran here (made by hand): the DROP, then deploy; never rollback', () => {
    const text = fix(false);
    expect(text).toMatch(/^DROP INDEX CONCURRENTLY "public"\."Post_authorId_idx"; \(made by hand/);
    expect(text).toContain('hotfix rollback has nothing to undo there');
    expect(text).toContain('then hotfix deploy post-author-index --env production');
    expect(text).not.toMatch(/^hotfix rollback/);
  });
  it('no hotfix creates it: the DROP, then create it again', () => {
    expect(fix(undefined, null)).toBe(
      'DROP INDEX CONCURRENTLY "public"."Post_authorId_idx"; then create it again with CREATE INDEX CONCURRENTLY',
    );
  });
});
