import * as os from 'node:os';
import { DirectoryFs } from '../directory-fs.js';
import type { Machine } from '../machine.js';
import { hostKexec, runCommand } from './host-kexec.js';
import { writeStartFile } from './start-writer.js';

/** Whether this computer runs a Parker boot kernel (its control filesystem is mounted). */
export function hostRunsParker(root = '/'): boolean {
  return new DirectoryFs(root).isDirectory('sys/fs/parker');
}

/**
 * This computer, read from /sys and /proc under `root`. Read-only unless `writable`: only
 * apply, start, stop, destroy and recover open it writable, after the user confirmed.
 */
const START_FILE = /^sys\/fs\/parker\/[^/]+\/online$/;

export function hostMachine(root = '/', writable = false): Machine {
  const fs = new DirectoryFs(root, writable);
  if (writable) {
    // The write that starts a partition blocks until the new kernel is up: never in-process.
    const write = fs.write.bind(fs);
    fs.write = (path: string, value: string) => (START_FILE.test(path.replace(/^\/+/, '')) ? writeStartFile(fs.resolve(path), value, path) : write(path, value));
  }
  const where = fs.root === '/' ? '' : ` under ${fs.root}`;
  return {
    kind: 'host',
    description: `host ${os.hostname()}${where}`,
    fs,
    arch: os.machine(),
    kexec: hostKexec(fs),
    run: (_partition, argv, timeoutMs) => runCommand(argv, timeoutMs),
    clock: { now: () => Date.now(), sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) },
  };
}
