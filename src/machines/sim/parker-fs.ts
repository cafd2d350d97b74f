import { formatCpuList, parseCpuList } from '../../units/cpulist.js';
import { parsePciAddress, formatPciAddress } from '../../units/pci-address.js';
import { formatSize, parseSize } from '../../units/size.js';
import type { SimKernel } from './sim-kernel.js';
import type { SimPartition } from './sim-state.js';
import { offlineCpu, onlineCpu } from './cpu-hotplug.js';
import { allocate, poolOf, release, syncCmaFiles } from './cma-pools.js';
import { probeDevice, unbindDriver } from './pci-binding.js';
import { startPartition } from './app-kernel.js';

export const PARKER_ROOT = 'sys/fs/parker';
const GiB = 2 ** 30;
const PAGE = 4096;
/** Control structures live in boot-kernel memory, one page each. */
const CONTROL_BASE = 0x7f000000;
const MAX_CPUS = 512;
const MAX_DEVICES = 256;

const FILES = ['id', 'control_structure', 'cpus', 'memory', 'bind', 'unbind', 'online'] as const;
const WRITE_ONLY = new Set(['bind', 'unbind']);
const READ_ONLY = new Set(['id', 'control_structure', 'devices']);

/** Splits "sys/fs/parker/NAME/FILE" into its parts; null when outside the control filesystem. */
export function parkerPath(path: string): { name?: string; file?: string; rest: string[] } | null {
  // Every read of the simulated machine asks: most paths are plainly elsewhere.
  if (!path.includes('parker')) return null;
  const parts = path.split('/').filter(Boolean);
  if (parts.slice(0, 3).join('/') !== PARKER_ROOT) return null;
  const [name, file, ...rest] = parts.slice(3);
  return { name, file, rest };
}

function partitionOf(k: SimKernel, op: string, path: string, name: string | undefined): SimPartition {
  const p = name === undefined ? undefined : k.partitions.get(name);
  if (!p) k.fail('ENOENT', op, path);
  return p;
}

function sync(k: SimKernel, p: SimPartition): void {
  const dir = `${PARKER_ROOT}/${p.name}`;
  k.put(`${dir}/id`, p.id);
  k.put(`${dir}/control_structure`, `0x${p.controlStructure.toString(16)}`);
  k.put(`${dir}/cpus`, formatCpuList(p.cpus));
  k.put(`${dir}/memory`, p.memory ? `${formatSize(p.memory.end - p.memory.start + 1)}@0x${p.memory.start.toString(16)}` : '');
  k.put(`${dir}/bind`, '');
  k.put(`${dir}/unbind`, '');
  k.put(`${dir}/online`, p.online ? 1 : 0);
  k.tree.dir(`${dir}/devices`);
}

export function mkdirParker(k: SimKernel, path: string): void {
  const where = parkerPath(path);
  if (!where?.name) k.fail('EEXIST', 'mkdir', path);
  if (where.file !== undefined) k.fail('EINVAL', 'mkdir', path, 'partitions are created only at the root of the control filesystem');
  if (k.partitions.has(where.name)) k.fail('EEXIST', 'mkdir', path);
  // Sequence numbers are reused after destroy: the lowest free one.
  const used = new Set([...k.partitions.values()].map((p) => p.id));
  let id = 1;
  while (used.has(id)) id++;
  const p: SimPartition = {
    name: where.name,
    id,
    controlStructure: CONTROL_BASE + id * PAGE,
    cpus: [],
    memory: null,
    devices: [],
    online: false,
    status: 'created',
    console: [],
    onlineAt: null,
    cmdline: null,
  };
  k.partitions.set(p.name, p);
  sync(k, p);
}

export function rmdirParker(k: SimKernel, path: string): void {
  const where = parkerPath(path);
  if (!where?.name || where.file !== undefined) k.fail('EPERM', 'rmdir', path);
  const p = partitionOf(k, 'rmdir', path, where.name);
  if (p.online) k.fail('EBUSY', 'rmdir', path, `${p.name} is online: ask it to power off first`);
  tearDown(k, p);
  k.tree.remove(`${PARKER_ROOT}/${p.name}`);
}

/** Gives back what a partition held: CPUs online in the boot kernel, memory to CMA, devices re-probed. */
export function tearDown(k: SimKernel, p: SimPartition): void {
  k.partitions.delete(p.name);
  for (const cpu of p.cpus) onlineCpu(k, cpu);
  k.syncCpuFiles(p.cpus);
  freeMemory(k, p);
  for (const device of p.devices) probeDevice(k, device, `${PARKER_ROOT}/${p.name}`);
}

function freeMemory(k: SimKernel, p: SimPartition): void {
  if (!p.memory) return;
  const pool = poolOf(k, p.memory);
  if (pool) {
    release(pool, p.memory);
    syncCmaFiles(k, pool, 0, (p.memory.end - p.memory.start + 1) / PAGE);
  }
  p.memory = null;
}

export function readParker(k: SimKernel, path: string): void {
  const where = parkerPath(path);
  if (where?.file && WRITE_ONLY.has(where.file) && where.rest.length === 0) k.fail('EACCES', 'read', path, `${where.file} is write-only`);
}

