import { defineConfig } from 'vitest/config';

// One suite for both databases: without DATABASE_URL every test file gets its own in-memory
// PGlite; with DATABASE_URL the files share that server, migrated once by the global setup.
export default defineConfig({
  test: {
    include: ['apps/*/src/**/*.test.ts', 'apps/*/test/**/*.test.ts', 'packages/*/src/**/*.test.ts'],
    globalSetup: ['apps/server/test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default'],
  },
});
