import * as fs from 'node:fs';
import * as path from 'node:path';
import { ParkerError } from '../../units/parker-error.js';
import { errnoWords } from '../../units/errno-words.js';
import { READ_LIMITS, localBootFile, readBoundedFile } from '../bounded-read.js';
import { FileTree, TreeFs } from '../file-tree.js';
import type { Kexec, KexecLoad, Machine, MachineClock, RunResult } from '../machine.js';
import { readOnlyMachine } from '../read-only-machine.js';
import { DirectoryFs } from '../directory-fs.js';
import { discover, discoverOverHardware } from '../../topology/discover.js';
import { DEFAULT_SERVER_CMDLINE, defaultServerTreeWithHardware } from '../../synthetic/default-server.js';
import { parseSyntheticDescription } from '../../synthetic/description.js';
import { syntheticTreeWithHardware } from '../../synthetic/tree.js';
import { gatherSnapshot, openSnapshot } from '../../snapshot/snapshot.js';
import { SimKernel } from './sim-kernel.js';
import { SimFs, applyOp } from './sim-fs.js';
import { SimStore, type SimLogEntry, type SimMeta } from './sim-store.js';
import type { SimSource } from './sim-state.js';
import { kernelImageRanges, reserveCmaPools, syncCmaFiles, syncPoolSizes } from './cma-pools.js';
import { loadImage, readImage, unloadImage } from './kexec.js';
import { bootDurationMs, inject, powerOff, type Injection } from './app-kernel.js';
import { makeTestBzImage } from './bzimage.js';
import { addPciControlFiles } from './pci-binding.js';
import { mountParker } from './parker-fs.js';
import type { HardwareRecord, HardwareStructure } from '../../topology/hardware-topology.js';
import type { Topology } from '../../topology/model.js';

/** The image and initrd every new simulated machine has in its own /boot. */
export const SIM_IMAGE = '/boot/vmlinuz-parker';
export const SIM_INITRD = '/boot/initrd-parker.img';

export interface SimCreateOptions {
  source: SimSource;
  /** Replaces the boot kernel's command line (for example to set parker_cma=). */
  cmdline?: string;
  now: Date;
  /** The snapshot bytes of an archive or root source, when already at hand (`sim reset`). */
  archive?: Uint8Array;
}

/** A simulated Parker machine: a Machine plus the controls only a simulator has. */
export interface SimMachine extends Machine, HardwareRecord {
  readonly kind: 'sim';
  readonly kernel: SimKernel;
  readonly store: SimStore | null;
  readonly meta: SimMeta;
  powerOff(partition: string): void;
  inject(partition: string, what: Injection): void;
  /** `mount -t parker parker /sys/fs/parker` and `umount /sys/fs/parker`: KernelFs has no mount. */
  mount(): void;
  umount(): void;
  /** The boot kernel's log lines about Parker's pools ("cma: Reserved 1024 MiB at ..."). */
  bootLog(): string[];
  close(): void;
}

/** Whether a machine is the simulator (and so has its hardware and controls at hand). */
export function isSim(machine: Machine): machine is SimMachine {
  return machine.kind === 'sim' && 'kernel' in machine;
}

function describeSource(source: SimSource): string {
  switch (source.kind) {
    case 'default':
      return 'simulated default server';
    case 'synthetic':
      return `simulated synthetic "${source.description}"`;
    case 'archive':
      return `simulated snapshot ${path.basename(source.path)}`;
    case 'root':
      return `simulated copy of ${source.path}`;
  }
}

/** The Parker CMA areas a tree shows (sys/kernel/mm/cma/parker*): a boot kernel reserves its own. */
function removeParkerCmaAreas(tree: FileTree): void {
  const cma = tree.get('sys/kernel/mm/cma');
  if (cma?.type === 'dir') for (const name of [...cma.children.keys()]) if (name.startsWith('parker')) tree.remove(`sys/kernel/mm/cma/${name}`);
}

