import { spawnSync } from 'node:child_process';
import { labProblem, PROJECT_ROOT } from './vm.js';

/**
 * Before any VM boots, dist/ must be the build of this checkout: the guest runs
 * bin/parker.js from the shared project directory. PARKER_LAB_SKIP_BUILD=1 keeps an
 * existing dist/. Without a lab there is nothing to build for: each test file then fails
 * in its beforeAll (assertLabReady), naming the fix.
 */
export default function setup(): void {
  if (labProblem() !== null || process.env.PARKER_LAB_SKIP_BUILD === '1') return;
  const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: PROJECT_ROOT, encoding: 'utf8' });
  if (build.status !== 0) {
    throw new Error(`npm run build failed, so the lab has nothing to run:\n${build.stdout}${build.stderr}`);
  }
}
