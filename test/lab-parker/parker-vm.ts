import * as fs from 'node:fs';
import * as path from 'node:path';
import { labDir, qemuProblem, readOrEmpty, runLabRunner, runStatus, tail } from '../lab/lab-process.js';

/** Where the five Parker RFC mails are (docs/lab.md): PARKER_RFC_PATCHES, else the lab's default. */
export function rfcPatchDir(): string {
  return process.env.PARKER_RFC_PATCHES ?? path.join(labDir(), 'rfc-patches');
}

/** Why no Parker lab VM can boot here, or null when one can. */
export function parkerLabProblem(): string | null {
  const qemu = qemuProblem();
  if (qemu !== null) return qemu;
  const dir = rfcPatchDir();
  const patches = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.patch')) : [];
  if (patches.length < 5) return `the five Parker RFC patches are not in ${dir} (PARKER_RFC_PATCHES)`;
  if (!process.env.PARKER_KERNEL && !fs.existsSync(path.join(labDir(), 'parker-kernel/latest/bzImage'))) {
    return `no Parker kernel built in ${labDir()}/parker-kernel`;
  }
  return null;
}

/** Throws, so that the suite fails (never skips) on a machine without the Parker lab. */
export function assertParkerLabReady(): void {
  const problem = parkerLabProblem();
  if (problem !== null) {
    throw new Error(`Parker lab not ready: ${problem}. See docs/lab.md ("The Parker lab"): save the patches, run lab/parker/build-kernel.sh as root, then rerun.`);
  }
}

/** One `LAB-RESULT {json}` line of a guest script (test/lab-parker/guest/lab-guest.mjs). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON written by the guest script
export type LabResult = Record<string, any>;

export interface ParkerVmRun {
  name: string;
  dir: string;
  /** The guest script's exit status; null when the VM never reported one. */
  exitCode: number | null;
  /** The guest script's stdout and stderr (ttyS3). */
  output: string;
  /** The boot kernel's console (ttyS0). */
  bootConsole: string;
  /** What the application kernels printed on ttyS1 and ttyS2. */
  appConsoles: Record<'ttyS1' | 'ttyS2', string>;
  /** LAB-RESULT lines by name (a later line of the same name wins). */
  results: Record<string, LabResult>;
  runnerOutput: string;
  /** What the QEMU process itself said (qemu.log: its errors, and the shell's word on how it ended). */
  qemuLog: string;
  hostSeconds: number | null;
}

/**
 * Boots the Parker lab VM (lab/parker/boot.sh --node) and runs `script`, a node entry of this
 * project, in its boot kernel. Never rejects for a failing guest: callers assert on the result.
 */
export async function runParkerVm(name: string, script: string, options: { timeoutSeconds?: number; args?: string[] } = {}): Promise<ParkerVmRun> {
  const run = await bootParkerVm(name, script, options);
  // The boot kernel died before its userspace started, so before parker ran: under QEMU's TCG
  // the patched kernel has been seen to oops in early boot (an int3 while it patches its own
  // code). Or QEMU itself crashed (seen once: a segmentation fault of qemu-system-x86_64 under
  // TCG, 44 s into a run), which says nothing of parker or the kernel. One boot again, said on
  // stderr, the first run's logs kept; a second such death fails the suite as any other.
  const died = diedBeforeUserspace(run);
  const crashed = died === null ? qemuCrashed(run) : null;
  if (died === null && crashed === null) return run;
  const what = died !== null ? `the boot kernel died before userspace (${died})` : `QEMU itself crashed (${crashed})`;
  process.stderr.write(`Parker lab run "${name}": ${what}; booting it once more\n`);
  const kept = `${run.dir}.${died !== null ? 'died-before-userspace' : 'qemu-crashed'}`;
  fs.rmSync(kept, { recursive: true, force: true });
  fs.renameSync(run.dir, kept);
  return bootParkerVm(name, script, options);
}

