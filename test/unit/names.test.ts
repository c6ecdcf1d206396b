import { describe, expect, it } from 'vitest';
import {
  migrationSlug,
  migrationTimestamp,
  resolveInside,
  validateHotfixName,
} from '../../src/core/names.js';
import { HotfixError } from '../../src/core/errors.js';

describe('validateHotfixName', () => {
  it.each(['add-orders-index', 'v1.2.1', 'fix_orphans', 'A1'])('accepts %s', (name) => {
    expect(validateHotfixName(name)).toBe(name);
  });

  it.each([
    ['', 'empty'],
    ['../x', 'path separator'],
    ['/abs', 'absolute'],
    ['-rf', 'starts with "-"'],
    ['a\0b', 'NUL'],
    ['a'.repeat(201), 'longer than 200 bytes'],
    ['é'.repeat(101), 'longer than 200 bytes'],
    ['a..b', '".."'],
    ['has space', 'characters'],
    ['x.lock', '.lock'],
    ['name.', '.lock'],
    ['a\\b', 'path separator'],
  ])('rejects %j (%s) with a usage error', (name, why) => {
    let error: unknown;
    try {
      validateHotfixName(name);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(HotfixError);
    expect((error as HotfixError).exitCode).toBe(2);
    expect((error as HotfixError).code).toBe('INVALID_NAME');
    expect((error as HotfixError).message).toContain(why);
    expect((error as HotfixError).hint).toMatch(/letters, digits/);
  });
});

describe('migration naming', () => {
  it('uses Prisma style slugs and UTC timestamps', () => {
    expect(migrationSlug('Add-Orders.Index')).toBe('add_orders_index');
    expect(migrationSlug('---')).toBe('hotfix');
    expect(migrationTimestamp(new Date('2026-03-04T05:06:07.890Z'))).toBe('20260304050607');
  });

  it('resolveInside refuses paths that escape the parent', () => {
    expect(resolveInside('/tmp/m', 'a_b')).toBe('/tmp/m/a_b');
    expect(() => resolveInside('/tmp/m', '../evil')).toThrow(/does not resolve inside/);
    expect(() => resolveInside('/tmp/m', '/etc')).toThrow(/does not resolve inside/);
    expect(() => resolveInside('/tmp/m', '.')).toThrow(/does not resolve inside/);
  });
});

describe('resolveInside', () => {
  it.each(['..', '../x', '/etc/passwd', ''])('%j is PATH_OUTSIDE (exit 2)', async (child) => {
    const { resolveInside } = await import('../../src/core/names.js');
    expect(() => resolveInside('/repo/.hotfix', child)).toThrow(
      expect.objectContaining({ code: 'PATH_OUTSIDE', exitCode: 2 }),
    );
  });
});