function replaceCmdline(tree: FileTree, cmdline: string): void {
  tree.file('proc/cmdline', `${cmdline}\n`);
  // Partitions of a gathered Parker host are not carried over: the simulated boot kernel has none.
  tree.remove('sys/fs/parker');
  removeParkerCmaAreas(tree);
}

/**
 * The machine's own copy of the snapshot it was made from (sim/source.tar.gz): the original
 * file may be gone. Missing or not a file, the machine cannot be rebuilt from it.
 */
export function readSourceArchive(store: SimStore): Buffer {
  try {
    return readBoundedFile(store.sourceArchive, READ_LIMITS.snapshot, 'snapshot');
  } catch (e) {
    const why = e instanceof ParkerError ? e.message : errnoWords(e);
    throw new ParkerError('E_SIM_STATE', `the simulated machine lost its source snapshot ${store.sourceArchive} (${why})`, 'make the machine again from the snapshot it came from: parker sim create --from FILE (it replaces this one)');
  }
}

/** A source's tree, with its hardware's structure when its description gives it. */
type BaseTree = { tree: FileTree; hardware?: () => HardwareStructure };

/**
 * The hardware tree a machine starts from, before any change, and, for a described machine, its
 * hardware's structure known from the description. `recorded`: the hardware record the machine
 * was made with, when it has one.
 */
function baseTree(meta: SimMeta, store: SimStore | null, archive: Uint8Array | null, recorded: Topology | null = null): BaseTree {
  switch (meta.source.kind) {
    case 'default':
      return defaultServerTreeWithHardware({ cmdline: meta.cmdline });
    case 'synthetic': {
      const d = { ...parseSyntheticDescription(meta.source.description), cmdline: meta.cmdline };
      // A description that names no block size keeps the one the machine was made with:
      // synthetic machines had 128 MiB blocks by default before they followed Linux's choice,
      // and the record, the pools and the op log name those blocks.
      if (d.blockSize === null && recorded?.memory.blockSizeBytes) d.blockSize = recorded.memory.blockSizeBytes;
      return syntheticTreeWithHardware(d);
    }
    case 'archive':
    case 'root': {
      const bytes = archive ?? (store ? readSourceArchive(store) : null);
      if (!bytes) throw new ParkerError('E_SIM_STATE', 'the simulated machine lost its source snapshot', 'run `parker sim reset`');
      const tree = (openSnapshot(bytes, meta.source.path).machine.fs as TreeFs).tree;
      replaceCmdline(tree, meta.cmdline);
      return { tree };
    }
  }
}

/**
 * A new machine's hardware, as discovery of its tree finds it: over the structure its
 * description gives when it has one (the same answer as reading every CPU's files:
 * sim-hardware-record.test.ts), as every command on a machine not yet written does.
 */
function discoverNewHardware(meta: SimMeta, base: BaseTree): Topology {
  const machine = readOnlyMachine(new TreeFs(base.tree), 'sim', describeSource(meta.source), 'x86_64');
  return (base.hardware && discoverOverHardware(machine, base.hardware())) || discover(machine);
}

/** The boot kernel of a machine built from `base`; `recorded` is its hardware as discovered when the machine was made. */
function buildKernel(meta: SimMeta, base: BaseTree, recorded: Topology | null = null): SimKernel {
  const { tree } = base;
  const hardware = recorded ?? discoverNewHardware(meta, base);
  const kernel = new SimKernel(tree, hardware, meta.cmdline);
  // The pools are the ones this boot kernel reserves, never the ones a source tree showed.
  removeParkerCmaAreas(tree);
  const iomem = tree.get('proc/iomem');
  const iomemText = iomem?.type === 'file' ? (typeof iomem.data === 'string' ? iomem.data : new TextDecoder().decode(iomem.data)) : null;
  const reservation = reserveCmaPools(meta.cmdline, hardware, kernelImageRanges(iomemText));
  kernel.bootLog.push(...reservation.log);
  for (const pool of reservation.pools) {
    kernel.pools.set(pool.node, pool);
    syncCmaFiles(kernel, pool, 0, 0);
  }
  syncPoolSizes(kernel);
  // A Parker boot kernel with pools has the control filesystem, mounted by its init as on the
  // lab machines; without parker_cma= (or with no pool reserved) Parker is off.
  if (kernel.pools.size > 0) {
    kernel.parkerEnabled = true;
    mountParker(kernel, 'boot');
  }
  kernel.put('sys/kernel/kexec_loaded', 0);
  addPciControlFiles(kernel);
  kernel.syncCpuFiles();
  return kernel;
}