/** How the QEMU process itself crashed (killed by a fault signal) in a run whose script never reported its end; null otherwise. */
export function qemuCrashed(run: Pick<ParkerVmRun, 'exitCode' | 'qemuLog'>): string | null {
  if (run.exitCode !== null) return null;
  const crash = /\b(Segmentation fault|Aborted|Bus error|Illegal instruction)\b[^\n]*qemu-system/.exec(run.qemuLog);
  return crash ? crash[1]! : null;
}

/** Why a run's boot kernel died before its userspace started (no script output, a panic before init); null otherwise. */
export function diedBeforeUserspace(run: Pick<ParkerVmRun, 'exitCode' | 'output' | 'bootConsole'>): string | null {
  if (run.exitCode !== null || run.output.trim() !== '' || /Run \S+ as init process/.test(run.bootConsole)) return null;
  const panic = /Kernel panic - not syncing: [^\n]*/.exec(run.bootConsole);
  return panic ? panic[0].trim() : null;
}

async function bootParkerVm(name: string, script: string, options: { timeoutSeconds?: number; args?: string[] }): Promise<ParkerVmRun> {
  const args = ['--node', '--run', name, '--timeout', String(options.timeoutSeconds ?? 600), '--script', script];
  if (options.args?.length) args.push('--args', options.args.join(','));
  const runnerOutput = await runLabRunner('lab/parker/boot.sh', args);
  const dir = path.join(labDir(), 'parker-runs', name);
  const output = readOrEmpty(path.join(dir, 'script-output.log'));
  const results: Record<string, LabResult> = {};
  for (const line of output.split('\n')) {
    const at = line.indexOf('LAB-RESULT ');
    if (at < 0) continue;
    try {
      const value = JSON.parse(line.slice(at + 'LAB-RESULT '.length)) as LabResult;
      results[value.name as string] = value;
    } catch {
      // a line the serial port mangled: the assertion on its name says which
    }
  }
  return {
    name,
    dir,
    ...runStatus(dir),
    output,
    bootConsole: readOrEmpty(path.join(dir, 'boot-console.log')),
    appConsoles: { ttyS1: readOrEmpty(path.join(dir, 'app-ttyS1.log')), ttyS2: readOrEmpty(path.join(dir, 'app-ttyS2.log')) },
    results,
    runnerOutput,
    qemuLog: readOrEmpty(path.join(dir, 'qemu.log')),
  };
}

/** A failure message with what a reader needs to see why the guest failed. */
export function explainParkerRun(run: ParkerVmRun, result?: LabResult): string {
  return [
    `Parker lab run "${run.name}" (logs in ${run.dir}) exited ${run.exitCode ?? 'without a status'}`,
    ...(result ? [`--- ${result.name as string}: exit ${result.code as string}\n${tail(`${result.stdout ?? ''}${result.stderr ?? ''}`, 30)}`] : []),
    `--- boot.sh:\n${tail(run.runnerOutput, 8)}`,
    `--- script output:\n${tail(run.output.replace(/^LAB-RESULT .*$/gm, '[LAB-RESULT]'), 25)}`,
    `--- boot console:\n${tail(run.bootConsole, 12)}`,
  ].join('\n');
}

/** The boot kernel's state the no-orphans checks compare (lab-guest.mjs machineState()). */
export function expectNoOrphans(state: LabResult): string[] {
  const problems: string[] = [];
  if (state.partitions.length > 0) problems.push(`partitions left: ${(state.partitions as string[]).join(', ')}`);
  if (state.cpusOnline !== '0-3') problems.push(`CPUs online ${state.cpusOnline as string} (offline ${state.cpusOffline as string})`);
  for (const [pool, files] of Object.entries(state.cma as Record<string, Record<string, string>>)) {
    if (files.alloc_pages_success !== files.release_pages_success) problems.push(`CMA ${pool}: ${files.alloc_pages_success} pages allocated, ${files.release_pages_success} released`);
  }
  for (const [bdf, d] of Object.entries(state.devices as Record<string, { driver: string | null; enable: string; block: string[] }>)) {
    if (d.driver !== 'nvme' || d.enable !== '1' || d.block.length === 0) problems.push(`${bdf}: driver ${d.driver}, enable ${d.enable}, block devices ${d.block.join(',') || 'none'}`);
  }
  return problems;
}
