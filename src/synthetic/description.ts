import { ParkerError } from '../units/parker-error.js';
import { formatSize, parseSize } from '../units/size.js';

/**
 * A machine described in one line, in the spirit of hwloc's synthetic topologies:
 * "pack:2 numa:2 l3:4 core:8 pu:2 mem:64G". docs/synthetic.md is the user documentation;
 * synthetic-tree.ts turns a description into the sysfs/procfs files of such a machine.
 */
export interface SyntheticDescription {
  /** Counts per parent level, outermost first. `l2` null: every core has its own L2. */
  levels: SyntheticLevels;
  /** Memory of each NUMA node that has CPUs, in bytes. */
  memPerNode: number;
  /**
   * Memory block size (sys/devices/system/memory/block_size_bytes), a power of two; null: as
   * Linux picks it on a bare-metal x86_64 machine (the layout's `blockSize`).
   */
  blockSize: number | null;
  distances: SyntheticDistances;
  numbering: CpuNumbering;
  /** Extra NUMA nodes with memory and no CPUs (CXL-like expanders), numbered after the others. */
  memoryOnlyNodes: number;
  memoryOnlyNodeMem: number;
  /** NVMe drives and NICs on each NUMA node that has CPUs. */
  nvmePerNode: number;
  nicPerNode: number;
  /** The running kernel's command line (proc/cmdline); parker_cma= in it creates CMA areas. */
  cmdline: string;
  /** Explicit PCI functions placed in addition to the nvme/nic ones; not expressible in the string. */
  pciDevices: SyntheticPciDevice[];
}

export interface SyntheticLevels {
  pack: number;
  die: number;
  numa: number;
  l3: number;
  l2: number | null;
  core: number;
  pu: number;
}

/**
 * SLIT distances: a node to itself, to a node of the same package, to a node of another
 * package, and from a memory-only node to the CPU nodes of the package it hangs off.
 */
export interface SyntheticDistances {
  local: number;
  samePackage: number;
  remote: number;
  memoryOnly: number;
}

/**
 * How CPU numbers follow the hardware. linux: every core's first thread in order, then every
 * second thread (siblings n and n + N/2), as Linux enumerates most x86 servers. compact:
 * siblings adjacent. roundrobin: like linux, but consecutive CPUs alternate packages.
 */
export type CpuNumbering = 'linux' | 'compact' | 'roundrobin';
export const CPU_NUMBERINGS: readonly CpuNumbering[] = ['linux', 'compact', 'roundrobin'];

/** One PCI function of a synthetic machine. */
export interface SyntheticPciDevice {
  /** "0000:41:00.0". */
  address: string;
  vendor: number;
  device: number;
  subsystemVendor: number;
  subsystemDevice: number;
  /** 24-bit class code: 0x010802 NVMe, 0x020000 Ethernet, 0x060400 PCI bridge. */
  classCode: number;
  revision: number;
  /** Bound driver's name, or null for none. */
  driver: string | null;
  /** NUMA node (numa_node), or null for none (-1). */
  node: number | null;
  iommuGroup: number;
  /** Address of the bridge this function sits behind, or null for a root bus. */
  parent: string | null;
  msi: boolean;
  /** MSI-X table size, 0 for no MSI-X capability. */
  msixVectors: number;
  /** SR-IOV TotalVFs, 0 for no SR-IOV capability. */
  sriovTotalVfs: number;
  /** PCIe link: generation (1-5) and lane count. */
  link: { gen: number; width: number };
  /** Bridges only: the bus right below and the highest bus below. */
  secondaryBus?: number;
  subordinateBus?: number;
  /** What it is, for documentation and error messages ("boot NVMe"). */
  label: string;
}

/** The command line of a synthetic machine unless the description says otherwise. */
export const DEFAULT_SYNTHETIC_CMDLINE =
  'BOOT_IMAGE=/boot/vmlinuz-6.1.0-parker root=/dev/nvme0n1p2 ro console=ttyS0,115200 iommu=pt';

