// hotfix finish when develop conflicts with the hotfix: it stops with exit 1, main keeps the
// merge, the repository is left mid-merge for a person, the ledger in the merge records how far
// it got, and running finish again once the merge is committed completes it. Real git, no
// database (the environments are finished with --allow-partial).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { git, initRepo } from '../support/git.js';
import { runHotfix } from '../support/hotfix.js';

const NAME = 'fix-timeout';

describe.sequential('finish stops on a conflict in develop and resumes', () => {
  let root: string;
  let dir: string;
  const hotfix = (...args: string[]) => runHotfix(dir, args, {});
  const ledger = () =>
    JSON.parse(readFileSync(path.join(dir, '.hotfix', `${NAME}.json`), 'utf8')) as {
      events: { type: string; outcome: string; reason?: string; details?: Record<string, unknown> }[];
    };

  beforeAll(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'hotfix-finish-'));
    dir = path.join(root, 'app');
    mkdirSync(path.join(dir, 'prisma', 'migrations', '20240101000000_init'), { recursive: true });
    mkdirSync(path.join(dir, 'src'));
    writeFileSync(
      path.join(dir, 'prisma', 'schema.prisma'),
      'datasource db {\n  provider = "postgresql"\n}\n',
    );
    writeFileSync(path.join(dir, 'prisma', 'migrations', 'migration_lock.toml'), 'provider = "postgresql"\n');
    writeFileSync(
      path.join(dir, 'prisma', 'migrations', '20240101000000_init', 'migration.sql'),
      'CREATE TABLE "Order" ("id" SERIAL PRIMARY KEY, "customerId" INTEGER);\n',
    );
    writeFileSync(path.join(dir, 'package.json'), '{\n  "name": "app",\n  "version": "1.2.0"\n}\n');
    writeFileSync(path.join(dir, 'src', 'config.ts'), 'export const timeout = 10;\n');
    initRepo(dir);
    git(dir, 'checkout', '-q', '-b', 'develop');
    writeFileSync(path.join(dir, 'src', 'config.ts'), 'export const timeout = 30;\n');
    git(dir, 'commit', '-qam', 'develop: longer timeout');
    git(dir, 'checkout', '-q', 'main');
  });
  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
  });

  test('a hotfix that changes the same line as develop', async () => {
    const sql = path.join(root, 'fix.sql');
    writeFileSync(sql, 'CREATE INDEX "Order_customerId_idx" ON "Order"("customerId");\n');
    const r = await hotfix('start', NAME, '--sql', sql);
    expect(r.exitCode, r.stderr).toBe(0);
    writeFileSync(path.join(dir, 'src', 'config.ts'), 'export const timeout = 20;\n');
    git(dir, 'commit', '-qam', 'hotfix: timeout 20');
  });

  test('finish stops with exit 1 on the develop conflict; main stays merged; the ledger records it', async () => {
    const r = await hotfix('finish', NAME, '--allow-partial', '--reason', 'production is patched tonight');
    expect(r.exitCode, r.stderr).toBe(1);
    expect(r.stderr).toContain(
      `Merging hotfix/${NAME} into develop stopped on a conflict in: src/config.ts.`,
    );
    expect(r.stderr).toContain('main already has the hotfix');
    expect(r.stderr).toContain(`run hotfix finish ${NAME} again`);
    expect(r.stderr).toContain('MERGE_CONFLICT, exit 1');
    git(dir, 'merge-base', '--is-ancestor', `hotfix/${NAME}`, 'main'); // throws when not merged
    expect(git(dir, 'symbolic-ref', '--short', 'HEAD')).toBe('develop');
    expect(git(dir, 'rev-parse', '-q', '--verify', 'MERGE_HEAD')).not.toBe('');
    expect(git(dir, 'diff', '--name-only', '--diff-filter=U')).toBe('src/config.ts');
    expect(ledger().events.at(-1)).toMatchObject({
      type: 'finished',
      outcome: 'failed',
      reason: 'production is patched tonight',
      details: { merged: ['main'], conflict: { branch: 'develop', files: ['src/config.ts'] } },
    });
    expect(git(dir, 'tag')).toBe('');
    expect(git(dir, 'branch', '--list', `hotfix/${NAME}`)).not.toBe('');
    const status = JSON.parse((await hotfix('status', NAME, '--json')).stdout);
    expect(status.hotfixes[0].phase).toBe('open');
    const checklist = JSON.parse((await hotfix('checklist', NAME, '--phase', 'merge-back', '--json')).stdout);
    expect(checklist.items.filter((i: { done: boolean }) => i.done).map((i: { id: string }) => i.id)).toEqual(
      ['main'],
    );
  });

  test('run again mid-merge: refused (exit 2) until the merge is committed', async () => {
    const r = await hotfix('finish', NAME, '--allow-partial', '--reason', 'production is patched tonight');
    expect(r.exitCode, r.stderr).toBe(2);
    expect(r.stderr).toContain('MERGE_IN_PROGRESS');
  });

  test('once the person commits the merge, finish completes: bump, tag, the same ledger on both, branch deleted', async () => {
    writeFileSync(path.join(dir, 'src', 'config.ts'), 'export const timeout = 30;\n');
    git(dir, 'add', 'src/config.ts');
    git(dir, 'commit', '-q', '--no-edit');
    const r = await hotfix('finish', NAME, '--allow-partial', '--reason', 'production is patched tonight');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).not.toContain(`merged hotfix/${NAME} into`); // both merges were done before
    expect(git(dir, 'tag')).toBe('v1.2.1');
    expect(JSON.parse(git(dir, 'show', 'main:package.json')).version).toBe('1.2.1');
    expect(git(dir, 'branch', '--list', `hotfix/${NAME}`)).toBe('');
    const main = git(dir, 'show', `main:.hotfix/${NAME}.json`);
    expect(git(dir, 'show', `develop:.hotfix/${NAME}.json`)).toBe(main);
    expect(
      ledger()
        .events.slice(-2)
        .map((e) => [e.type, e.outcome]),
    ).toEqual([
      ['finished', 'failed'],
      ['finished', 'ok'],
    ]);
  });
});
