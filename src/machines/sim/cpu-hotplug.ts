import type { SimKernel } from './sim-kernel.js';
import { startInFlight } from './parker-fs.js';

const cpuDir = (cpu: number) => `sys/devices/system/cpu/cpu${cpu}`;

/**
 * cpuN/online. CPU 0 has no such file on x86. Offlining removes the CPU's topology/ and
 * cache/ directories as Linux does; onlining restores them. The RFC's hotplug guard computes
 * an error for a CPU a partition owns and then returns 0: the CPU comes back online in the
 * boot kernel although the partition still lists it (measured on the real kernel). The
 * simulator does the same and records an error event; the partition's kernel, if it starts,
 * will not get that CPU to itself.
 */
export function setCpuOnline(k: SimKernel, cpu: number, online: boolean, path: string): void {
  if (!k.isPossibleCpu(cpu) || cpu === 0) k.fail('ENOENT', 'write', path);
  if (online === k.online.has(cpu)) return;
  if (online) {
    // The guard runs under the Parker mutex, which a stuck start holds.
    startInFlight(k, 'write', path);
    const owner = k.ownerOfCpu(cpu);
    if (owner) k.event('error', `CPU ${cpu} was put back online in the boot kernel although partition ${owner.name} owns it (the hotplug guard returns 0)`, { kernel: owner.name });
    onlineCpu(k, cpu);
  } else {
    offlineCpu(k, cpu);
  }
  k.syncCpuFiles([cpu]);
}

export function offlineCpu(k: SimKernel, cpu: number): void {
  if (!k.online.has(cpu)) return;
  const dir = cpuDir(cpu);
  k.offlineCpuDirs.set(cpu, { topology: k.tree.detach(dir, 'topology'), cache: k.tree.detach(dir, 'cache') });
  k.online.delete(cpu);
  k.put(`${dir}/online`, 0);
}

export function onlineCpu(k: SimKernel, cpu: number): void {
  if (k.online.has(cpu)) return;
  const dir = cpuDir(cpu);
  const stash = k.offlineCpuDirs.get(cpu);
  if (stash?.topology) k.tree.attach(dir, 'topology', stash.topology);
  if (stash?.cache) k.tree.attach(dir, 'cache', stash.cache);
  k.offlineCpuDirs.delete(cpu);
  k.online.add(cpu);
  k.put(`${dir}/online`, 1);
}
