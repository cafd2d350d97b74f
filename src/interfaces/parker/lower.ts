import type { KernelOp } from '../../apply/kernel-ops.js';
import type { Intent } from '../../plan/intent.js';
import { formatCpuList } from '../../units/cpulist.js';
import { formatSize } from '../../units/size.js';
import { cpuOnlineFile, DRIVERS_PROBE, partitionDir, partitionFile } from './paths.js';

/**
 * The kernel operations of an intent on a Parker boot kernel. A kexec load's command line
 * and window still hold placeholders here: they exist only once the partition has memory and
 * a control page, and perform() fills them from its files.
 */
export function lowerParker(intent: Intent): KernelOp[] {
  switch (intent.kind) {
    case 'create-partition':
      return [{ kind: 'mkdir', path: partitionDir(intent.partition) }];
    case 'remove-partition':
      return [{ kind: 'rmdir', path: partitionDir(intent.partition) }];
    case 'assign-cpus':
      // The kernel offlines CPUs still online in the boot kernel when they are written here.
      return [{ kind: 'write', path: partitionFile(intent.partition, 'cpus'), value: formatCpuList(intent.cpus) }];
    case 'allocate-memory':
      return [{ kind: 'write', path: partitionFile(intent.partition, 'memory'), value: formatSize(intent.bytes) }];
    case 'hand-over-device':
      return [{ kind: 'write', path: partitionFile(intent.partition, 'bind'), value: intent.device }];
    case 'take-back-device':
      return [{ kind: 'write', path: partitionFile(intent.partition, 'unbind'), value: intent.device }];
    case 'load-image':
      return [{ kind: 'kexec-load', load: { image: intent.image, cmdline: intent.cmdline, ...(intent.initrd ? { initrd: intent.initrd } : {}) } }];
    case 'unload-image':
      return [{ kind: 'kexec-unload' }];
    case 'start': {
      // Any write to online starts the kernel: perform() checks first that it never ran here.
      const write: KernelOp = { kind: 'write', path: partitionFile(intent.partition, 'online'), value: '1' };
      return intent.console ? [{ kind: 'watch-console', partition: intent.partition, source: intent.console }, write] : [write];
    }
    case 'wait-online':
      return [{ kind: 'wait', path: partitionFile(intent.partition, 'online'), value: '1', timeoutMs: intent.timeoutMs }];
    case 'wait-ready':
      return [{ kind: 'wait-console', partition: intent.partition, pattern: intent.pattern, timeoutMs: intent.timeoutMs }];
    case 'stop': {
      // There is no stop file: the kernel powers itself off, which clears online. A partition
      // that is gone reads as stopped.
      const wait: KernelOp = { kind: 'wait', path: partitionFile(intent.partition, 'online'), value: '0', timeoutMs: intent.timeoutMs, missing: '0' };
      return intent.command ? [{ kind: 'run', partition: intent.partition, argv: intent.command, timeoutMs: intent.timeoutMs }, wait] : [wait];
    }
    case 'online-boot-cpu':
      return [{ kind: 'write', path: cpuOnlineFile(intent.cpu), value: '1' }];
    case 'offline-boot-cpu':
      return [{ kind: 'write', path: cpuOnlineFile(intent.cpu), value: '0' }];
    case 'probe-boot-device':
      return [{ kind: 'write', path: DRIVERS_PROBE, value: intent.device }];
  }
}
