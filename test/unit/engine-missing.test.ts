// Prisma's words when its schema engine cannot start, as measured with the real Prisma 7.10 CLI
// on a machine that cannot reach binaries.prisma.sh: hotfix names the problem instead.
import { describe, expect, it } from 'vitest';
import { engineMissing } from '../../src/core/prisma-output.js';

describe('engineMissing', () => {
  it('the engine not installed and its host unreachable', () => {
    const text =
      'Loaded Prisma config from prisma.config.ts.\n\nError: request to https://binaries.prisma.sh/all_commits/d1b3f377ca835d73fd50954a5e22128b9ebdd6b8/debian-openssl-3.0.x/schema-engine.gz.sha256 failed, reason: getaddrinfo ENOTFOUND binaries.prisma.sh\n';
    expect(engineMissing(text)?.why).toBe(
      'its schema engine is not installed, and binaries.prisma.sh could not be reached to download it (getaddrinfo ENOTFOUND binaries.prisma.sh)',
    );
  });
  it('PRISMA_SCHEMA_ENGINE_BINARY pointing nowhere', () => {
    const text =
      "Loaded Prisma config from prisma.config.ts.\n\nError: Env var PRISMA_SCHEMA_ENGINE_BINARY is provided but provided path /nope/schema-engine can't be resolved.\n";
    expect(engineMissing(text)?.why).toBe(
      'PRISMA_SCHEMA_ENGINE_BINARY points at /nope/schema-engine, which does not exist',
    );
  });
  it('anything else is not this', () => {
    expect(engineMissing("Error: P1001: Can't reach database server at `db:5432`")).toBeUndefined();
  });
});
