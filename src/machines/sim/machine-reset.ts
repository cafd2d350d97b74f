import type { SimKernel } from './sim-kernel.js';
import { offlineCpu, onlineCpu } from './cpu-hotplug.js';
import { probeDevice, unbindDriver } from './pci-binding.js';
import { syncCmaFiles } from './cma-pools.js';
import { unloadImage } from './kexec.js';

/** Simulated time a whole-machine reset costs (firmware and the boot kernel booting again). */
const RESET_MS = 90_000;

/**
 * A reset of the whole machine (H10): every application kernel is gone and the boot kernel
 * boots again, so everything it changed at run time is as it booted: its CPUs, memory blocks,
 * PCI drivers, empty pools with fresh counters, no kexec image.
 */
export function resetMachine(k: SimKernel, reason: string, hazard?: string): void {
  for (const p of [...k.partitions.values()]) {
    k.partitions.delete(p.name);
    k.tree.remove(`sys/fs/parker/${p.name}`);
  }
  const bootOnline = new Set(k.hardware.cpus.online);
  for (const cpu of k.hardware.cpus.possible) {
    if (cpu === 0) continue;
    if (bootOnline.has(cpu)) onlineCpu(k, cpu);
    else offlineCpu(k, cpu);
  }
  k.syncCpuFiles();
  for (const block of k.hardware.memory.blocks) {
    const dir = `sys/devices/system/memory/memory${block.index}`;
    if (!k.tree.get(dir)) continue;
    if (block.state !== null) k.put(`${dir}/state`, block.state);
    if (block.online !== null) k.put(`${dir}/online`, block.online ? 1 : 0);
    k.put(`${dir}/valid_zones`, block.zones.length > 0 ? block.zones.join(' ') : 'none');
  }
  for (const device of k.hardware.pci) {
    const dir = k.deviceDir(device.address);
    if (!dir) continue;
    k.put(`${dir}/driver_override`, '(null)');
    // A device a partition held still names its old driver: it is probed afresh like the rest.
    if (k.tree.realpath(`${dir}/driver`) !== (device.driver ? `sys/bus/pci/drivers/${device.driver}` : undefined) || k.text(`${dir}/enable`) !== '1') {
      unbindDriver(k, device.address);
    }
    probeDevice(k, device.address, 'reset');
  }
  for (const pool of k.pools.values()) {
    pool.used = [];
    const counters = `sys/kernel/mm/cma/${pool.name}`;
    for (const file of ['alloc_pages_success', 'alloc_pages_fail', 'release_pages_success']) k.put(`${counters}/${file}`, 0);
    syncCmaFiles(k, pool, 0, 0);
  }
  k.starts = 0;
  k.strandedCpus.clear();
  unloadImage(k);
  k.clock += RESET_MS;
  k.event('error', `machine reset: ${reason}; all application kernels were lost`, hazard ? { hazard } : {});
}
