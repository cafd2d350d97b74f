import type { KernelFs } from '../machines/machine.js';
import { isKernelError } from '../machines/kernel-error.js';
import { parseCpuList } from '../units/cpulist.js';
import { parseSize } from '../units/size.js';
import { parseSizeAtBase, type PhysRange } from '../units/phys-range.js';

export const PARKER_ROOT = 'sys/fs/parker';

/** A partition as the Parker control filesystem shows it: the truth the planner diffs against. */
export interface ObservedPartition {
  name: string;
  id: number | null;
  /** Control structure physical address ("0x..."), or null. */
  controlStructure: string | null;
  /** CPUs in the order the kernel prints them (sorted). */
  cpus: number[];
  /** Allocated memory range, or null before `memory` is written. */
  memory: PhysRange | null;
  devices: string[];
  online: boolean;
}

function readOptional(fs: KernelFs, path: string): string | null {
  try {
    return fs.read(path).trim();
  } catch (e) {
    if (isKernelError(e)) return null;
    throw e;
  }
}

export function readPartition(fs: KernelFs, name: string): ObservedPartition {
  const dir = `${PARKER_ROOT}/${name}`;
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
    .filter((name) => fs.isDirectory(`${PARKER_ROOT}/${name}`))
    .map((name) => readPartition(fs, name));
}