export const SYNTHETIC_DEFAULTS = {
  memPerNode: 16 * 2 ** 30,
  blockSize: null,
  distances: { local: 10, samePackage: 12, remote: 32, memoryOnly: 20 },
  numbering: 'linux' as CpuNumbering,
  memoryOnlyNodeMem: 64 * 2 ** 30,
} as const;

/** NR_CPUS of Debian's x86_64 kernels: no synthetic machine has more CPUs. */
export const MAX_SYNTHETIC_CPUS = 8192;
/** MAX_NUMNODES of x86_64 kernels (NODES_SHIFT 10). */
export const MAX_SYNTHETIC_NODES = 1024;
/** Memory is added in sections of this size on x86_64; node memory is a multiple of it. */
export const SECTION_SIZE = 128 * 2 ** 20;
const MAX_BLOCK_SIZE = 64 * 2 ** 30;
/** Device slots of one root bus left for nvme and nic functions (slot 0 stays free). */
const MAX_DEVICES_PER_NODE = 31;

type LevelKey = keyof SyntheticLevels;
const LEVEL_ORDER: readonly LevelKey[] = ['pack', 'die', 'numa', 'l3', 'l2', 'core', 'pu'];
/** Other spellings accepted for levels, as hwloc and people write them. */
const LEVEL_ALIASES: Record<string, LevelKey> = {
  pack: 'pack',
  package: 'pack',
  socket: 'pack',
  die: 'die',
  numa: 'numa',
  node: 'numa',
  numanode: 'numa',
  l3: 'l3',
  l3cache: 'l3',
  l2: 'l2',
  l2cache: 'l2',
  core: 'core',
  pu: 'pu',
  thread: 'pu',
};
const ATTRIBUTE_KEYS = [
  'mem',
  'block',
  'dist',
  'numbering',
  'memnodes',
  'memnode-mem',
  'nvme',
  'nic',
  'cmdline',
] as const;
type AttributeKey = (typeof ATTRIBUTE_KEYS)[number];
const VALID_KEYS = `${LEVEL_ORDER.join(', ')}, ${ATTRIBUTE_KEYS.join(', ')}`;

function syntheticError(input: string, problem: string, fix: string): ParkerError {
  return new ParkerError('E_SYNTHETIC', `invalid synthetic description ${JSON.stringify(input)}: ${problem}`, fix);
}

