import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

// What both QEMU labs share: the stock-kernel lab (lab/run.sh, test/lab/vm.ts) and the Parker
// lab (lab/parker/boot.sh, test/lab-parker/parker-vm.ts).

/** The checkout under test. */
export const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * A lab suite's global set-up: before any VM boots, dist/ must be the build of this checkout
 * (the guest runs it). PARKER_LAB_SKIP_BUILD=1 keeps an existing dist/. Without the lab
 * (`problem` is not null) there is nothing to build for: each test file then fails in its
 * beforeAll, naming the fix.
 */
export function buildForLab(problem: string | null, lab: string): void {
  if (problem !== null || process.env.PARKER_LAB_SKIP_BUILD === '1') return;
  const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: PROJECT_ROOT, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`npm run build failed, so the ${lab} has nothing to run:\n${build.stdout}${build.stderr}`);
}

export function labDir(): string {
  return process.env.PARKER_LAB_DIR ?? '/var/tmp/parker-lab';
}

/** Why QEMU cannot run here, or null when it can. */
export function qemuProblem(): string | null {
  const qemu = spawnSync('sh', ['-c', 'command -v qemu-system-x86_64'], { encoding: 'utf8' });
  return qemu.status === 0 ? null : 'qemu-system-x86_64 is not installed';
}

/** A file the VM run left, or '' when it left none (serial logs without their carriage returns). */
export function readOrEmpty(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8').replace(/\r/g, '');
  } catch {
    return '';
  }
}

/** The last `lines` lines of a text, for failure messages. */
export function tail(text: string, lines: number): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/** The exit status and host seconds a lab runner writes into its run directory. */
export function runStatus(dir: string): { exitCode: number | null; hostSeconds: number | null } {
  const exitText = readOrEmpty(path.join(dir, 'exit-code')).trim();
  const hostText = readOrEmpty(path.join(dir, 'host-seconds')).trim();
  return { exitCode: exitText === '' ? null : Number(exitText), hostSeconds: hostText === '' ? null : Number(hostText) };
}

/**
 * Runs a lab runner script of this project (lab/run.sh, lab/parker/boot.sh) and resolves with
 * what it printed once it exits. Never rejects for a failing guest: the run directory says how
 * the guest did.
 */
export function runLabRunner(script: string, args: readonly string[]): Promise<string> {
  const child = spawn(path.join(PROJECT_ROOT, script), [...args], { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', () => resolve(output));
  });
}
