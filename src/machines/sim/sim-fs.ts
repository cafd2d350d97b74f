import { TreeFs } from '../file-tree.js';
import type { KernelFs } from '../machine.js';
import type { SimKernel } from './sim-kernel.js';
import { setCpuOnline } from './cpu-hotplug.js';
import { writeMemoryBlock } from './memory-hotplug.js';
import { writePci } from './pci-binding.js';
import { mkdirParker, mountParker, parkerPath, readParker, rmdirParker, umountParker, writeParker } from './parker-fs.js';

/** One change to the simulated kernel, as the store logs it. */
export type SimOp =
  | { op: 'write'; path: string; value: string }
  | { op: 'mkdir'; path: string }
  | { op: 'rmdir'; path: string }
  | { op: 'mount'; path: string }
  | { op: 'umount'; path: string };

const CPU_ONLINE = /^sys\/devices\/system\/cpu\/cpu(\d+)\/online$/;
const MEMORY_BLOCK = /^sys\/devices\/system\/memory\/memory(\d+)\/(state|online)$/;

/** Applies one change with the kernel's rules; throws the kernel's errno. */
export function applyOp(k: SimKernel, op: SimOp): void {
  k.checkAlive(op.op, op.path);
  if (op.op === 'mount' || op.op === 'umount') {
    if (op.path !== 'sys/fs/parker') k.fail('EPERM', op.op, op.path, 'the simulator mounts only the Parker control filesystem at sys/fs/parker');
    return op.op === 'mount' ? mountParker(k, op.path) : umountParker(k, op.path);
  }
  if (op.op === 'mkdir') {
    if (!parkerPath(op.path)) k.fail(k.tree.get(op.path) ? 'EEXIST' : 'EPERM', 'mkdir', op.path, 'sysfs directories are made by the kernel');
    if (!k.tree.get('sys/fs/parker')) k.fail('ENOENT', 'mkdir', op.path, 'the Parker control filesystem is not mounted');
    return mkdirParker(k, op.path);
  }
  if (op.op === 'rmdir') {
    if (!parkerPath(op.path)) k.fail('EPERM', 'rmdir', op.path, 'sysfs directories are removed by the kernel');
    return rmdirParker(k, op.path);
  }
  const real = k.tree.realpath(op.path);
  if (real === undefined) k.fail('ENOENT', 'write', op.path);
  if (parkerPath(real)) return writeParker(k, real, op.value);
  const cpu = CPU_ONLINE.exec(real);
  if (cpu) {
    const v = op.value.trim();
    if (v !== '0' && v !== '1') k.fail('EINVAL', 'write', op.path, 'write 0 or 1');
    return setCpuOnline(k, Number(cpu[1]), v === '1', op.path);
  }
  const block = MEMORY_BLOCK.exec(real);
  if (block) return writeMemoryBlock(k, Number(block[1]), block[2] as 'state' | 'online', op.value.trim(), op.path);
  if (real.startsWith('sys/bus/pci/') || real.startsWith('sys/devices/pci')) {
    if (writePci(k, real, op.value, op.path)) return;
  }
  k.fail('EACCES', 'write', op.path, 'not a writable attribute in the simulator');
}

/**
 * The simulated machine's kernel filesystem: reads come from the live tree, changes go
 * through the kernel's rules and are logged (before they run, so that a process killed in the
 * middle leaves the machine as a kernel would: the change either happened or did not).
 */
export class SimFs implements KernelFs {
  private readonly view: TreeFs;

  constructor(
    private readonly kernel: SimKernel,
    private readonly log: (op: SimOp) => void,
  ) {
    this.view = new TreeFs(kernel.tree);
  }

  private change(op: SimOp): void {
    this.kernel.checkAlive(op.op, op.path);
    this.log(op);
    applyOp(this.kernel, op);
  }

  read(path: string): string {
    this.kernel.checkAlive('read', path);
    readParker(this.kernel, path);
    return this.view.read(path);
  }

  readBytes(path: string): Uint8Array {
    this.kernel.checkAlive('read', path);
    return this.view.readBytes(path);
  }

  write(path: string, value: string): void {
    this.change({ op: 'write', path, value });
  }

  mkdir(path: string): void {
    this.change({ op: 'mkdir', path });
  }

  rmdir(path: string): void {
    this.change({ op: 'rmdir', path });
  }

  /** `mount -t parker parker /PATH` (the simulator's own control: KernelFs has no mount). */
  mount(path: string): void {
    this.change({ op: 'mount', path });
  }

  umount(path: string): void {
    this.change({ op: 'umount', path });
  }

  list(path: string): string[] {
    this.kernel.checkAlive('list', path);
    return this.view.list(path);
  }

  exists(path: string): boolean {
    return !this.kernel.crash && this.view.exists(path);
  }

  readlink(path: string): string | null {
    return this.kernel.crash ? null : this.view.readlink(path);
  }

  isDirectory(path: string): boolean {
    return !this.kernel.crash && this.view.isDirectory(path);
  }
}
