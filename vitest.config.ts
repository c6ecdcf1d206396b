import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Real Prisma CLI calls take 1-3 s each; integration tests chain several.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Forks keep each file's databases and temp dirs apart. Most of a test's time is spent
    // waiting on child processes (prisma, git) and PostgreSQL, so on two cores three files
    // at a time finish sooner than the default of one per spare core.
    pool: 'forks',
    maxWorkers: 3,
  },
});
