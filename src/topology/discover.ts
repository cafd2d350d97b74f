import type { Machine } from '../machines/machine.js';
import { discoverCaches } from './discover-caches.js';
import { discoverCma } from './discover-cma.js';
import { discoverCpus, discoverCpuSets } from './discover-cpus.js';
import { parseIomem } from './discover-iomem.js';
import { discoverMemoryBlocks } from './discover-memory.js';
import { discoverNodes, memTotalBytes } from './discover-nodes.js';
import { discoverKernel, discoverParker } from './discover-parker.js';
import { discoverPci } from './discover-pci.js';
import { groupCores, groupPackages } from './group-cpus.js';
import { KernelFiles } from './kernel-files.js';
import { TOPOLOGY_SCHEMA, type NumaNode, type Topology } from './model.js';
import type { PciIds } from './pci-ids.js';

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
  const { nodes, numa, nodeOfCpu } = discoverNodes(files, cpuSets.sets.online);
  const cpu = discoverCpus(files, cpuSets, nodeOfCpu, numa);
  const onlineWithDir = cpu.filter((c) => c.online && cpuSets.withDir.has(c.id)).map((c) => c.id);
  let byId: Map<number, (typeof cpu)[number]> | undefined;
  const siblings = (id: number) => (byId ??= new Map(cpu.map((c) => [c.id, c]))).get(id)?.threadSiblings ?? null;
  const { caches, llcOf } = discoverCaches(files, onlineWithDir, siblings);
  for (const c of cpu) c.llc = llcOf.get(c.id) ?? null;

  const blocks = discoverMemoryBlocks(files, numa ? nodes.map((n) => n.id) : null);
  const ram = parseIomem(files.text('proc/iomem'));
  const topology: Topology = {
    schema: TOPOLOGY_SCHEMA,
    machine: { kind: machine.kind, description: machine.description, arch: machine.arch ?? null },
    kernel: discoverKernel(files),
    cpus: cpuSets.sets,
    cpu,
    packages: groupPackages(cpu),
    cores: groupCores(cpu),
    caches,
    nodes,
    memory: { ...blocks, ...ram, totalBytes: totalMemory(files, nodes) },
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