function replay(kernel: SimKernel, entry: SimLogEntry): void {
  try {
    switch (entry.op) {
      case 'kexec':
        kernel.kexec = entry.image;
        kernel.put('sys/kernel/kexec_loaded', 1);
        return;
      case 'kexec-unload':
        return unloadImage(kernel);
      case 'sleep':
        kernel.clock += entry.ms;
        return;
      case 'poweroff': {
        const p = kernel.partitions.get(entry.partition);
        return p ? powerOff(kernel, p) : undefined;
      }
      case 'inject': {
        const p = kernel.partitions.get(entry.partition);
        return p ? inject(kernel, p, entry.what) : undefined;
      }
      default:
        return applyOp(kernel, entry);
    }
  } catch {
    // It failed the first time too: a refused change changes nothing (or only what it did then).
  }
}

function assemble(meta: SimMeta, kernel: SimKernel, store: SimStore | null): SimMachine {
  const log = (entry: SimLogEntry) => store?.append(entry);
  // A crashed machine runs nothing: every control fails as its files do.
  const partition = (name: string) => {
    kernel.checkAlive('run', name);
    const p = kernel.partitions.get(name);
    if (!p) throw new ParkerError('E_NOT_FOUND', `no partition named ${name} on the simulated machine`, 'see `parker status` for the partitions there');
    return p;
  };
  const kexec: Kexec = {
    async load(request: KexecLoad) {
      // In memory there is no state directory: its /boot holds just the test image.
      store?.ensureOnDisk();
      const image = store ? readImage(store.filesDir, request.image) : request.image === SIM_IMAGE ? makeTestBzImage() : readImage(null, request.image);
      loadImage(kernel, request, image);
      log({ op: 'kexec', image: kernel.kexec! });
    },
    async unload() {
      kernel.checkAlive('kexec', 'unload');
      log({ op: 'kexec-unload' });
      unloadImage(kernel);
    },
    loaded: () => kernel.kexec !== null,
    // kexec_load places the image where the window says: one segment, where the kernel lies.
    segments: () => (kernel.kexec ? [{ start: kernel.kexec.placedAt.start, end: kernel.kexec.placedAt.end }] : null),
  };
  const clock: MachineClock = {
    now: () => kernel.clock,
    async sleep(ms: number) {
      log({ op: 'sleep', ms });
      kernel.clock += ms;
    },
  };
  const simFs = new SimFs(kernel, log);
  return {
    kind: 'sim',
    description: describeSource(meta.source),
    arch: 'x86_64',
    fs: simFs,
    kexec,
    clock,
    kernel,
    store,
    meta,
    console: (name) => [...(kernel.partitions.get(name)?.console ?? [])],
    consoleSince: (name, cursor) => {
      const p = kernel.partitions.get(name);
      const lines = p?.console ?? [];
      // Partitions are single-use: another partition of the name (made again, maybe with the
      // same id) is another console, and so is any partition of a machine made again (sim reset).
      const same = cursor?.of === 'sim' && cursor.machine === meta.createdAt && cursor.partition === p?.serial;
      const from = same && cursor.line <= lines.length ? cursor.line : 0;
      return { lines: lines.slice(from), cursor: { of: 'sim', machine: meta.createdAt, partition: p?.serial ?? -1, line: lines.length } };
    },
    hardware: () => kernel.hardware,
    fixedHardware: () => kernel.hardware,
    simulatedClock: true,
    events: () => [...kernel.events],
    partitionState: (name) => {
      const p = kernel.partitions.get(name);
      return p ? { state: p.status, onlineAt: p.onlineAt ?? null, bootMs: p.onlineAt != null ? bootDurationMs(p) : null } : null;
    },
    startedBefore: (name) => kernel.partitions.get(name)?.started ?? null,
    crashed: () => kernel.crash,
    bootFile(file, options) {
      // As kexec sees it: the machine's own /boot first (in memory: just the test image), then the real path.
      if (!store && file === SIM_IMAGE) {
        const bytes = makeTestBzImage();
        return { size: bytes.length, bytes: options.read ? bytes : null };
      }
      if (!store && file === SIM_INITRD) return { size: 19, bytes: options.read ? new TextEncoder().encode('parker test initrd\n') : null };
      const what = options.read ? 'kernel image' : 'initrd';
      if (store) {
        const own = path.join(store.filesDir, file.replace(/^\/+/, ''));
        // A machine not written yet has its /boot in memory only: the test image and initrd.
        if (!store.exists() && (file === SIM_IMAGE || file === SIM_INITRD)) {
          const bytes = file === SIM_IMAGE ? makeTestBzImage() : new TextEncoder().encode('parker test initrd\n');
          return { size: bytes.length, bytes: options.read ? bytes : null };
        }
        const found = localBootFile(own, options, what);
        if (found) return found;
      }
      return localBootFile(file, options, what);
    },
    async run(name: string, argv: string[]): Promise<RunResult> {
      // The simulator cannot run the command; it delivers what the command is for. A kernel
      // that panicked and halted answers nothing: the command fails as ssh to it would.
      const p = partition(name);
      if (p.status === 'halted') return { code: 255, output: `simulated: ${argv.join(' ')}: no answer from ${name}, which panicked and halted (only a reset of the machine ends it)` };
      log({ op: 'poweroff', partition: name });
      powerOff(kernel, p);
      return { code: 0, output: `simulated: ${argv.join(' ')} reached ${name}` };
    },
    powerOff(name: string) {
      const p = partition(name);
      log({ op: 'poweroff', partition: name });
      powerOff(kernel, p);
    },
    inject(name: string, what: Injection) {
      const p = partition(name);
      if (!p.online) throw new ParkerError('E_NOT_RUNNING', `${name} is not running`, `start it first: parker start ${name}`);
      // A halted kernel runs nothing: it neither powers off nor does anything else any more.
      if (p.status === 'halted') throw new ParkerError('E_NOT_RUNNING', `${name} panicked and halted: it runs nothing`, 'only a reset of the machine ends it: parker sim inject ANOTHER reboot, or parker sim reset');
      log({ op: 'inject', partition: name, what });
      inject(kernel, p, what);
    },
    mount: () => simFs.mount('sys/fs/parker'),
    umount: () => simFs.umount('sys/fs/parker'),
    bootLog: () => [...kernel.bootLog],
    close: () => store?.close(),
  };
}

