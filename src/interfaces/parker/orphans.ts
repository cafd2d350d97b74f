import type { Machine } from '../../machines/machine.js';
import type { Intent } from '../../plan/intent.js';
import { cpuOnlineFile, DRIVERS_PROBE, pciDeviceDir } from './paths.js';
import { readOptional, readPartitions } from './read-partitions.js';

/**
 * What a crashed transaction gave away and nobody holds now: CPUs it assigned that are still
 * offline and that no partition owns come back online; devices it handed over that no
 * partition holds and no boot-kernel driver has (enabled) are probed again. Only what parker itself gave away is
 * touched, never a CPU a partition owns (the kernel would let it come online: its hotplug
 * guard returns success).
 */
export function sweepParkerOrphans(machine: Machine, intents: readonly Intent[]): string[] {
  const partitions = readPartitions(machine.fs);
  const owned = new Set(partitions.flatMap((p) => p.cpus));
  const held = new Set(partitions.flatMap((p) => p.devices));
  const cpus = new Set<number>();
  const devices = new Set<string>();
  for (const intent of intents) {
    if (intent.kind === 'assign-cpus') for (const cpu of intent.cpus) cpus.add(cpu);
    if (intent.kind === 'hand-over-device') devices.add(intent.device);
  }
  const fixed: string[] = [];
  for (const cpu of [...cpus].sort((a, b) => a - b)) {
    if (owned.has(cpu) || readOptional(machine.fs, cpuOnlineFile(cpu)) !== '0') continue;
    machine.fs.write(cpuOnlineFile(cpu), '1');
    fixed.push(`CPU ${cpu} back online in the boot kernel`);
  }
  for (const device of devices) {
    // Who holds a device is read from the partitions' devices/ and from enable: after a bind
    // its driver link still names the old driver, so a link alone does not mean the boot kernel has it.
    const bound = machine.fs.exists(`${pciDeviceDir(device)}/driver`) && readOptional(machine.fs, `${pciDeviceDir(device)}/enable`) === '1';
    if (held.has(device) || bound) continue;
    machine.fs.write(DRIVERS_PROBE, device);
    fixed.push(`device ${device} probed again by the boot kernel`);
  }
  return fixed;
}
