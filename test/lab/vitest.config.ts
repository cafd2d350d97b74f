import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The lab suite: parker inside QEMU/TCG VMs booting a real kernel (docs/lab.md).
// Run with `npx vitest run --config test/lab/vitest.config.ts` after lab/setup.sh.
// One VM at a time (TCG keeps both host cores busy), so one worker and no file parallelism;
// a boot plus a node start in the guest takes tens of seconds, hence the long timeouts.
export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: {
    include: ['test/lab/**/*.test.ts'],
    globalSetup: ['test/lab/global-setup.ts'],
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
    testTimeout: 600_000,
    hookTimeout: 600_000,
  },
});