/**
 * A simulated machine that lives only in memory (tests, benchmarks). Without `cmdline` it
 * boots with the source's own command line, as `parker sim create` does.
 */
export function memorySimMachine(source: SimSource = { kind: 'default' }, cmdline?: string, archive: Uint8Array | null = null): SimMachine {
  const meta: SimMeta = { format: 'parker.sim/v1', source, cmdline: cmdline ?? sourceCmdline(source, archive), createdAt: new Date(0).toISOString() };
  return assemble(meta, buildKernel(meta, baseTree(meta, null, archive)), null);
}

/** The default boot command line of a source: the one it was gathered or described with. */
function sourceCmdline(source: SimSource, archive: Uint8Array | null): string {
  if (source.kind === 'synthetic') return parseSyntheticDescription(source.description).cmdline;
  if (archive) {
    const fs = openSnapshot(archive, 'source').machine.fs;
    return fs.exists('proc/cmdline') ? fs.read('proc/cmdline').trim() : '';
  }
  return DEFAULT_SERVER_CMDLINE;
}

/** Reads a snapshot given as --from: a regular file within the snapshot limit. */
function readArchive(file: string): Uint8Array {
  try {
    return readBoundedFile(file, READ_LIMITS.snapshot, 'snapshot');
  } catch (e) {
    if (e instanceof ParkerError) throw e;
    throw new ParkerError('E_MACHINE', `--from ${file}: ${errnoWords(e)}`, 'pass a file written by `parker gather -f FILE`');
  }
}

