/**
 * Whether an absolute path is in the kernel's own filesystems (/proc, /sys, /dev), where parker
 * keeps no state and makes no files. /dev/shm is a tmpfs like any other and is not among them.
 */
export function inKernelFilesystem(absolute: string): boolean {
  return /^\/(proc|sys)(\/|$)|^\/dev(\/(?!shm(\/|$))|$)/.test(absolute);
}
