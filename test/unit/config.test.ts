import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { nodeFiles } from '../../src/adapters/files.js';
import { loadConfig, pathsFromPrismaConfig } from '../../src/workflow/config-loader.js';
import { resolveEnvironment } from '../../src/core/config.js';
import { failure } from '../support/failure.js';

function dir(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'hotfix-config-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(root, name), content);
  return root;
}

describe('config', () => {
  it('defaults: main/develop, prisma/ paths, production from DATABASE_URL (protected)', async () => {
    const config = await loadConfig(nodeFiles, dir({}));
    expect(config.baseBranch).toBe('main');
    expect(config.developBranch).toBe('develop');
    expect(config.schema).toBe('prisma/schema.prisma');
    expect(config.migrations).toBe('prisma/migrations');
    expect(config.environments).toEqual({
      production: {
        name: 'production',
        urlEnv: 'DATABASE_URL',
        protected: true,
        prismaConfig: undefined,
        prismaUrlEnv: 'DATABASE_URL',
      },
    });
  });

  it('takes schema and migrations paths from prisma.config.ts', async () => {
    const config = await loadConfig(
      nodeFiles,
      dir({
        'prisma.config.ts': `export default defineConfig({ schema: 'db/schema.prisma', migrations: { path: "db/migs" } })`,
      }),
    );
    expect(config.schema).toBe('db/schema.prisma');
    expect(config.migrations).toBe('db/migs');
    expect(pathsFromPrismaConfig('export default {}')).toEqual({});
  });

  it('reads environments and rejects unknown keys with their path', async () => {
    const good = await loadConfig(
      nodeFiles,
      dir({
        'hotfix.config.json': JSON.stringify({
          baseBranch: 'master',
          environments: {
            staging: { urlEnv: 'STAGING_URL' },
            production: { urlEnv: 'PROD_URL', protected: true, prismaConfig: 'prisma.config.prod.ts' },
          },
        }),
      }),
    );
    expect(good.baseBranch).toBe('master');
    expect(resolveEnvironment(good, 'production')).toMatchObject({
      urlEnv: 'PROD_URL',
      protected: true,
      prismaConfig: 'prisma.config.prod.ts',
    });
    expect(() => resolveEnvironment(good, 'qa')).toThrow(/Unknown environment "qa"\.$/);
    const typo = await failure(Promise.resolve().then(() => resolveEnvironment(good, 'prodution')));
    expect(typo.message).toBe('Unknown environment "prodution". Did you mean "production"?');
    expect(typo.hint).toContain('Known environments: staging, production');
    expect(typo.details).toMatchObject({ suggestion: 'production' });

    const bad = await failure(
      loadConfig(
        nodeFiles,
        dir({
          'hotfix.config.json': JSON.stringify({
            environments: { production: { urlEnv: 'X', url: 'postgres://a' } },
          }),
        }),
      ),
    );
    expect(bad.exitCode).toBe(2);
    expect(bad.message).toContain('environments.production.url');
  });

  it('refuses a URL where a variable name belongs, and broken JSON', async () => {
    const url = await failure(
      loadConfig(
        nodeFiles,
        dir({
          'hotfix.config.json': JSON.stringify({ environments: { p: { urlEnv: 'postgres://u:p@h/db' } } }),
        }),
      ),
    );
    expect(url.code).toBe('CONFIG_INVALID');
    expect(url.message).toContain('environment variable name');
    const json = await failure(loadConfig(nodeFiles, dir({ 'hotfix.config.json': '{ nope' })));
    expect(json.code).toBe('CONFIG_INVALID');
    expect(json.exitCode).toBe(2);
  });
});
