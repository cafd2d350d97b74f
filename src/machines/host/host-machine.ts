import * as os from 'node:os';
import * as path from 'node:path';
import { DirectoryFs } from '../directory-fs.js';
import { localBootFile } from '../bounded-read.js';
import { KernelError } from '../kernel-error.js';
import type { KernelFs, Machine } from '../machine.js';
import { consoleLines, consoleSince, stopConsole, watchConsole } from './console-reader.js';
import { hostKexec, runCommand } from './host-kexec.js';
import { PartitionRecords } from './partition-records.js';
import { writeStartFile } from './start-writer.js';

/** Whether this computer runs a Parker boot kernel (its control filesystem is mounted). */
export function hostRunsParker(root = '/'): boolean {
  return new DirectoryFs(root).isDirectory('sys/fs/parker');
}

/** A path in a partition's directory: its name, and whether it is the start file. */
function partitionPath(p: string): { name: string; file: string | null } | null {
  const m = /^sys\/fs\/parker\/([^/]+)(?:\/(.+))?$/.exec(p.replace(/^\/+/, '').replace(/\/+$/, ''));
  return m ? { name: m[1]!, file: m[2] ?? null } : null;
}

export interface HostMachineOptions {
  /** Where the host keeps its per-partition records (start writes, consoles); default `ROOT/run/parker/partitions`. */
  runDir?: string;
}

/**
 * Never touches the files of a partition whose start write is in flight: the Parker kernel
 * holds the partition's lock while it busy-waits in that write, so a read of `online` (or any
 * file there) would block this process until the new kernel is up, forever if it never is.
 * Such an access fails at once with EAGAIN instead; waits treat it as "not yet".
 */
function guardStarting(fs: DirectoryFs, records: PartitionRecords, writable: boolean): void {
  const guard = (op: string, p: string) => {
    const where = partitionPath(p);
    if (!where) return;
    const state = records.state(where.name);
    if (state.kind !== 'starting') return;
    throw new KernelError('EAGAIN', op, p, `the start of partition ${where.name} is in flight: its start write has not returned, and the kernel would block this ${op} until the new kernel sets online`);
  };
  const read = fs.read.bind(fs);
  const readBytes = fs.readBytes.bind(fs);
  const write = fs.write.bind(fs);
  const rmdir = fs.rmdir.bind(fs);
  fs.read = (p) => (guard('read', p), read(p));
  fs.readBytes = (p) => (guard('read', p), readBytes(p));
  fs.rmdir = (p) => {
    guard('rmdir', p);
    const where = partitionPath(p);
    // Where its records are is checked before the partition goes (records.of refuses a link out of the root).
    if (where && where.file === null) records.of(where.name);
    rmdir(p);
    if (where && where.file === null) {
      // The partition is gone: so are its start record and its console reader.
      stopConsole(records, where.name);
      records.forget(where.name);
    }
  };
  fs.write = (p, value) => {
    guard('write', p);
    const where = partitionPath(p);
    if (!where || where.file !== 'online' || !writable) return write(p, value);
    // The write that starts a partition blocks until the new kernel is up: never in-process.
    // The path is checked (inside the root, no link out of it) before anything is recorded.
    const target = fs.writablePath(p);
    const status = records.beginStart(where.name, null, Date.now());
    try {
      const pid = writeStartFile(target, value, p, status);
      if (pid !== null) records.setPid(where.name, pid);
    } catch (e) {
      // Refused (or no such file): nothing started, nothing to remember.
      records.forget(where.name);
      throw e;
    }
  };
}

/**
 * This computer, read from /sys and /proc under `root`. Read-only unless `writable`: only
 * apply, start, stop, destroy and recover open it writable, after the user confirmed.
 */
export function hostMachine(root = '/', writable = false, options: HostMachineOptions = {}): Machine {
  const fs = new DirectoryFs(root, writable);
  const records = new PartitionRecords(options.runDir ?? path.join(fs.root, 'run/parker/partitions'), (name) => fs.resolve(`sys/fs/parker/${name}`), options.runDir === undefined && path.resolve(fs.root) !== '/' ? fs.root : null);
  guardStarting(fs, records, writable);
  const where = fs.root === '/' ? '' : ` under ${fs.root}`;
  const kernelFs: KernelFs = fs;
  return {
    kind: 'host',
    description: `host ${os.hostname()}${where}`,
    fs: kernelFs,
    arch: os.machine(),
    kexec: hostKexec(fs),
    run: (_partition, argv, timeoutMs) => runCommand(argv, timeoutMs),
    clock: { now: () => Date.now(), sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) },
    // From the records alone, never from the partition's files.
    partitionState(name) {
      const state = records.state(name);
      if (state.kind === 'starting') return { state: 'starting', onlineAt: null };
      if (state.kind === 'failed') return { state: 'start-failed', onlineAt: null, reason: state.reason };
      if (state.kind === 'started') {
        // The start write has returned, so online can be read without blocking: up since the
        // start (status shows its uptime), or powered off since.
        try {
          return { state: fs.read(`sys/fs/parker/${name}/online`).trim() === '1' ? 'online' : 'stopped', onlineAt: state.since };
        } catch {
          return null;
        }
      }
      return null;
    },
    startedBefore(name) {
      return records.state(name).kind === 'none' ? null : true;
    },
    watchConsole(name, source) {
      watchConsole(records, name, source);
    },
    console: (name) => consoleLines(records, name),
    consoleSince: (name, cursor, flush) => consoleSince(records, name, cursor, flush),
    // kexec-tools reads the image and initrd from this computer's own paths: known only when the root is this computer's.
    ...(fs.root === '/' ? { bootFile: (file: string, options: { maxBytes: number; read: boolean }) => localBootFile(file, options, options.read ? 'kernel image' : 'initrd') } : {}),
  };
}
