import type { KernelFiles } from './kernel-files.js';
import type { KernelInfo, ParkerState } from './model.js';

export const PARKER_DIR = 'sys/fs/parker';

/** The Parker control filesystem: present on a Parker boot kernel; one directory per partition. */
export function discoverParker(files: KernelFiles): ParkerState {
  if (!files.fs.exists(PARKER_DIR)) return { controlFs: false, partitions: [] };
  const partitions = files.list(PARKER_DIR).filter((name) => files.fs.isDirectory(`${PARKER_DIR}/${name}`));
  return { controlFs: true, partitions };
}

export function discoverKernel(files: KernelFiles): KernelInfo {
  return { release: files.text('proc/sys/kernel/osrelease'), cmdline: files.text('proc/cmdline') };
}
