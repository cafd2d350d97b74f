import type { PhysRange } from '../units/phys-range.js';
import type { MachineKind } from '../machines/machine.js';
import type { DiscoveryWarning } from './kernel-files.js';

export type { DiscoveryWarning };

/**
 * The machine as discovery sees it. This is also the documented, versioned JSON shape of
 * `parker discover -o json` (docs/topology-json.md): change it only with a new version.
 * Unknown facts are null, never guessed.
 */
export const TOPOLOGY_SCHEMA = 'parker.topology/v1';

export interface Topology {
  schema: typeof TOPOLOGY_SCHEMA;
  /** Which machine this describes. */
  machine: MachineInfo;
  kernel: KernelInfo;
  cpus: CpuSets;
  /** Every CPU whose topology is known or that is possible, sorted by id. */
  cpu: Cpu[];
  packages: Package[];
  /** Physical cores (one entry per set of thread siblings), sorted by package then core id. */
  cores: Core[];
  /** Unified and data caches shared by CPUs, one entry per instance, sorted by level then first CPU. */
  caches: Cache[];
  nodes: NumaNode[];
  memory: Memory;
  pci: PciDevice[];
  cma: CmaArea[];
  parker: ParkerState;
  /**
   * Files discovery could not read as a kernel writes them (a damaged value, an empty file a
   * recorder could not read): each value is reported as unknown. Present only when there is one.
   */
  warnings?: DiscoveryWarning[];
}

export interface MachineInfo {
  kind: MachineKind;
  description: string;
  arch: string | null;
}

export interface KernelInfo {
  /** /proc/sys/kernel/osrelease, when present. */
  release: string | null;
  /** /proc/cmdline, trimmed. */
  cmdline: string | null;
}

export interface CpuSets {
  possible: number[];
  present: number[];
  online: number[];
  offline: number[];
}

export interface Cpu {
  id: number;
  online: boolean;
  /** Whether the kernel allows offlining it (cpuN/online exists); CPU 0 on x86 does not. */
  hotpluggable: boolean;
  /** null when the CPU is offline (offline CPUs have no topology files) or the file is absent. */
  package: number | null;
  die: number | null;
  cluster: number | null;
  core: number | null;
  node: number | null;
  threadSiblings: number[] | null;
  /** Index into `caches` of the last-level cache this CPU uses, or null. */
  llc: number | null;
}

export interface Package {
  id: number;
  cpus: number[];
  dies: number[];
  nodes: number[];
}

export interface Core {
  package: number;
  die: number | null;
  cluster: number | null;
  /** core_id as the kernel reports it (unique within a package, not across packages); null when unreadable. */
  coreId: number | null;
  cpus: number[];
  node: number | null;
}

export type CacheType = 'Unified' | 'Data' | 'Instruction';

export interface Cache {
  level: number;
  type: CacheType;
  sizeBytes: number | null;
  /** The cache's id file (x86 and recent kernels), or null. */
  id: number | null;
  cpus: number[];
}

export interface NumaNode {
  id: number;
  cpus: number[];
  /** MemTotal from nodeN/meminfo. */
  memoryBytes: number | null;
  /** Distance to every node, indexed like `nodes` ids (distances[j] is to node j's id order). */
  distances: Record<string, number>;
  /** Node has CPUs or only memory (CXL and similar memory expanders). */
  hasCpu: boolean;
  /** Node has memory partitions can take: false for a GPU memory node. */
  hasMemory: boolean;
  /**
   * Only on a node that is a GPU's memory (NVIDIA coherent GPU memory, shown by the driver's
   * /proc/driver/nvidia/gpus/ADDRESS/numa_status): the GPU's PCI address. hwloc hides these nodes.
   */
  gpuMemory?: string;
}

export interface MemoryBlock {
  index: number;
  range: PhysRange;
  state: string | null;
  online: boolean | null;
  zones: string[];
  removable: boolean | null;
  node: number | null;
}

export interface Memory {
  blockSizeBytes: number | null;
  blocks: MemoryBlock[];
  /** Top-level "System RAM" ranges of /proc/iomem (empty when addresses are hidden). */
  systemRam: PhysRange[];
  /** Top-level "Reserved" ranges of /proc/iomem. */
  reserved: PhysRange[];
  totalBytes: number | null;
}

export interface PciDevice {
  address: string;
  vendor: number | null;
  device: number | null;
  vendorName: string | null;
  deviceName: string | null;
  /** 24-bit class code (0x010802 = NVMe). */
  classCode: number | null;
  /** Readable class name from the class code ("Non-Volatile memory controller"). */
  className: string | null;
  node: number | null;
  iommuGroup: number | null;
  driver: string | null;
  enabled: boolean | null;
  /** MSI and MSI-X capabilities from config space; null when config space is unreadable. */
  msi: boolean | null;
  msix: boolean | null;
  sriov: { totalVfs: number; numVfs: number } | null;
  /** A function that forwards to another bus: bridge header (type 1/2), class 0x0604/0x0609, or a PCIe port or bridge. */
  bridge: boolean;
  /** The upstream bridge's address, or null for a device on a root bus. */
  parent: string | null;
}

export interface CmaArea {
  name: string;
  /** total_pages / available_pages (kernels from 6.13); null when absent. */
  totalPages: number | null;
  availablePages: number | null;
  /** Pages allocated and released successfully since boot, as kernel/mm/cma/NAME reports. */
  allocPagesSuccess: number | null;
  allocPagesFail: number | null;
  releasePagesSuccess: number | null;
}

export interface ParkerState {
  /** /sys/fs/parker exists and is mounted (a Parker boot kernel). */
  controlFs: boolean;
  /** Partition directory names under sys/fs/parker. */
  partitions: string[];
}