/** What `sim create` makes, in memory; `persist` writes it to the state directory. */
function buildSimMachine(stateDir: string, options: SimCreateOptions): { machine: SimMachine; persist: () => void } {
  let archive: Uint8Array | null = options.archive ?? null;
  if (archive === null && options.source.kind === 'archive') archive = readArchive(options.source.path);
  if (options.source.kind === 'root' && !(fs.existsSync(options.source.path) && fs.statSync(options.source.path).isDirectory() && fs.existsSync(`${options.source.path}/sys`))) {
    throw new ParkerError('E_MACHINE', `--root ${options.source.path}: no directory holding sys/`, 'pass a directory that holds the copied sys/ and proc/');
  }
  if (archive === null && options.source.kind === 'root') {
    const root = readOnlyMachine(new DirectoryFs(options.source.path), 'root', options.source.path);
    archive = gatherSnapshot(root, { hostname: null, parkerVersion: 'sim', now: options.now }).bytes;
  }
  const meta: SimMeta = { format: 'parker.sim/v1', source: options.source, cmdline: options.cmdline ?? sourceCmdline(options.source, archive), createdAt: options.now.toISOString() };
  const kernel = buildKernel(meta, baseTree(meta, null, archive));
  const store = new SimStore(stateDir);
  const persist = () => {
    store.create(meta);
    store.writeHardware(kernel.hardware);
    // The machine's files are its owner's alone: a copied tree may hold what the source kept private.
    fs.chmodSync(store.dir, 0o700);
    if (archive) fs.writeFileSync(store.sourceArchive, archive, { mode: 0o600 });
    fs.mkdirSync(path.join(store.filesDir, 'boot'), { recursive: true });
    fs.writeFileSync(path.join(store.filesDir, SIM_IMAGE), makeTestBzImage());
    fs.writeFileSync(path.join(store.filesDir, SIM_INITRD), new TextEncoder().encode('parker test initrd\n'));
  };
  return { machine: assemble(meta, kernel, store), persist };
}

/** `parker sim create`: a new simulated machine in the state directory, replacing any old one. */
export function createSimMachine(stateDir: string, options: SimCreateOptions): SimMachine {
  const { machine, persist } = buildSimMachine(stateDir, options);
  persist();
  return machine;
}

/** The simulated machine in the state directory, created as the default server when there is none. */
export function openSimMachine(stateDir: string, now: () => Date = () => new Date()): SimMachine {
  const store = new SimStore(stateDir);
  if (!store.exists()) {
    // Only an empty place becomes a new machine: never replace files parker did not write.
    if (fs.existsSync(store.dir)) {
      throw new ParkerError('E_SIM_STATE', `${store.dir} exists but holds no simulated machine (no machine.json)`, `create one there on purpose with parker sim create --state-dir ${stateDir}, or choose another --state-dir`);
    }
    // Made in memory, written at its first change: reading it (status, plan) creates nothing.
    const { machine, persist } = buildSimMachine(stateDir, { source: { kind: 'default' }, now: now() });
    machine.store!.createLater(() => {
      if (machine.store!.exists()) throw new ParkerError('E_SIM_STATE', `another parker made the simulated machine in ${stateDir} meanwhile`, 'run the command again');
      persist();
    });
    return machine;
  }
  const meta = store.readMeta();
  const recorded = store.readHardware();
  const kernel = buildKernel(meta, baseTree(meta, store, null, recorded), recorded);
  for (const entry of store.entries()) replay(kernel, entry);
  return assemble(meta, kernel, store);
}
