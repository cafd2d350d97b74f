import { spawnSync } from 'node:child_process';
import { parkerLabProblem, PROJECT_ROOT } from './parker-vm.js';

/**
 * dist/ must be the build of this checkout: boot.sh --node copies it into the guest.
 * PARKER_LAB_SKIP_BUILD=1 keeps an existing dist/. Without the Parker lab there is nothing to
 * build for: each test file then fails in its beforeAll (assertParkerLabReady), naming the fix.
 */
export default function setup(): void {
  if (parkerLabProblem() !== null || process.env.PARKER_LAB_SKIP_BUILD === '1') return;
  const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: PROJECT_ROOT, encoding: 'utf8' });
  if (build.status !== 0) {
    throw new Error(`npm run build failed, so the Parker lab has nothing to run:\n${build.stdout}${build.stderr}`);
  }
}
