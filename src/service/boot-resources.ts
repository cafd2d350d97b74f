import type { Machine } from '../machines/machine.js';
import type { ObservedResources } from '../plan/observed.js';
import { cpuDir, discoverCpuSets } from '../topology/discover-cpus.js';
import { PCI_DEVICES_DIR } from '../topology/discover-pci.js';
import { KernelFiles } from '../topology/kernel-files.js';
import { normalizePciAddress } from '../units/pci-address.js';

/**
 * What planning a start needs of the machine besides its partitions, read from the few files
 * that hold it: the online CPUs, and of the boot kernel's own CPUs and devices whether each
 * CPU can be brought online and each device has a driver. The same values discovery gives
 * (it reads them from the same files), without reading the whole machine: on a Parker host
 * under emulation a whole discovery took seconds of a start.
 */
export function bootResources(machine: Machine, bootCpus: readonly number[], bootDevices: readonly string[]): ObservedResources {
  const files = new KernelFiles(machine.fs);
  return {
    // Discovery's own reading of the CPU sets (a few small files), with its fallbacks.
    cpus: { online: discoverCpuSets(files).sets.online },
    cpu: bootCpus.map((id) => ({ id, hotpluggable: machine.fs.exists(`${cpuDir(id)}/online`) })),
    pci: bootDevices
      .map(normalizePciAddress)
      .filter((address) => machine.fs.exists(`${PCI_DEVICES_DIR}/${address}`))
      .map((address) => ({ address, driver: files.linkName(`${PCI_DEVICES_DIR}/${address}/driver`) })),
  };
}
