import * as os from 'node:os';
import { DirectoryFs } from '../directory-fs.js';
import type { Machine } from '../machine.js';

/** Whether this computer runs a Parker boot kernel (its control filesystem is mounted). */
export function hostRunsParker(root = '/'): boolean {
  return new DirectoryFs(root).isDirectory('sys/fs/parker');
}

/** This computer, read from /sys and /proc under `root`. Read-only until apply exists. */
export function hostMachine(root = '/'): Machine {
  const fs = new DirectoryFs(root);
  const where = fs.root === '/' ? '' : ` under ${fs.root}`;
  return { kind: 'host', description: `host ${os.hostname()}${where}`, fs, arch: os.machine() };
}
