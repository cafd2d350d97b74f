import type { LayoutSpec } from '../spec/spec-schema.js';

/**
 * A layout with every choice made: the output of placement (concrete CPUs, memory node,
 * devices) and of command-line generation. Validation rules and the planner read this; it is
 * pure data, derived from the spec and the topology alone.
 */
export interface KernelPlacement {
  name: string;
  /** Index of this kernel in spec.kernels (for diagnostics' paths). */
  index: number;
  /** Ascending: the kernel keeps a CPU mask, and Parker allocates memory on the node of the lowest CPU. */
  cpus: number[];
  memoryBytes: number;
  /** NUMA node the memory comes from: the node of cpus[0], the lowest CPU; null when unknown. */
  memoryNode: number | null;
  /** Resolved PCI addresses, sorted. */
  devices: string[];
  quality: PlacementQuality;
}

export interface PlacementQuality {
  nodes: number[];
  /** Indexes into topology.caches of the last-level caches spanned. */
  llcs: number[];
  /** Cores whose threads are split between this kernel and another (or the boot kernel). */
  splitCores: number;
  /** Devices not on `memoryNode`. */
  remoteDevices: string[];
  /** CPUs of this kernel on another node than `memoryNode`: they reach its memory remotely. */
  remoteMemoryCpus?: number;
  /** (last-level cache, other kernel) pairs: each other kernel, the boot kernel included, with a CPU on one of this kernel's LLCs, once per LLC. */
  sharedLlcs?: number;
}

export interface Placement {
  boot: { cpus: number[]; devices: string[] };
  kernels: KernelPlacement[];
  /** Lower is better; see docs/placement.md for the formula. */
  score: number;
}

/** One command-line parameter with where it came from, so conflicts can be explained. */
export interface CmdlineParam {
  /** "parker", "memmap", "panic", "rdt", ... (the part before "="). */
  key: string;
  /** Value after "=", or null for a bare flag ("dis_ucode_ldr"). Placeholders: "<control_structure>", "<memmap>". */
  value: string | null;
  source: 'parker' | 'profile' | 'hazard' | 'console' | 'user';
  /** Hazard id or short reason ("H10", "profile latency"). */
  reason?: string;
}

export interface KernelCmdline {
  name: string;
  params: CmdlineParam[];
  /** The rendered line, with placeholders for values known only at apply time. */
  text: string;
  /** Serial console port ("ttyS1"). */
  console: string;
}

export interface BootCmdline {
  /** The boot kernel's command line now (/proc/cmdline), or null when unknown. */
  current: string | null;
  /** Parameters it must have for this layout (parker_cma=, iommu=pt, irqaffinity=, the user's). */
  required: CmdlineParam[];
  /** Required parameters missing from or different in `current`: a reboot of the boot kernel is needed. */
  changes: CmdlineParam[];
}

export interface ResolvedLayout {
  spec: LayoutSpec;
  placement: Placement;
  cmdlines: KernelCmdline[];
  boot: BootCmdline;
}
