import { formatCpuList, parseCpuList } from '../../units/cpulist.js';
import { parsePciAddress, formatPciAddress } from '../../units/pci-address.js';
import { formatSize, parseSize } from '../../units/size.js';
import type { TreeEntry } from '../file-tree.js';
import type { SimKernel } from './sim-kernel.js';
import type { SimPartition } from './sim-state.js';
import { offlineCpu, onlineCpu } from './cpu-hotplug.js';
import { allocate, countFailedAllocation, poolOf, release, syncCmaFiles } from './cma-pools.js';
import { detachForPartition, releaseDevice } from './pci-binding.js';
import { startPartition } from './app-kernel.js';
import { resetMachine } from './machine-reset.js';

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
/**
 * A start that never came up holds the kernel's global Parker mutex for ever: everything that
 * takes it blocks (mkdir, cpus and online writes, control_structure reads, putting a CPU online).
 */
export function startInFlight(k: SimKernel, op: string, path: string): void {
  const stuck = [...k.partitions.values()].find((p) => p.status === 'hung' && !p.online);
  if (stuck) k.hang('blocked', op, path, `the start of ${stuck.name} holds the Parker mutex while it busy-waits for its kernel`);
}

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
  // Decimal bytes at a hex base (measured: "1073741824@0x100000000"); unreadable until written.
  k.put(`${dir}/memory`, p.memory ? `${p.memory.end - p.memory.start + 1}@0x${p.memory.start.toString(16)}` : '');
  k.put(`${dir}/bind`, '');
  k.put(`${dir}/unbind`, '');
  k.put(`${dir}/online`, p.online ? 1 : 0);
  k.tree.dir(`${dir}/devices`);
}

export function mkdirParker(k: SimKernel, path: string): void {
  const where = parkerPath(path);
  if (!where?.name) k.fail('EEXIST', 'mkdir', path);
  // Unmounted, sys/fs/parker is an empty sysfs directory; mkdir there is ENOENT (measured on
  // the real kernel, the mkdir system call straight on the mount point).
  if (!k.mounted) k.fail('ENOENT', 'mkdir', path, 'the Parker control filesystem is not mounted');
  if (where.file !== undefined) {
    if (!k.partitions.has(where.name)) k.fail('ENOENT', 'mkdir', path);
    k.fail('EINVAL', 'mkdir', path, 'partitions are created only at the root of the control filesystem');
  }
  if (k.partitions.has(where.name)) k.fail('EEXIST', 'mkdir', path);
  startInFlight(k, 'mkdir', path);
  // The RFC numbers a partition with the count of partitions after it is made (an atomic
  // counter that rmdir decrements), so ids are reused and can repeat: a(1) b(2), rmdir a,
  // c gets 2 like b.
  const id = k.partitions.size + 1;
  // Each partition's control page is a page of its own; the lowest free slot.
  const pages = new Set([...k.partitions.values()].map((p) => p.controlStructure));
  let slot = 1;
  while (pages.has(CONTROL_BASE + slot * PAGE)) slot++;
  const p: SimPartition = {
    name: where.name,
    id,
    serial: ++k.partitionsMade,
    controlStructure: CONTROL_BASE + slot * PAGE,
    cpus: [],
    memory: null,
    devices: [],
    online: false,
    status: 'created',
    console: [],
    onlineAt: null,
    cmdline: null,
    started: false,
    stuck: null,
    ready: false,
  };
  k.partitions.set(p.name, p);
  sync(k, p);
}