export function writeParker(k: SimKernel, path: string, value: string): void {
  const where = parkerPath(path);
  if (!where?.name || !where.file) k.fail('EISDIR', 'write', path);
  const p = partitionOf(k, 'write', path, where.name);
  if (where.rest.length > 0 || READ_ONLY.has(where.file)) k.fail('EACCES', 'write', path, `${where.file} is not writable`);
  if (!(FILES as readonly string[]).includes(where.file)) k.fail('ENOENT', 'write', path);
  const v = value.trim();
  switch (where.file) {
    case 'cpus':
      return writeCpus(k, p, v, path);
    case 'memory':
      return writeMemory(k, p, v, path);
    case 'bind':
      return bindDevice(k, p, v, path);
    case 'unbind':
      return unbindDevice(k, p, v, path);
    case 'online':
      // Any value starts the kernel: Parker has no stop value.
      if (p.online) k.fail('EBUSY', 'write', path, `${p.name} is already online`);
      startPartition(k, p, path);
      return sync(k, p);
  }
}

function writeCpus(k: SimKernel, p: SimPartition, value: string, path: string): void {
  if (p.online) k.fail('EBUSY', 'write', path, `${p.name} is online`);
  let cpus: number[];
  try {
    cpus = parseCpuList(value);
  } catch {
    k.fail('EINVAL', 'write', path, `not a CPU list: ${JSON.stringify(value)}`);
  }
  if (cpus.length > MAX_CPUS) k.fail('EINVAL', 'write', path, `more than ${MAX_CPUS} CPUs`);
  const owners = k.ownersOfCpus(cpus);
  for (const cpu of cpus) {
    if (!k.isPossibleCpu(cpu)) k.fail('EINVAL', 'write', path, `CPU ${cpu} does not exist`);
    const owner = owners.get(cpu);
    if (owner && owner !== p) k.fail('EINVAL', 'write', path, `CPU ${cpu} belongs to partition ${owner.name}`);
    if (cpu === 0) k.fail('EBUSY', 'write', path, 'CPU 0 is the boot CPU and cannot be offlined');
  }
  const kept = new Set(cpus);
  for (const cpu of p.cpus) if (!kept.has(cpu)) onlineCpu(k, cpu);
  // CPUs still online in the boot kernel are offlined automatically.
  for (const cpu of cpus) offlineCpu(k, cpu);
  const changed = [...p.cpus, ...cpus];
  p.cpus = cpus;
  k.syncCpuFiles(changed);
  sync(k, p);
}

function writeMemory(k: SimKernel, p: SimPartition, value: string, path: string): void {
  if (p.online) k.fail('EBUSY', 'write', path, `${p.name} is online`);
  if (p.cpus.length === 0) k.fail('EINVAL', 'write', path, 'write cpus first: memory comes from the node of the first CPU');
  let bytes: number;
  try {
    bytes = parseSize(value);
  } catch {
    k.fail('EINVAL', 'write', path, `not a size: ${JSON.stringify(value)}`);
  }
  if (bytes === 0 || bytes % GiB !== 0) k.fail('EINVAL', 'write', path, 'memory comes in whole GiB');
  freeMemory(k, p);
  // The kernel keeps a cpumask: the "first CPU" is the lowest-numbered one.
  const node = k.nodeOfCpu(p.cpus[0]!);
  const pool = node === null ? undefined : k.pools.get(node);
  if (!pool) {
    sync(k, p);
    k.fail('ENOMEM', 'write', path, `node ${node} has no CMA pool (parker_cma=)`);
  }
  const range = allocate(pool, bytes);
  if (!range) {
    const dir = `sys/kernel/mm/cma/${pool.name}`;
    k.put(`${dir}/alloc_pages_fail`, Number(k.text(`${dir}/alloc_pages_fail`) ?? 0) + bytes / PAGE);
    sync(k, p);
    k.fail('ENOMEM', 'write', path, `no contiguous ${formatSize(bytes)} free in ${pool.name}`);
  }
  p.memory = range;
  syncCmaFiles(k, pool, bytes / PAGE, 0);
  sync(k, p);
}

function parseAddress(k: SimKernel, value: string, path: string): string {
  try {
    return formatPciAddress(parsePciAddress(value));
  } catch {
    k.fail('EINVAL', 'write', path, `not a PCI address: ${JSON.stringify(value)}`);
  }
}

function bindDevice(k: SimKernel, p: SimPartition, value: string, path: string): void {
  if (p.online) k.fail('EBUSY', 'write', path, `${p.name} is online`);
  const address = parseAddress(k, value, path);
  const dir = k.deviceDir(address);
  if (!dir) k.fail('ENODEV', 'write', path, `no PCI device ${address}`);
  if (!address.startsWith('0000:')) k.fail('EINVAL', 'write', path, 'the control structure carries PCI domain 0 only');
  const owner = k.ownerOfDevice(address);
  if (owner) k.fail('EBUSY', 'write', path, `${address} belongs to partition ${owner.name}`);
  if (k.text(`${dir}/enable`) !== '1') k.fail('EBUSY', 'write', path, `${address} is not enabled in the boot kernel`);
  if (p.devices.length >= MAX_DEVICES) k.fail('ENOSPC', 'write', path, `at most ${MAX_DEVICES} devices`);
  unbindDriver(k, address);
  p.devices = [...p.devices, address].sort();
  k.tree.dir(`${PARKER_ROOT}/${p.name}/devices/${address}`);
}

function unbindDevice(k: SimKernel, p: SimPartition, value: string, path: string): void {
  const address = parseAddress(k, value, path);
  if (!p.devices.includes(address)) k.fail('ENODEV', 'write', path, `${address} is not bound to ${p.name}`);
  if (p.online) k.fail('EBUSY', 'write', path, `${p.name} is online and uses ${address}`);
  const dir = k.deviceDir(address)!;
  if (k.text(`${dir}/enable`) === '1') k.fail('EBUSY', 'write', path, `${address} is enabled`);
  p.devices = p.devices.filter((d) => d !== address);
  k.tree.remove(`${PARKER_ROOT}/${p.name}/devices/${address}`);
  probeDevice(k, address, path);
}
