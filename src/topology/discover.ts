import type { Machine } from '../machines/machine.js';
import { discoverCaches } from './discover-caches.js';
import { discoverCma } from './discover-cma.js';
import { cpuIds, discoverCpus, discoverCpuSets } from './discover-cpus.js';
import { parseIomem } from './discover-iomem.js';
import { discoverMemoryBlocks } from './discover-memory.js';
import { discoverNodes, memTotalBytes, type NodeDiscovery } from './discover-nodes.js';
import { discoverKernel, discoverParker } from './discover-parker.js';
import { discoverPci } from './discover-pci.js';
import { groupCores, groupPackages } from './group-cpus.js';
import { KernelFiles } from './kernel-files.js';
import { TOPOLOGY_SCHEMA, type NumaNode, type Topology } from './model.js';
import type { PciIds } from './pci-ids.js';
import type { HardwareStructure } from './hardware-topology.js';

export interface DiscoverOptions {
  /** Vendor and device names; default: the pci.ids database (see pci-ids.ts). */
  pciIds?: PciIds;
}

/**
 * Describes a machine from its kernel files alone (read through `machine.fs`, never
 * written). Missing files are unknown facts (null), never errors, so the same code reads
 * a full host, a non-root view, an old kernel and a partial archive. The same tree always
 * gives the same reads in the same order and the same answer, which `parker gather` relies
 * on to record exactly what is needed.
 */
export function discover(machine: Machine, options: DiscoverOptions = {}): Topology {
  const files = new KernelFiles(machine.fs);
  const cpuSets = discoverCpuSets(files);
  const live = discoverNodes(files, cpuSets.sets.online);
  const { nodes, numa, nodeOfCpu } = live;
  const cpu = discoverCpus(files, cpuSets, nodeOfCpu, numa);
  const onlineWithDir = cpu.filter((c) => c.online && cpuSets.withDir.has(c.id)).map((c) => c.id);
  let byId: Map<number, (typeof cpu)[number]> | undefined;
  const siblings = (id: number) => (byId ??= new Map(cpu.map((c) => [c.id, c]))).get(id)?.threadSiblings ?? null;
  const { caches, llcOf } = discoverCaches(files, onlineWithDir, siblings);
  for (const c of cpu) c.llc = llcOf.get(c.id) ?? null;
  return assemble(machine, files, cpuSets.sets, { cpu, packages: groupPackages(cpu), cores: groupCores(cpu), caches, nodes }, live, options);
}

/**
 * For a machine whose hardware cannot have changed since it was recorded (the simulator's
 * from when it was made; a host's within the boot it recorded it in): what
 * `withHardware(discover(machine), hardware)` gives, reading only what changes (CPU sets,
 * nodes, memory, PCI, pools, partitions) and never the topology and cache files of thousands
 * of CPUs. Null when that cannot be promised: the record or the reads hold warnings, or the
 * CPUs are not the record's. test/discover-over-hardware.test.ts and
 * test/host-hardware.test.ts compare the two on simulated machines in use and on a host tree.
 */
export function discoverOverHardware(machine: Machine, hardware: HardwareStructure, options: DiscoverOptions = {}): Topology | null {
  if (hardware.warnings !== undefined && hardware.warnings.length > 0) return null;
  const files = new KernelFiles(machine.fs);
  const cpuSets = discoverCpuSets(files);
  const { sets, withDir } = cpuSets;
  const live = discoverNodes(files, sets.online);
  const ids = cpuIds(cpuSets);
  if (ids.length !== hardware.cpu.length || ids.some((id, i) => hardware.cpu[i]!.id !== id)) return null;
  const online = new Set(sets.online);
  // Discovery places exactly the CPUs that are online with a directory; any other leaves the
  // structure to the record (withHardware), nodes included.
  const structureFromRecord = hardware.cpu.some((c) => c.package === null) || ids.some((id) => !online.has(id) || !withDir.has(id));
  const nodes = structureFromRecord ? hardware.nodes : live.nodes;
  if (nodes === undefined) return null;
  const topology = assemble(
    machine,
    files,
    sets,
    {
      cpu: hardware.cpu.map((c) => ({ ...c, online: online.has(c.id) })),
      packages: hardware.packages,
      cores: hardware.cores,
      caches: hardware.caches,
      nodes,
    },
    live,
    options,
  );
  return files.warnings.length > 0 ? null : topology;
}

type Structure = Pick<Topology, 'cpu' | 'packages' | 'cores' | 'caches' | 'nodes'>;

/**
 * The topology from its structure and the machine's live memory, devices, pools and
 * partitions; memory is counted by the nodes as they are now (`live`).
 */
function assemble(machine: Machine, files: KernelFiles, cpus: Topology['cpus'], structure: Structure, live: NodeDiscovery, options: DiscoverOptions): Topology {
  const blocks = discoverMemoryBlocks(files, live.numa ? live.nodes.map((n) => n.id) : null);
  const ram = parseIomem(files.text('proc/iomem'));
  const topology: Topology = {
    schema: TOPOLOGY_SCHEMA,
    machine: { kind: machine.kind, description: machine.description, arch: machine.arch ?? null },
    kernel: discoverKernel(files),
    cpus,
    cpu: structure.cpu,
    packages: structure.packages,
    cores: structure.cores,
    caches: structure.caches,
    nodes: structure.nodes,
    memory: { ...blocks, ...ram, totalBytes: totalMemory(files, live.nodes) },
    pci: discoverPci(files, options.pciIds),
    cma: discoverCma(files),
    parker: discoverParker(files),
  };
  if (files.warnings.length > 0) topology.warnings = files.warnings;
  return topology;
}

/**
 * The nodes' MemTotal summed when every node knows it, else /proc/meminfo's MemTotal. GPU
 * memory nodes are left out of the sum: partitions cannot take that memory.
 */
function totalMemory(files: KernelFiles, nodes: readonly NumaNode[]): number | null {
  const memory = nodes.filter((n) => n.gpuMemory === undefined);
  if (memory.length > 0 && memory.every((n) => n.memoryBytes !== null)) {
    return memory.reduce((sum, n) => sum + n.memoryBytes!, 0);
  }
  return memTotalBytes(files.text('proc/meminfo'));
}
