import { describe, expect, it } from 'vitest';
import { diedBeforeUserspace, qemuCrashed } from './lab-parker/parker-vm.js';

// The Parker lab boots once more only when its boot kernel died before userspace, that is before
// parker ran: never for a guest script that failed, hung or reported.
const EARLY_OOPS = [
  '[    1.234881] parker: Multikernel module loading...',
  '[    1.236611] Oops: int3: 0000 [#1] PREEMPT SMP NOPTI',
  '[    1.238588] Kernel panic - not syncing: Fatal exception in interrupt',
].join('\n');

describe('diedBeforeUserspace', () => {
  it('names the panic of a boot kernel that never reached its init', () => {
    expect(diedBeforeUserspace({ exitCode: null, output: '', bootConsole: EARLY_OOPS })).toBe('Kernel panic - not syncing: Fatal exception in interrupt');
  });

  it('is null once userspace ran, the script said anything, or it exited', () => {
    expect(diedBeforeUserspace({ exitCode: null, output: '', bootConsole: `${EARLY_OOPS.split('\n')[0]}\n[    2.1] Run /init as init process\n[   40.0] Kernel panic - not syncing: Attempted to kill init!` })).toBeNull();
    expect(diedBeforeUserspace({ exitCode: null, output: 'LAB-RESULT {"name":"x"}\n', bootConsole: EARLY_OOPS })).toBeNull();
    expect(diedBeforeUserspace({ exitCode: 1, output: '', bootConsole: EARLY_OOPS })).toBeNull();
    // A boot that simply timed out without a panic is not retried either.
    expect(diedBeforeUserspace({ exitCode: null, output: '', bootConsole: '[    0.0] Linux version 6.12.118' })).toBeNull();
  });
});

describe('qemuCrashed', () => {
  const SEGV = '/work/main/lab/parker/../qemu-watch.sh: line 56:  8172 Segmentation fault      timeout --kill-after=10 "$limit" qemu-system-x86_64 "$@" < /dev/null';

  it('names the signal that ended QEMU itself in a run whose script never reported its end', () => {
    expect(qemuCrashed({ exitCode: null, qemuLog: `qemu-system-x86_64: warning: x\n${SEGV}\n` })).toBe('Segmentation fault');
  });

  it('is null for a script that exited, a QEMU that ended on its own, or one killed by the watch', () => {
    expect(qemuCrashed({ exitCode: 1, qemuLog: SEGV })).toBeNull();
    expect(qemuCrashed({ exitCode: null, qemuLog: '' })).toBeNull();
    expect(qemuCrashed({ exitCode: null, qemuLog: 'qemu-system-x86_64: terminating on signal 15 from pid 123 (timeout)\n' })).toBeNull();
  });
});
