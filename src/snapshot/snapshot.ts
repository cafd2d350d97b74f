import { gunzipSync, gzipSync } from 'node:zlib';
import * as posix from 'node:path/posix';
import { ParkerError } from '../units/parker-error.js';
import { FileTree, TreeFs } from '../machines/file-tree.js';
import { RecordingFs, type Recorded } from '../machines/recording-fs.js';
import type { KernelFs, Machine } from '../machines/machine.js';
import { readOnlyMachine } from '../machines/read-only-machine.js';
import { readTar, writeTar, type TarEntry } from './tar.js';
import { READ_LIMITS } from '../machines/bounded-read.js';
import { unpackBzip2, withoutRootDirectory } from './archive-entries.js';
import { discover } from '../topology/discover.js';
import type { Topology } from '../topology/model.js';
import { hardwareRecordProblem, type HardwareRecord } from '../topology/hardware-topology.js';

/**
 * `parker gather` snapshots: a gzip'd tar of exactly the sysfs/procfs files discovery read on
 * a machine (paths relative to its root, symbolic links kept), plus SNAPSHOT_META, so that
 * discovery of the snapshot elsewhere reads the same bytes and gives the same answer.
 */
export const SNAPSHOT_META = 'parker-gather.json';
export const SNAPSHOT_FORMAT = 'parker.gather/v1';

export interface SnapshotMeta {
  format: typeof SNAPSHOT_FORMAT;
  /** What was gathered ("host /", or the source's own description). */
  source: string;
  hostname: string | null;
  arch: string | null;
  createdAt: string;
  parkerVersion: string;
  files: number;
  /**
   * The hardware's structure as seen with every CPU online, when the machine knew it: Linux
   * drops the topology files of offline CPUs, and partitions keep theirs offline.
   */
  hardware?: Topology;
}

export interface Snapshot {
  topology: Topology;
  meta: SnapshotMeta;
  bytes: Uint8Array;
}

const MAX_LINK_DEPTH = 40;

/** Resolves every symbolic link along a path, remembering each link met. */
class Canonicalizer {
  private readonly cache = new Map<string, string>();
  readonly links = new Map<string, string>();

  constructor(private readonly fs: KernelFs) {}

  canonical(path: string, depth = 0): string {
    const cached = this.cache.get(path);
    if (cached !== undefined) return cached;
    if (depth > MAX_LINK_DEPTH) throw new ParkerError('E_GATHER', `too many levels of symbolic links at ${path}`);
    const slash = path.lastIndexOf('/');
    const parent = slash === -1 ? '' : this.canonical(path.slice(0, slash), depth + 1);
    const name = slash === -1 ? path : path.slice(slash + 1);
    const here = parent === '' ? name : `${parent}/${name}`;
    const target = this.fs.readlink(here);
    let result = here;
    if (target !== null) {
      this.links.set(here, target);
      const joined = posix.normalize(target.startsWith('/') ? target.slice(1) : posix.join(parent, target));
      if (joined.startsWith('..')) throw new ParkerError('E_GATHER', `link ${here} points outside the machine root`);
      result = this.canonical(joined, depth + 1);
    }
    this.cache.set(path, result);
    return result;
  }
}

/** Builds the tar entries for what a RecordingFs saw. */
function snapshotEntries(fs: KernelFs, recorded: Recorded, meta: SnapshotMeta): TarEntry[] {
  const canon = new Canonicalizer(fs);
  const files = new Map<string, Uint8Array>();
  const dirs = new Set<string>();
  for (const [path, data] of recorded.files) {
    const real = canon.canonical(path);
    files.set(real, data ?? fs.readBytes(path));
  }
  for (const path of recorded.links) canon.canonical(path);
  for (const path of recorded.dirs) {
    const real = canon.canonical(path);
    dirs.add(real);
    // Keep a listed directory's subdirectories and links, so list() answers the same; its
    // other files were not read and stay behind.
    for (const name of fs.list(path)) {
      const child = `${real}/${name}`;
      const target = fs.readlink(child);
      if (target !== null) canon.links.set(child, target);
      else if (fs.isDirectory(child)) dirs.add(child);
    }
  }
  const entries: TarEntry[] = [
    { type: 'file', path: SNAPSHOT_META, data: new TextEncoder().encode(JSON.stringify(meta, null, 2) + '\n') },
  ];
  const paths = new Set<string>([...dirs, ...files.keys(), ...canon.links.keys()]);
  for (const path of [...paths].sort()) {
    const data = files.get(path);
    const target = canon.links.get(path);
    if (target !== undefined) entries.push({ type: 'link', path, target });
    else if (data !== undefined) entries.push({ type: 'file', path, data });
    else entries.push({ type: 'dir', path });
  }
  return entries;
}

export interface GatherOptions {
  hostname: string | null;
  parkerVersion: string;
  now: Date;
  /** More reading to record beside discovery's (the kernel interface's partition files). */
  alsoRead?: (fs: KernelFs) => void;
  /** The recorded hardware structure, carried in the metadata. */
  hardware?: Topology | null;
}

