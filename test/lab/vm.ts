import * as fs from 'node:fs';
import * as path from 'node:path';
import { labDir, qemuProblem, readOrEmpty, runLabRunner, runStatus, tail } from './lab-process.js';

// lab/run.sh shares the checkout under test (PROJECT_ROOT) with the VM at /mnt/project.
export { PROJECT_ROOT, labDir } from './lab-process.js';

/** What lab/setup.sh leaves behind and every VM needs. */
const LAB_FILES = ['share/boot/vmlinuz', 'share/boot/initrd.img', 'share/boot/kernel-release', 'share/node/bin/node'];

/** Why no lab VM can start here, or null when one can. */
export function labProblem(): string | null {
  const qemu = qemuProblem();
  if (qemu !== null) return qemu;
  const missing = LAB_FILES.filter((file) => !fs.existsSync(path.join(labDir(), file)));
  if (missing.length > 0) return `the lab cache ${labDir()} lacks ${missing.join(', ')}`;
  return null;
}

/** Throws, so that the suite fails (never skips) on a machine without the lab. */
export function assertLabReady(): void {
  const problem = labProblem();
  if (problem !== null) {
    throw new Error(`QEMU lab not ready: ${problem}. Run lab/setup.sh (as root, about 30 s) first, then rerun the lab suite.`);
  }
}

/** The kernel release the lab boots ("6.1.0-56-amd64"). */
export function labKernelRelease(): string {
  return fs.readFileSync(path.join(labDir(), 'share/boot/kernel-release'), 'utf8').trim();
}

export interface VmRun {
  name: string;
  /** The run directory on the host; the command's files (-o FILE) land here too. */
  dir: string;
  /** The guest command's exit status; null when the VM never reported one. */
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** The VM's serial console. */
  console: string;
  /** What lab/run.sh printed (its own errors, the QEMU failure). */
  runnerOutput: string;
  /** Host wall time from QEMU start to exit. */
  hostSeconds: number | null;
  /** Seconds since the guest kernel started, per stage: init, modules, mounted, start, end. */
  guestTimes: Record<string, number>;
}

export interface VmOptions {
  /** A topology lab/run.sh knows; default q35-2node. */
  topology?: string;
  timeoutSeconds?: number;
  /** Extra kernel command-line arguments. */
  append?: string;
}

function parseGuestTimes(text: string): Record<string, number> {
  const times: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const [stage, seconds] = line.trim().split(/\s+/);
    if (stage && seconds) times[stage] = Number(seconds);
  }
  return times;
}

/**
 * Boots a lab VM (lab/run.sh; default topology q35-2node), runs `entry` (a path in the
 * project; *.sh with busybox sh, anything else with node) with `args` inside it, and returns
 * what came back through the share. Never rejects for a failing guest: callers assert on
 * the result.
 */
export async function runInVm(name: string, entry: string, args: readonly string[], options: VmOptions = {}): Promise<VmRun> {
  const runnerArgs = ['--run', name, '--timeout', String(options.timeoutSeconds ?? 300)];
  if (options.topology !== undefined) runnerArgs.push('--topology', options.topology);
  if (options.append !== undefined) runnerArgs.push('--append', options.append);
  const runnerOutput = await runLabRunner('lab/run.sh', [...runnerArgs, entry, ...args]);
  const dir = path.join(labDir(), 'share/runs', name);
  return {
    name,
    dir,
    ...runStatus(dir),
    stdout: readOrEmpty(path.join(dir, 'stdout')),
    stderr: readOrEmpty(path.join(dir, 'stderr')),
    console: readOrEmpty(path.join(dir, 'console.log')),
    runnerOutput,
    guestTimes: parseGuestTimes(readOrEmpty(path.join(dir, 'guest-times'))),
  };
}

/** A failure message with what a reader needs to see why the guest command failed. */
export function explainRun(run: VmRun): string {
  return [
    `lab run "${run.name}" (results in ${run.dir}) exited ${run.exitCode ?? 'without a status'}`,
    `--- lab/run.sh:\n${tail(run.runnerOutput, 10)}`,
    `--- stderr:\n${tail(run.stderr, 30)}`,
    `--- console (last lines):\n${tail(run.console, 15)}`,
  ].join('\n');
}
