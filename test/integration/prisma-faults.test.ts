import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { exec } from '../../src/adapters/exec.js';
import { openPrisma } from '../../src/adapters/prisma.js';
import { installFakePrisma } from '../support/fake-prisma.js';
import { failure } from '../support/failure.js';

const target = { url: 'postgresql://app:pw-canary-9@db.internal:5432/shop', urlEnv: 'DATABASE_URL' };

function fakeProject(version?: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hotfix-fake-prisma-'));
  installFakePrisma(dir, version);
  return dir;
}

describe('prisma adapter under faults (fake prisma: fault injection only)', () => {
  it('reads the version from the project prisma package without spawning it', async () => {
    const prisma = await openPrisma(fakeProject('6.19.3'), 'prisma/schema.prisma', exec);
    expect(prisma.version).toBe('6.19.3');
    expect(prisma.major).toBe(6);
    expect(prisma.argv({ kind: 'deploy' }, target)).toEqual([
      'migrate',
      'deploy',
      '--schema',
      'prisma/schema.prisma',
    ]);
  });

  it('refuses an unsupported major and a project without prisma', async () => {
    expect((await failure(openPrisma(fakeProject('5.22.0'), 's', exec))).code).toBe('PRISMA_UNSUPPORTED');
    const none = await failure(openPrisma(mkdtempSync(path.join(os.tmpdir(), 'hotfix-none-')), 's', exec));
    expect(none.code).toBe('PRISMA_MISSING');
    expect(none.exitCode).toBe(4);
  });

  it('a crashing prisma is an infrastructure error naming the signal', async () => {
    const prisma = await openPrisma(fakeProject(), 's', exec);
    process.env.FAKE_PRISMA_MODE = 'crash';
    try {
      const error = await failure(prisma.run({ kind: 'deploy' }, target));
      expect(error.exitCode).toBe(4);
      expect(error.message).toContain('SIGSEGV');
    } finally {
      delete process.env.FAKE_PRISMA_MODE;
    }
  });

  it('a hanging prisma is stopped at the timeout', async () => {
    const prisma = await openPrisma(fakeProject(), 's', exec);
    process.env.FAKE_PRISMA_MODE = 'hang';
    try {
      const started = Date.now();
      const error = await failure(prisma.run({ kind: 'status' }, target, { timeoutMs: 800 }));
      expect(error.code).toBe('EXEC_TIMEOUT');
      expect(error.exitCode).toBe(4);
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      delete process.env.FAKE_PRISMA_MODE;
    }
  });

  it('garbage output is an unclassified error, not a success', async () => {
    const prisma = await openPrisma(fakeProject(), 's', exec);
    process.env.FAKE_PRISMA_MODE = 'garbage';
    try {
      const result = await prisma.run({ kind: 'deploy' }, target);
      expect(result.exitCode).toBe(1);
      expect(result.outcome).toMatchObject({ kind: 'error', code: undefined });
    } finally {
      delete process.env.FAKE_PRISMA_MODE;
    }
  });

  it('passes the URL in the child environment only, and redacts it from what comes back', async () => {
    const prisma = await openPrisma(fakeProject(), 's', exec);
    process.env.FAKE_PRISMA_MODE = 'echo-url';
    try {
      const result = await prisma.run({ kind: 'deploy' }, target);
      expect(result.args.join(' ')).not.toContain('pw-canary-9');
      expect(result.stderr).toContain('db.internal:5432/shop');
      expect(result.stderr).not.toContain('pw-canary-9');
    } finally {
      delete process.env.FAKE_PRISMA_MODE;
    }
  });
});