/** Splits on spaces, keeping double-quoted values (cmdline:"ro quiet") whole. */
function tokenize(input: string): string[] {
  const tokens: string[] = [];
  let current = '';
  let inQuotes = false;
  for (let i = 0; i < input.length; i++) {
    const c = input[i]!;
    if (inQuotes && c === '\\' && i + 1 < input.length) {
      current += c + input[++i]!;
    } else if (c === '"') {
      inQuotes = !inQuotes;
      current += c;
    } else if (!inQuotes && /\s/.test(c)) {
      if (current !== '') tokens.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  if (inQuotes) {
    throw syntheticError(input, 'a double quote is not closed', 'close the quoted value: cmdline:"ro quiet"');
  }
  if (current !== '') tokens.push(current);
  return tokens;
}

function unquote(input: string, token: string, value: string): string {
  if (!value.startsWith('"')) {
    if (value.includes('"')) throw syntheticError(input, `stray quote in "${token}"`, 'quote the whole value: cmdline:"a b"');
    return value;
  }
  if (value.length < 2 || !value.endsWith('"')) {
    throw syntheticError(input, `text after the closing quote in "${token}"`, 'quote the whole value: cmdline:"a b"');
  }
  return value.slice(1, -1).replace(/\\(.)/g, '$1');
}

function quote(value: string): string {
  return /^[^\s"\\]+$/.test(value) ? value : `"${value.replace(/["\\]/g, '\\$&')}"`;
}

function count(input: string, token: string, value: string, min: number): number {
  if (!/^\d+$/.test(value)) {
    const hint = value.includes('(')
      ? 'attributes are separate tokens here: write "numa:2 mem:64G", not "numa:2(memory=64GB)"'
      : `write a whole number, such as "${token.split(':')[0]}:2"`;
    throw syntheticError(input, `"${token}" is not a whole number`, hint);
  }
  const n = Number(value);
  if (n < min) {
    const fix = min === 1 ? 'every level needs at least 1; leave the key out to mean 1' : `use ${min} or more`;
    throw syntheticError(input, `"${token}" must be at least ${min}`, fix);
  }
  if (n > MAX_SYNTHETIC_CPUS) {
    throw syntheticError(input, `"${token}" is too large`, `no count can exceed ${MAX_SYNTHETIC_CPUS}`);
  }
  return n;
}

function size(input: string, token: string, value: string): number {
  try {
    return parseSize(value);
  } catch {
    throw syntheticError(input, `"${token}" is not a size`, 'write a size with a K, M, G or T suffix, such as "mem:64G"');
  }
}

/** Parses a synthetic description; throws ParkerError E_SYNTHETIC quoting the bad token. */
export function parseSyntheticDescription(input: string): SyntheticDescription {
  const levels: Partial<Record<LevelKey, number>> = {};
  const seen = new Set<string>();
  let lastLevel = -1;
  const d = {
    memPerNode: SYNTHETIC_DEFAULTS.memPerNode as number,
    blockSize: SYNTHETIC_DEFAULTS.blockSize as number | null,
    distances: { ...SYNTHETIC_DEFAULTS.distances } as SyntheticDistances,
    numbering: SYNTHETIC_DEFAULTS.numbering,
    memoryOnlyNodes: 0,
    memoryOnlyNodeMem: SYNTHETIC_DEFAULTS.memoryOnlyNodeMem as number,
    nvmePerNode: 0,
    nicPerNode: 0,
    cmdline: DEFAULT_SYNTHETIC_CMDLINE,
  };

  const tokens = tokenize(input);
  if (tokens.length === 0) {
    throw syntheticError(input, 'it is empty', 'describe at least packages and cores, such as "pack:1 core:4 pu:2"');
  }
  for (const token of tokens) {
    const colon = token.indexOf(':');
    if (colon <= 0 || colon === token.length - 1) {
      throw syntheticError(input, `"${token}" is not KEY:VALUE`, `write tokens such as "core:8"; valid keys: ${VALID_KEYS}`);
    }
    const rawKey = token.slice(0, colon).toLowerCase();
    const value = token.slice(colon + 1);
    const level = LEVEL_ALIASES[rawKey];
    const key: string = level ?? rawKey;
    if (level === undefined && !(ATTRIBUTE_KEYS as readonly string[]).includes(key)) {
      throw syntheticError(input, `unknown key "${rawKey}" in "${token}"`, `valid keys: ${VALID_KEYS}`);
    }
    if (seen.has(key)) throw syntheticError(input, `"${key}" appears twice`, `give each key once`);
    seen.add(key);

    if (level !== undefined) {
      const rank = LEVEL_ORDER.indexOf(level);
      if (rank < lastLevel) {
        throw syntheticError(
          input,
          `"${token}" comes after "${LEVEL_ORDER[lastLevel]}"`,
          `levels go from the outside in: ${LEVEL_ORDER.join(' ')}`,
        );
      }
      lastLevel = rank;
      levels[level] = count(input, token, value, 1);
      continue;
    }
    switch (key as AttributeKey) {
      case 'mem':
        d.memPerNode = size(input, token, value);
        break;
      case 'memnode-mem':
        d.memoryOnlyNodeMem = size(input, token, value);
        break;
      case 'block':
        d.blockSize = size(input, token, value);
        break;
      case 'dist':
        d.distances = parseDistances(input, token, value);
        break;
      case 'numbering':
        if (!(CPU_NUMBERINGS as readonly string[]).includes(value)) {
          throw syntheticError(input, `unknown numbering in "${token}"`, `use one of ${CPU_NUMBERINGS.join(', ')}`);
        }
        d.numbering = value as CpuNumbering;
        break;
      case 'memnodes':
        d.memoryOnlyNodes = count(input, token, value, 0);
        break;
      case 'nvme':
        d.nvmePerNode = count(input, token, value, 0);
        break;
      case 'nic':
        d.nicPerNode = count(input, token, value, 0);
        break;
      case 'cmdline':
        d.cmdline = unquote(input, token, value);
        break;
    }
  }

  if (levels.pack === undefined) {
    throw syntheticError(input, 'no "pack" level', 'start with the number of packages, such as "pack:2 core:8"');
  }
  if (levels.core === undefined) {
    throw syntheticError(input, 'no "core" level', 'give the cores per parent level, such as "pack:2 core:8"');
  }
  if (seen.has('memnode-mem') && d.memoryOnlyNodes === 0) {
    throw syntheticError(input, '"memnode-mem" without memory-only nodes', 'add "memnodes:1" or drop "memnode-mem"');
  }
  const description: SyntheticDescription = {
    levels: {
      pack: levels.pack,
      die: levels.die ?? 1,
      numa: levels.numa ?? 1,
      l3: levels.l3 ?? 1,
      l2: levels.l2 ?? null,
      core: levels.core,
      pu: levels.pu ?? 1,
    },
    ...d,
    pciDevices: [],
  };
  checkSyntheticDescription(description, input);
  return description;
}

function parseDistances(input: string, token: string, value: string): SyntheticDistances {
  const parts = value.split(',');
  if (parts.length < 3 || parts.length > 4 || !parts.every((p) => /^\d+$/.test(p))) {
    throw syntheticError(
      input,
      `"${token}" is not LOCAL,SAMEPACKAGE,REMOTE[,MEMORYONLY]`,
      'write three or four whole numbers, such as "dist:10,12,32"',
    );
  }
  const [local, samePackage, remote, memoryOnly] = parts.map(Number) as [number, number, number, number?];
  return { local, samePackage, remote, memoryOnly: memoryOnly ?? SYNTHETIC_DEFAULTS.distances.memoryOnly };
}

/** Totals a description implies. */
export function syntheticCounts(d: SyntheticDescription): {
  cpus: number;
  cores: number;
  cpuNodes: number;
  nodes: number;
  coresPerPackage: number;
} {
  const { pack, die, numa, l3, l2, core, pu } = d.levels;
  const cores = pack * die * numa * l3 * (l2 ?? 1) * core;
  const cpuNodes = pack * die * numa;
  return { cpus: cores * pu, cores, cpuNodes, nodes: cpuNodes + d.memoryOnlyNodes, coresPerPackage: cores / pack };
}

/**
 * The limits a Linux x86_64 kernel and sane firmware impose. Also run on descriptions built
 * in code (the default server), so `input` is what to quote: the string, or its formatting.
 */
export function checkSyntheticDescription(d: SyntheticDescription, input = formatSyntheticDescription(d)): void {
  const totals = syntheticCounts(d);
  if (totals.cpus > MAX_SYNTHETIC_CPUS) {
    throw syntheticError(
      input,
      `it has ${totals.cpus} CPUs`,
      `the kernel supports at most ${MAX_SYNTHETIC_CPUS} CPUs: lower some counts`,
    );
  }
  if (totals.nodes > MAX_SYNTHETIC_NODES) {
    throw syntheticError(input, `it has ${totals.nodes} NUMA nodes`, `the kernel supports at most ${MAX_SYNTHETIC_NODES}`);
  }
  const checkMem = (key: string, bytes: number) => {
    if (bytes === 0 || bytes % SECTION_SIZE !== 0) {
      throw syntheticError(input, `"${key}:${formatSize(bytes)}" is not a whole number of 128M sections`, `use a multiple of 128M, such as "${key}:16G"`);
    }
  };
  checkMem('mem', d.memPerNode);
  if (d.memoryOnlyNodes > 0) checkMem('memnode-mem', d.memoryOnlyNodeMem);
  const b = d.blockSize;
  if (b !== null && (b < SECTION_SIZE || b > MAX_BLOCK_SIZE || !Number.isInteger(Math.log2(b)))) {
    throw syntheticError(input, `"block:${formatSize(b)}" is not a power of two from 128M to 64G`, 'use a size such as "block:128M" or "block:2G"');
  }
  const { local, samePackage, remote, memoryOnly } = d.distances;
  if (local !== 10) {
    throw syntheticError(input, `the local distance ${local} is not 10`, 'Linux requires 10 for a node to itself: "dist:10,12,32"');
  }
  for (const [what, value] of [['same-package', samePackage], ['remote', remote], ['memory-only', memoryOnly]] as const) {
    if (value <= 10 || value >= 255) {
      throw syntheticError(input, `the ${what} distance ${value} is out of range`, 'distances to other nodes are 11 to 254, as in ACPI SLIT tables');
    }
  }
  if (d.nvmePerNode + d.nicPerNode > MAX_DEVICES_PER_NODE) {
    throw syntheticError(input, `${d.nvmePerNode + d.nicPerNode} PCI devices per node`, `one root bus per node holds at most ${MAX_DEVICES_PER_NODE}: lower nvme or nic`);
  }
  if (d.nvmePerNode + d.nicPerNode > 0 && totals.cpuNodes > 256) {
    throw syntheticError(input, `${totals.cpuNodes} nodes with PCI devices`, 'each node gets its own PCI root bus, and there are 256: drop nvme and nic');
  }
}

/**
 * The canonical string: levels that are not 1 (pack and core always), attributes that are
 * not defaults. parse(format(d)) equals d for every description without explicit PCI devices.
 */
export function formatSyntheticDescription(d: SyntheticDescription): string {
  const { levels } = d;
  const tokens: string[] = [`pack:${levels.pack}`];
  if (levels.die !== 1) tokens.push(`die:${levels.die}`);
  if (levels.numa !== 1) tokens.push(`numa:${levels.numa}`);
  if (levels.l3 !== 1) tokens.push(`l3:${levels.l3}`);
  if (levels.l2 !== null) tokens.push(`l2:${levels.l2}`);
  tokens.push(`core:${levels.core}`);
  if (levels.pu !== 1) tokens.push(`pu:${levels.pu}`);
  const sizeOr = (bytes: number) => (Number.isSafeInteger(bytes) && bytes >= 0 ? formatSize(bytes) : String(bytes));
  if (d.memPerNode !== SYNTHETIC_DEFAULTS.memPerNode) tokens.push(`mem:${sizeOr(d.memPerNode)}`);
  if (d.blockSize !== null) tokens.push(`block:${sizeOr(d.blockSize)}`);
  const dist = d.distances;
  const def = SYNTHETIC_DEFAULTS.distances;
  if (dist.memoryOnly !== def.memoryOnly) {
    tokens.push(`dist:${dist.local},${dist.samePackage},${dist.remote},${dist.memoryOnly}`);
  } else if (dist.local !== def.local || dist.samePackage !== def.samePackage || dist.remote !== def.remote) {
    tokens.push(`dist:${dist.local},${dist.samePackage},${dist.remote}`);
  }
  if (d.numbering !== SYNTHETIC_DEFAULTS.numbering) tokens.push(`numbering:${d.numbering}`);
  if (d.memoryOnlyNodes !== 0) {
    tokens.push(`memnodes:${d.memoryOnlyNodes}`);
    if (d.memoryOnlyNodeMem !== SYNTHETIC_DEFAULTS.memoryOnlyNodeMem) tokens.push(`memnode-mem:${sizeOr(d.memoryOnlyNodeMem)}`);
  }
  if (d.nvmePerNode !== 0) tokens.push(`nvme:${d.nvmePerNode}`);
  if (d.nicPerNode !== 0) tokens.push(`nic:${d.nicPerNode}`);
  if (d.cmdline !== DEFAULT_SYNTHETIC_CMDLINE) tokens.push(`cmdline:${quote(d.cmdline)}`);
  return tokens.join(' ');
}