/** Discovers `machine` while recording, and packs what was read. */
export function gatherSnapshot(machine: Machine, options: GatherOptions): Snapshot {
  const recording = new RecordingFs(machine.fs);
  const topology = discover({ ...machine, fs: recording });
  options.alsoRead?.(recording);
  const meta: SnapshotMeta = {
    format: SNAPSHOT_FORMAT,
    source: machine.description,
    hostname: options.hostname,
    arch: machine.arch ?? null,
    createdAt: options.now.toISOString(),
    parkerVersion: options.parkerVersion,
    files: recording.recorded.files.size,
    ...(options.hardware ? { hardware: options.hardware } : {}),
  };
  const entries = snapshotEntries(machine.fs, recording.recorded, meta);
  return { topology, meta, bytes: gzipSync(writeTar(entries), { level: 9 }) };
}

/** Opens a snapshot as a read-only machine. `name` is how the user named the file. */
export function openSnapshot(archive: Uint8Array, name: string): { machine: Machine; meta: SnapshotMeta | null } {
  const bytes = unpackBzip2(archive);
  let entries: TarEntry[];
  let tar: Uint8Array = bytes;
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      // Never more than the limit in memory, however well it compresses (a gzip bomb).
      tar = gunzipSync(bytes, { maxOutputLength: READ_LIMITS.unpacked });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
        throw new ParkerError('E_TOO_BIG', `${name} unpacks to more than ${READ_LIMITS.unpacked / 2 ** 20} MiB, the limit for a snapshot`, 'pass a .tar.gz written by `parker gather -f FILE`');
      }
      throw new ParkerError('E_SNAPSHOT', `${name} is not a readable snapshot: ${(e as Error).message}`, 'pass a .tar.gz written by `parker gather -f FILE`');
    }
  }
  try {
    entries = readTar(tar);
  } catch (e) {
    throw new ParkerError(
      'E_SNAPSHOT',
      `${name} is not a readable snapshot: ${(e as Error).message}`,
      'pass a .tar.gz written by `parker gather -f FILE`',
    );
  }
  entries = withoutRootDirectory(entries);
  const tree = new FileTree();
  let meta: SnapshotMeta | null = null;
  for (const entry of entries) {
    if (entry.path === SNAPSHOT_META && entry.type === 'file') {
      meta = parseMeta(new TextDecoder().decode(entry.data), name);
    } else if (entry.type === 'file') tree.file(entry.path, entry.data);
    else if (entry.type === 'link') tree.link(entry.path, entry.target);
    else tree.dir(entry.path);
  }
  if (!tree.root.children.has('sys')) {
    throw new ParkerError('E_SNAPSHOT', `${name} holds no sys/ tree`, 'pass a .tar.gz written by `parker gather -f FILE`');
  }
  const from = meta ? ` (gathered from ${meta.hostname ?? meta.source} on ${meta.createdAt.slice(0, 10)})` : '';
  const machine = withRecordedHardware(readOnlyMachine(new TreeFs(tree), 'archive', `snapshot ${name}${from}`, meta?.arch ?? undefined), meta);
  return { machine, meta };
}

/** The snapshot's metadata, checked: a snapshot that is not what gather writes is refused with E_SNAPSHOT. */
function parseMeta(text: string, name: string): SnapshotMeta {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new ParkerError('E_SNAPSHOT', `${name}: its ${SNAPSHOT_META} is not JSON (${(e as Error).message})`, 'gather again');
  }
  const m = data as Partial<SnapshotMeta> | null;
  if (typeof m !== 'object' || m === null || Array.isArray(m) || typeof m.source !== 'string' || typeof m.createdAt !== 'string' || (m.hostname !== null && typeof m.hostname !== 'string') || (m.arch !== undefined && m.arch !== null && typeof m.arch !== 'string')) {
    throw new ParkerError('E_SNAPSHOT', `${name}: its ${SNAPSHOT_META} is not the metadata parker gather writes`, 'gather again');
  }
  const problem = m.hardware === undefined ? null : hardwareRecordProblem(m.hardware);
  if (problem) throw new ParkerError('E_SNAPSHOT', `${name}: its ${SNAPSHOT_META} has a malformed hardware record (${problem})`, 'gather again');
  return m as SnapshotMeta;
}

/** A machine with the hardware structure a snapshot's metadata recorded, when it has one. */
export function withRecordedHardware(machine: Machine, meta: SnapshotMeta | null): Machine & HardwareRecord {
  const hardware = meta?.hardware ?? null;
  return { ...machine, hardware: () => hardware };
}

/** The metadata a snapshot left beside its sys/ when it was unpacked into a directory, or null. */
export function readUnpackedMeta(fs: KernelFs): SnapshotMeta | null {
  if (!fs.exists(SNAPSHOT_META)) return null;
  let text: string;
  try {
    text = fs.read(SNAPSHOT_META);
    JSON.parse(text);
  } catch {
    return null;
  }
  // Checked as a packed snapshot's is: planning must not trust a hardware record it cannot use.
  return parseMeta(text, 'the tree');
}
