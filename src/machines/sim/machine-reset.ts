import type { SimKernel } from './sim-kernel.js';
import { onlineCpu } from './cpu-hotplug.js';
import { probeDevice } from './pci-binding.js';
import { syncCmaFiles } from './cma-pools.js';
import { unloadImage } from './kexec.js';

/** Simulated time a whole-machine reset costs (firmware and the boot kernel booting again). */
const RESET_MS = 90_000;

/**
 * A reset of the whole machine (H10): every application kernel is gone, the boot kernel boots
 * again with every CPU, its pools empty and every device back with its driver.
 */
export function resetMachine(k: SimKernel, reason: string, hazard?: string): void {
  for (const p of [...k.partitions.values()]) {
    k.partitions.delete(p.name);
    k.tree.remove(`sys/fs/parker/${p.name}`);
    for (const device of p.devices) probeDevice(k, device, 'reset');
  }
  for (const cpu of k.hardware.cpus.possible) if (cpu !== 0) onlineCpu(k, cpu);
  k.syncCpuFiles();
  for (const pool of k.pools.values()) {
    pool.used = [];
    syncCmaFiles(k, pool, 0, 0);
  }
  unloadImage(k);
  k.clock += RESET_MS;
  k.event('error', `machine reset: ${reason}; all application kernels were lost`, hazard ? { hazard } : {});
}
