import { defineConfig } from 'vitest/config';

// The dashboard in Debian's chromium (npm run test:browser): its own suite, out of the unit suite.
export default defineConfig({
  test: {
    include: ['test/browser/**/*.test.ts'],
    setupFiles: ['test/setup-state-dir.ts'],
    pool: 'forks',
    maxWorkers: 1,
    testTimeout: 150_000,
    hookTimeout: 120_000,
  },
});
