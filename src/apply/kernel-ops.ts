import { ParkerError } from '../units/parker-error.js';
import { isKernelError } from '../machines/kernel-error.js';
import type { KexecLoad, Machine, MachineClock } from '../machines/machine.js';

/**
 * The operations kernels understand, as kernel interfaces lower intents to them: file writes,
 * directories, kexec, waits on a file, commands run on the boot kernel. Plain data, so a plan
 * can show them and a host can check them against what parker may touch.
 */
export type KernelOp =
  | { kind: 'mkdir'; path: string }
  | { kind: 'rmdir'; path: string }
  | { kind: 'write'; path: string; value: string }
  | { kind: 'kexec-load'; load: KexecLoad }
  | { kind: 'kexec-unload' }
  /** Wait until `path` reads `value`, at most `timeoutMs`; a missing file reads as `missing`. */
  | { kind: 'wait'; path: string; value: string; timeoutMs: number; missing?: string }
  /** Run a command on the boot kernel for `partition` (a stop command). */
  | { kind: 'run'; partition: string; argv: string[]; timeoutMs: number }
  /** Start capturing a kernel's console from `source` (a serial device or a log file), before its start. */
  | { kind: 'watch-console'; partition: string; source: string }
  /** Wait until a console line of `partition` matches `pattern`, at most `timeoutMs`. */
  | { kind: 'wait-console'; partition: string; pattern: string; timeoutMs: number };

export function describeKernelOp(op: KernelOp): string {
  switch (op.kind) {
    case 'mkdir':
      return `mkdir ${op.path}`;
    case 'rmdir':
      return `rmdir ${op.path}`;
    case 'write':
      return `write ${op.path} = ${op.value}`;
    case 'kexec-load':
      return `kexec load ${op.load.image}${op.load.initrd ? ` (initrd ${op.load.initrd})` : ''}`;
    case 'kexec-unload':
      return 'kexec unload';
    case 'wait':
      return `wait until ${op.path} = ${op.value} (at most ${op.timeoutMs / 1000} s)`;
    case 'run':
      return `run ${op.argv.join(' ')}`;
    case 'watch-console':
      return `read the console of ${op.partition} from ${op.source}`;
    case 'wait-console':
      return `wait until the console of ${op.partition} shows /${op.pattern}/ (at most ${op.timeoutMs / 1000} s)`;
  }
}

const realClock: MachineClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** Runs one operation against the machine. */
export async function runKernelOp(machine: Machine, op: KernelOp): Promise<void> {
  switch (op.kind) {
    case 'mkdir':
      return machine.fs.mkdir(op.path);
    case 'rmdir':
      return machine.fs.rmdir(op.path);
    case 'write':
      return machine.fs.write(op.path, op.value);
    case 'kexec-load':
      if (!machine.kexec) throw new ParkerError('E_APPLY', `${machine.description} cannot load kernels`, 'apply on the simulator or on a host with kexec-tools');
      return machine.kexec.load(op.load);
    case 'kexec-unload':
      return machine.kexec?.unload();
    case 'wait':
      return waitFor(machine, op.path, op.value, op.timeoutMs, op.missing);
    case 'run': {
      if (!machine.run) throw new ParkerError('E_APPLY', `${machine.description} cannot run stop commands`, 'stop the kernel by hand');
      const result = await machine.run(op.partition, op.argv, op.timeoutMs);
      if (result.code !== 0) throw new ParkerError('E_STOP', `stop command for ${op.partition} exited ${result.code}: ${result.output.trim()}`, 'check the stop command in the layout');
      return;
    }
    case 'watch-console':
      if (!machine.watchConsole) throw new ParkerError('E_NO_CONSOLE', `${machine.description} cannot read consoles from ${op.source}`);
      return machine.watchConsole(op.partition, op.source);
    case 'wait-console':
      return waitForConsole(machine, op.partition, op.pattern, op.timeoutMs);
  }
}

/**
 * How often a wait looks again: a real machine every 50 ms, so that a wait ends soon after what
 * it waits for (a start is timed to the kernel's readiness); the simulator every 250 ms of its
 * own time, since each look is a change in its op log.
 */
function pollMs(machine: Machine, timeoutMs: number): number {
  return Math.max(1, Math.min(machine.simulatedClock ? 250 : 50, timeoutMs));
}

/**
 * Polls a kernel's console until a line matches `pattern`. The machine shows only what the
 * kernel printed since its start (a partition is single-use), so an old boot cannot match.
 */
export async function waitForConsole(machine: Machine, partition: string, pattern: string, timeoutMs: number): Promise<void> {
  const consoleOf = machine.console;
  if (!consoleOf) throw new ParkerError('E_NO_CONSOLE', `${machine.description} cannot show the console of ${partition}, so it cannot tell when it is up`, `set ready: false for ${partition} in the layout to stop at online`);
  const clock = machine.clock ?? realClock;
  const regex = new RegExp(pattern);
  const deadline = clock.now() + timeoutMs;
  // Lines already looked at are not looked at again, but the last one may still be growing.
  let tested = 0;
  for (;;) {
    const lines = consoleOf.call(machine, partition);
    for (let i = tested; i < lines.length; i++) if (regex.test(lines[i]!)) return;
    tested = Math.max(0, lines.length - 1);
    if (clock.now() >= deadline) {
      const last = lines.at(-1);
      throw new ParkerError(
        'E_TIMEOUT',
        `${partition} came online but its console showed no line matching /${pattern}/ within ${timeoutMs / 1000} s (${lines.length} lines${last === undefined ? '' : `, the last: ${JSON.stringify(last.trim())}`}): online is set before its drivers probe, so it may have hung after it`,
        `see its console (parker console ${partition}); if it prints another line once up, set ready.pattern in the layout`,
      );
    }
    await clock.sleep(pollMs(machine, timeoutMs));
  }
}

/** Polls a file until it reads `value`; a missing file reads as `missing` when given. */
export async function waitFor(machine: Machine, path: string, value: string, timeoutMs: number, missing?: string): Promise<void> {
  const clock = machine.clock ?? realClock;
  const deadline = clock.now() + timeoutMs;
  for (;;) {
    let now: string;
    let blocked: string | null = null;
    try {
      now = machine.fs.read(path).trim();
    } catch (e) {
      // EAGAIN: the machine did not read the file because the read would block (a start of its
      // partition is in flight): not yet, and the deadline still holds.
      if (isKernelError(e, 'EAGAIN')) {
        blocked = e.message;
        now = '';
      } else {
        if (missing === undefined || !isKernelError(e, 'ENOENT')) throw e;
        now = missing;
      }
    }
    if (blocked === null && now === value) return;
    if (clock.now() >= deadline) {
      if (blocked !== null) throw new ParkerError('E_TIMEOUT', `${path} did not read ${value} within ${timeoutMs / 1000} s: ${blocked}`, 'see the kernel console: parker console NAME');
      throw new ParkerError('E_TIMEOUT', `${path} still reads ${now} after ${timeoutMs / 1000} s (waiting for ${value})`, 'see the kernel console: parker console NAME');
    }
    await clock.sleep(pollMs(machine, timeoutMs));
  }
}