export function rmdirParker(k: SimKernel, path: string): void {
  const where = parkerPath(path);
  if (!k.mounted) k.fail('ENOENT', 'rmdir', path, 'the Parker control filesystem is not mounted');
  // The root and a partition's devices/ are directories the kernel will not remove.
  if (!where?.name || (where.file === 'devices' && where.rest.length === 0)) k.fail('EBUSY', 'rmdir', path);
  if (where.file !== undefined) k.fail(where.rest.length === 0 ? 'ENOTDIR' : 'EPERM', 'rmdir', path);
  const p = partitionOf(k, 'rmdir', path, where.name);
  if (p.stuck) k.hang('blocked', 'rmdir', path, p.stuck, p.name);
  // rmdir takes the partition's mutex, which a start that never came up holds for ever.
  if (p.status === 'hung' && !p.online) k.hang('blocked', 'rmdir', path, `the start of ${p.name} is still busy-waiting for its kernel`, p.name);
  if (p.online) k.fail('EBUSY', 'rmdir', path, `${p.name} is online: ask it to power off first`);
  // The kernel gives memory back to the pool of the node of the partition's first CPU now. When
  // a second cpus write moved that CPU to another node, the release fails: the partition is torn
  // down all the same, its memory stays taken until reboot, and rmdir says EBUSY (measured).
  const leaked = p.memory !== null && poolOf(k, p.memory) !== poolOfFirstCpu(k, p);
  tearDown(k, p, { keepMemory: leaked });
  k.tree.remove(`${PARKER_ROOT}/${p.name}`);
  if (leaked) k.fail('EBUSY', 'rmdir', path, `its memory came from another node's pool than its first CPU's: the memory stays taken until reboot`);
}

function poolOfFirstCpu(k: SimKernel, p: SimPartition) {
  const node = p.cpus.length ? k.nodeOfCpu(p.cpus[0]!) : null;
  return node === null ? undefined : k.pools.get(node);
}

