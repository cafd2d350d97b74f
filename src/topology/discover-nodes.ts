import type { KernelFiles } from './kernel-files.js';
import type { NumaNode } from './model.js';

export const NODE_DIR = 'sys/devices/system/node';

/** The distance the kernel reports from a node to itself. */
const LOCAL_DISTANCE = 10;

export interface NodeDiscovery {
  nodes: NumaNode[];
  /** False on kernels without NUMA (no node directory): everything is node 0. */
  numa: boolean;
  /** The node of every CPU a node's cpulist names (online CPUs; on some kernels more). */
  nodeOfCpu: Map<number, number>;
}

/** MemTotal of a meminfo text ("MemTotal:  8048500 kB" or "Node 0 MemTotal: ..."), in bytes. */
export function memTotalBytes(meminfo: string | null): number | null {
  if (meminfo === null) return null;
  const m = /MemTotal:\s+(\d+)\s*kB/.exec(meminfo);
  return m ? Number(m[1]) * 1024 : null;
}

/**
 * NUMA nodes from sys/devices/system/node: one per nodeN directory, with its cpulist,
 * MemTotal and distances. A distance file has one entry per online node in id order.
 * Without a node directory (a kernel built without NUMA) there is one node 0 holding every
 * online CPU and all memory.
 */
export function discoverNodes(files: KernelFiles, onlineCpus: readonly number[]): NodeDiscovery {
  const ids = files.fs.exists(NODE_DIR) ? files.numbered(NODE_DIR, 'node') : [];
  if (ids.length === 0) return singleNode(files, onlineCpus);

  const online = nonEmpty(files.cpuList(`${NODE_DIR}/online`)) ?? ids;
  const withCpu = listAsSet(files.cpuList(`${NODE_DIR}/has_cpu`));
  const withMemory = listAsSet(nonEmpty(files.cpuList(`${NODE_DIR}/has_memory`)));
  const gpus = gpuMemoryNodes(files);
  const nodeOfCpu = new Map<number, number>();
  const nodes = ids.map((id): NumaNode => {
    const dir = `${NODE_DIR}/node${id}`;
    const cpus = files.cpuSet([`${dir}/cpulist`, `${dir}/cpumap`]) ?? [];
    for (const cpu of cpus) if (!nodeOfCpu.has(cpu)) nodeOfCpu.set(cpu, id);
    const memoryBytes = memTotalBytes(files.text(`${dir}/meminfo`));
    const distances: Record<string, number> = {};
    const row = files.ints(`${dir}/distance`) ?? [];
    row.forEach((distance, i) => {
      const to = online[i];
      if (to !== undefined) distances[String(to)] = distance;
    });
    const gpu = gpus.get(id);
    return {
      id,
      cpus,
      memoryBytes,
      distances,
      hasCpu: withCpu ? withCpu.has(id) : cpus.length > 0,
      hasMemory: gpu === undefined && (withMemory ? withMemory.has(id) : (memoryBytes ?? 0) > 0),
      ...(gpu === undefined ? {} : { gpuMemory: gpu }),
    };
  });
  return { nodes, numa: true, nodeOfCpu };
}

function singleNode(files: KernelFiles, onlineCpus: readonly number[]): NodeDiscovery {
  const memoryBytes = memTotalBytes(files.text('proc/meminfo'));
  const node: NumaNode = {
    id: 0,
    cpus: [...onlineCpus],
    memoryBytes,
    distances: { '0': LOCAL_DISTANCE },
    hasCpu: onlineCpus.length > 0,
    hasMemory: true,
  };
  return { nodes: [node], numa: false, nodeOfCpu: new Map(onlineCpus.map((cpu) => [cpu, 0])) };
}

/** NVIDIA's driver lists each GPU whose memory is a NUMA node in /proc/driver/nvidia/gpus/ADDRESS/numa_status ("Node: 2"). */
export const NVIDIA_GPUS_DIR = 'proc/driver/nvidia/gpus';

/** The GPU memory nodes: node id to the GPU's PCI address. */
function gpuMemoryNodes(files: KernelFiles): Map<number, string> {
  const gpus = new Map<number, string>();
  if (!files.fs.exists(NVIDIA_GPUS_DIR)) return gpus;
  for (const address of files.list(NVIDIA_GPUS_DIR).sort()) {
    const status = files.text(`${NVIDIA_GPUS_DIR}/${address}/numa_status`);
    const m = status === null ? null : /^Node:\s*(\d+)\s*$/m.exec(status);
    if (m) gpus.set(Number(m[1]), address);
  }
  return gpus;
}

/** A node set the kernel never writes empty (online, has_memory): empty means unknown. */
function nonEmpty(list: number[] | null): number[] | null {
  return list !== null && list.length === 0 ? null : list;
}

function listAsSet(list: number[] | null): Set<number> | null {
  return list === null ? null : new Set(list);
}
