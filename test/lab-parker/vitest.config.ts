import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The Parker lab suite: parker's own built code inside the boot kernel of a QEMU/TCG VM that
// boots the Parker RFC kernel, driving its control filesystem (docs/lab.md, "The Parker lab").
// Run with `npm run test:lab:parker` after lab/parker/build-kernel.sh. One VM at a time (TCG
// keeps both host cores busy): one worker, no file parallelism, long timeouts.
export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: {
    include: ['test/lab-parker/**/*.test.ts'],
    globalSetup: ['test/lab-parker/global-setup.ts'],
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
    testTimeout: 900_000,
    hookTimeout: 900_000,
  },
});