/** Gives back what a partition held: CPUs online in the boot kernel, memory to CMA, devices re-probed. */
export function tearDown(k: SimKernel, p: SimPartition, options: { keepMemory?: boolean } = {}): void {
  k.partitions.delete(p.name);
  // CPUs a second cpus write replaced stay reserved: the kernel forgets only the current ones.
  for (const cpu of p.cpus) onlineCpu(k, cpu);
  k.syncCpuFiles(p.cpus);
  if (!options.keepMemory) freeMemory(k, p);
  for (const device of p.devices) releaseDevice(k, device, `${PARKER_ROOT}/${p.name}`);
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

/** Refuses or blocks a read of the control filesystem the way the kernel does. */
export function readParker(k: SimKernel, path: string): void {
  const where = parkerPath(path);
  if (!where?.file || where.rest.length > 0) return;
  const p = where.name === undefined ? undefined : k.partitions.get(where.name);
  // bind and unbind have no show function: a read gives nothing (root may open them).
  if (WRITE_ONLY.has(where.file) || !p || !k.mounted) return;
  if (where.file === 'control_structure') startInFlight(k, 'read', path);
  if (p.stuck) k.hang('blocked', 'read', path, p.stuck, p.name);
  // The start write busy-waits holding the partition; a read of online waits behind it, for
  // ever when the kernel never comes up (measured on the real kernel).
  if (where.file === 'online' && p.status === 'hung' && !p.online) {
    k.hang('blocked', 'read', path, `the start of ${p.name} is still busy-waiting for its kernel, which never came online`, p.name);
  }
  if (where.file === 'memory' && !p.memory) k.fail('EINVAL', 'read', path, 'memory has not been written');
}

/** mount -t parker parker /sys/fs/parker. One mount at a time; partitions outlive unmounts. */
export function mountParker(k: SimKernel, path: string): void {
  if (!k.parkerEnabled) k.fail('ENODEV', 'mount', path, 'unknown filesystem type parker: the boot kernel runs without parker_cma=');
  if (k.mounted) k.fail('EBUSY', 'mount', path, 'the Parker control filesystem is already mounted');
  k.tree.dir(PARKER_ROOT);
  if (k.unmountedParker?.type === 'dir') for (const [name, entry] of k.unmountedParker.children) k.tree.attach(PARKER_ROOT, name, entry);
  k.unmountedParker = undefined;
  k.mounted = true;
  setMountLine(k, true);
}

export function umountParker(k: SimKernel, path: string): void {
  if (!k.mounted) k.fail('EINVAL', 'umount', path, 'not mounted');
  k.unmountedParker = k.tree.detach('sys/fs', 'parker');
  k.tree.dir(PARKER_ROOT);
  k.mounted = false;
  setMountLine(k, false);
}

const MOUNT_LINE = 'parker /sys/fs/parker parker rw,relatime 0 0';

function setMountLine(k: SimKernel, mounted: boolean): void {
  const entry: TreeEntry | undefined = k.tree.get('proc/mounts');
  const text = entry?.type === 'file' ? (typeof entry.data === 'string' ? entry.data : new TextDecoder().decode(entry.data)) : '';
  const lines = text.split('\n').filter((l) => l !== '' && l !== MOUNT_LINE);
  if (mounted) lines.push(MOUNT_LINE);
  if (entry || mounted) k.tree.file('proc/mounts', lines.length ? `${lines.join('\n')}\n` : '');
}

export function writeParker(k: SimKernel, path: string, value: string): void {
  const where = parkerPath(path);
  if (!where?.name || !where.file) k.fail('EISDIR', 'write', path);
  const p = partitionOf(k, 'write', path, where.name);
  if (where.rest.length > 0 || READ_ONLY.has(where.file)) {
    // `echo 5 > id` (measured): EINVAL, as a read-only attribute of this filesystem answers.
    if (where.file === 'id' || where.file === 'control_structure') k.fail('EINVAL', 'write', path, `${where.file} is not writable`);
    k.fail('EACCES', 'write', path, `${where.file} is not writable`);
  }
  if (!(FILES as readonly string[]).includes(where.file)) k.fail('ENOENT', 'write', path);
  if (p.stuck) k.hang('blocked', 'write', path, p.stuck, p.name);
  if (where.file === 'cpus' || where.file === 'online') startInFlight(k, 'write', path);
  if (p.status === 'hung' && !p.online) k.hang('blocked', 'write', path, `the start of ${p.name} is still busy-waiting for its kernel`, p.name);
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
      // Any value starts the kernel: Parker has no stop value, and no check of its own.
      if (p.started) {
        // Measured: a second start of a used partition, with or without a new kexec load,
        // reset the whole machine (the control page is not reset; relocate_kernel swaps pages).
        const reason = `a second online write to ${p.name}, whose kernel had already been started: a partition is single-use`;
        resetMachine(k, reason);
        k.fail('EIO', 'write', path, `${reason}; the whole machine reset`);
      }
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
  if (cpus.length === 0) k.fail('EINVAL', 'write', path, 'an empty CPU list');
  if (cpus.length > MAX_CPUS) k.fail('EINVAL', 'write', path, `more than ${MAX_CPUS} CPUs`);
  const owners = k.ownersOfCpus(cpus);
  for (const cpu of cpus) {
    if (!k.isPossibleCpu(cpu)) k.fail('EINVAL', 'write', path, `CPU ${cpu} does not exist`);
    // The kernel refuses any CPU in its set of partition CPUs, this partition's own included:
    // so a second write of the same list is EINVAL (measured), and so is a CPU a replaced
    // list left behind.
    const owner = owners.get(cpu);
    if (owner) k.fail('EINVAL', 'write', path, owner === p ? `CPU ${cpu} is already ${p.name}'s (cpus cannot be written twice with it)` : `CPU ${cpu} belongs to partition ${owner.name}`);
    if (k.strandedCpus.has(cpu)) k.fail('EINVAL', 'write', path, `CPU ${cpu} was left reserved by an earlier cpus write`);
  }
  // A second write of other CPUs replaces the list, but the old CPUs stay in the kernel's set
  // of partition CPUs: offline, and no partition can have them until the machine reboots.
  for (const cpu of p.cpus) k.strandedCpus.add(cpu);
  if (p.cpus.length) k.event('warning', `${p.name}'s cpus were written again: CPUs ${formatCpuList(p.cpus)} stay offline and reserved until the machine reboots`, { kernel: p.name });
  // CPUs still online in the boot kernel are offlined automatically; CPU 0 cannot go offline
  // and is accepted silently, staying online (measured).
  for (const cpu of cpus) if (cpu !== 0) offlineCpu(k, cpu);
  p.cpus = cpus;
  k.syncCpuFiles(cpus);
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
  if (bytes === 0) k.fail('EINVAL', 'write', path, 'a size of 0');
  // The pool hands out whole GiB (its bitmap has one bit per GiB); the partition gets the
  // pages it asked for, and the rest of the last GiB is lost to it.
  bytes = Math.floor(bytes / PAGE) * PAGE;
  freeMemory(k, p);
  // The kernel keeps a cpumask: the "first CPU" is the lowest-numbered one.
  const node = k.nodeOfCpu(p.cpus[0]!);
  const pool = node === null ? undefined : k.pools.get(node);
  if (!pool) {
    sync(k, p);
    k.fail('ENOMEM', 'write', path, `node ${node} has no CMA pool (none asked for in parker_cma=, or its reservation failed at boot)`);
  }
  // More than the whole pool is refused before the allocator runs: no failure is counted (measured).
  if (Math.ceil(bytes / GiB) * GiB > pool.range.end - pool.range.start + 1) {
    sync(k, p);
    k.fail('ENOMEM', 'write', path, `${formatSize(bytes)} is more than the whole of ${pool.name}`);
  }
  const reserved = allocate(pool, Math.ceil(bytes / GiB) * GiB);
  const range = reserved ? { start: reserved.start, end: reserved.start + bytes - 1 } : null;
  if (!range) {
    countFailedAllocation(k, pool, bytes / PAGE);
    sync(k, p);
    k.fail('ENOMEM', 'write', path, `no contiguous ${formatSize(bytes)} free in ${pool.name}`);
  }
  p.memory = range;
  syncCmaFiles(k, pool, bytes / PAGE, 0);
  sync(k, p);
}

/** The kernel looks the name up on the PCI bus: anything that names no device is ENODEV. */
function parseAddress(k: SimKernel, value: string, path: string): string {
  try {
    return formatPciAddress(parsePciAddress(value));
  } catch {
    k.fail('ENODEV', 'write', path, `no PCI device named ${JSON.stringify(value)}`);
  }
}

function bindDevice(k: SimKernel, p: SimPartition, value: string, path: string): void {
  if (p.online) k.fail('EBUSY', 'write', path, `${p.name} is online`);
  const address = parseAddress(k, value, path);
  const dir = k.deviceDir(address);
  if (!dir) k.fail('ENODEV', 'write', path, `no PCI device ${address}`);
  const owner = k.ownerOfDevice(address);
  if (owner) k.fail('EBUSY', 'write', path, `${address} belongs to partition ${owner.name}`);
  if (k.text(`${dir}/enable`) !== '1') k.fail('EBUSY', 'write', path, `${address} is not enabled in the boot kernel`);
  if (p.devices.length >= MAX_DEVICES) k.fail('ENOSPC', 'write', path, `at most ${MAX_DEVICES} devices`);
  if (!k.tree.get(`${dir}/driver`)) {
    // Measured: enabled with no driver, the kernel dereferences the missing driver. The
    // writer is killed and the partition's mutex stays held.
    p.stuck = `a bind of ${address} (enabled, no driver) oopsed while holding ${p.name}'s mutex`;
    k.hang('killed', 'write', path, `NULL pointer dereference binding ${address}: it is enabled but has no driver`, p.name);
  }
  detachForPartition(k, address);
  p.devices = [...p.devices, address].sort();
  k.tree.dir(`${PARKER_ROOT}/${p.name}/devices/${address}`);
}

function unbindDevice(k: SimKernel, p: SimPartition, value: string, path: string): void {
  const address = parseAddress(k, value, path);
  if (!p.devices.includes(address)) k.fail('ENODEV', 'write', path, `${address} is not bound to ${p.name}`);
  if (p.online) k.fail('EBUSY', 'write', path, `${p.name} is online and uses ${address}`);
  const dir = k.deviceDir(address)!;
  if (k.text(`${dir}/enable`) === '1') k.fail('ENODEV', 'write', path, `${address} is enabled`);
  p.devices = p.devices.filter((d) => d !== address);
  k.tree.remove(`${PARKER_ROOT}/${p.name}/devices/${address}`);
  releaseDevice(k, address, path);
}
