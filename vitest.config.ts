import { defineConfig } from 'vitest/config';

// Two cores on the development and CI machines: keep parallelism modest.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['test/lab/**', 'test/lab-parker/**', 'test/browser/**', 'node_modules/**'],
    setupFiles: ['test/setup-state-dir.ts'],
    // dist/ built once before any test (bin/parker.js runs it), never rebuilt under a running test.
    globalSetup: ['test/build-once.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 20_000,
    // Set-up hooks that apply a whole layout need room on a loaded machine.
    hookTimeout: 60_000,
  },
});
