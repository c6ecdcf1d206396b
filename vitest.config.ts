import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Real Prisma CLI calls take 1-3 s each; integration tests chain several.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Two cores on CI machines: forks keep each file's databases and temp dirs apart.
    pool: 'forks',
  },
});
