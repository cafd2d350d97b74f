import type { KernelFs } from '../../machines/machine.js';
import { isKernelError } from '../../machines/kernel-error.js';
import type { ObservedPartition } from '../../plan/observed.js';
import { parseCpuList } from '../../units/cpulist.js';
import { parseSize } from '../../units/size.js';
import { parseSizeAtBase } from '../../units/phys-range.js';
import { PARKER_ROOT, partitionDir } from './paths.js';

/** A file's trimmed text, or null when the kernel refuses to show it. */
export function readOptional(fs: KernelFs, path: string): string | null {
  try {
    return fs.read(path).trim();
  } catch (e) {
    if (isKernelError(e)) return null;
    throw e;
  }
}

export function readPartition(fs: KernelFs, name: string): ObservedPartition {
  const dir = partitionDir(name);
  const id = readOptional(fs, `${dir}/id`);
  const cpus = readOptional(fs, `${dir}/cpus`);
  const memory = readOptional(fs, `${dir}/memory`);
  const devicesDir = `${dir}/devices`;
  return {
    name,
    id: id === null || id === '' ? null : Number(id),
    controlStructure: readOptional(fs, `${dir}/control_structure`) || null,
    cpus: cpus ? parseCpuList(cpus) : [],
    memory: memory ? parseSizeAtBase(memory, parseSize) : null,
    devices: fs.isDirectory(devicesDir) ? fs.list(devicesDir) : [],
    online: readOptional(fs, `${dir}/online`) === '1',
  };
}

/** Every partition under sys/fs/parker, by name; empty when there is no control filesystem. */
export function readPartitions(fs: KernelFs): ObservedPartition[] {
  if (!fs.isDirectory(PARKER_ROOT)) return [];
  return fs
    .list(PARKER_ROOT)
    .filter((name) => fs.isDirectory(partitionDir(name)))
    .map((name) => readPartition(fs, name));
}
