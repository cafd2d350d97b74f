import type { Machine } from '../../machines/machine.js';
import type { Intent } from '../../plan/intent.js';
import { parseCpuList } from '../../units/cpulist.js';
import { cpuOnlineFile, partitionDir, partitionFile } from './paths.js';
import { readOptional, readPartition } from './read-partitions.js';

/** Did an intent that was in flight at a crash take effect? Parker's files say. */
export function parkerTookEffect(machine: Machine, intent: Intent): boolean {
  const fs = machine.fs;
  switch (intent.kind) {
    case 'create-partition':
      return fs.isDirectory(partitionDir(intent.partition));
    case 'remove-partition':
      return !fs.isDirectory(partitionDir(intent.partition));
    case 'assign-cpus': {
      const now = readOptional(fs, partitionFile(intent.partition, 'cpus'));
      return now !== null && now !== '' && parseCpuList(now).join(',') === [...intent.cpus].sort((a, b) => a - b).join(',');
    }
    case 'allocate-memory': {
      const memory = readPartition(fs, intent.partition).memory;
      return memory !== null && memory.end - memory.start + 1 === intent.bytes;
    }
    case 'hand-over-device':
      return fs.isDirectory(`${partitionDir(intent.partition)}/devices/${intent.device}`);
    case 'take-back-device':
      return !fs.isDirectory(`${partitionDir(intent.partition)}/devices/${intent.device}`);
    case 'load-image':
      return machine.kexec?.loaded() ?? false;
    case 'unload-image':
      return !(machine.kexec?.loaded() ?? false);
    case 'start':
      // A start write still in flight took effect: the kernel is jumping in (its files would block).
      if (machine.partitionState?.(intent.partition)?.state === 'starting') return true;
      return readOptional(fs, partitionFile(intent.partition, 'online')) === '1';
    case 'wait-online':
      return readOptional(fs, partitionFile(intent.partition, 'online')) === '1';
    case 'wait-ready': {
      // A wait changes nothing; it took effect when the console shows the line.
      const regex = new RegExp(intent.pattern);
      return machine.console?.(intent.partition).some((line) => regex.test(line)) ?? false;
    }
    case 'stop':
      // A stop has done its work once the kernel is not online (or its partition is gone).
      return readOptional(fs, partitionFile(intent.partition, 'online')) !== '1';
    case 'online-boot-cpu':
      return readOptional(fs, cpuOnlineFile(intent.cpu)) === '1';
    case 'offline-boot-cpu':
      return readOptional(fs, cpuOnlineFile(intent.cpu)) === '0';
    case 'probe-boot-device':
      // A driver link alone may be stale (a bind leaves it): bound in the boot kernel means enabled too.
      return fs.exists(`sys/bus/pci/devices/${intent.device}/driver`) && readOptional(fs, `sys/bus/pci/devices/${intent.device}/enable`) === '1';
  }
}
