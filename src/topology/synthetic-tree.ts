import { FileTree, TreeFs, type TreeEntry } from '../machines/file-tree.js';
import type { Machine } from '../machines/machine.js';
import { readOnlyMachine } from '../machines/read-only-machine.js';
import { formatCpuList } from '../units/cpulist.js';
import { formatCpuMask } from '../units/cpumask.js';
import { parsePciAddress } from '../units/pci-address.js';
import { formatPhysRange, type PhysRange } from '../units/phys-range.js';
import {
  formatSyntheticDescription,
  parseSyntheticDescription,
  type SyntheticDescription,
  type SyntheticPciDevice,
} from './synthetic-description.js';
import { syntheticLayout, type SyntheticLayout, type SyntheticNode } from './synthetic-layout.js';
import { buildPciConfig, PCIE_TYPE } from './synthetic-pci-config.js';

/** The kernel a synthetic machine runs (proc/sys/kernel/osrelease). */
export const SYNTHETIC_KERNEL_RELEASE = '6.1.0-parker';
/** CONFIG_NR_CPUS - 1 of Debian's x86_64 kernels. */
const KERNEL_MAX = 8191;
const PAGE_SIZE = 4096;

type Dir = Map<string, TreeEntry>;

function dirAt(tree: FileTree, path: string): Dir {
  tree.dir(path);
  return (tree.get(path, false) as TreeEntry & { type: 'dir' }).children;
}

function sub(dir: Dir, name: string): Dir {
  let entry = dir.get(name);
  if (entry === undefined) {
    entry = { type: 'dir', children: new Map() };
    dir.set(name, entry);
  }
  if (entry.type !== 'dir') throw new Error(`synthetic tree: ${name} is not a directory`);
  return entry.children;
}

/** sysfs files end in a newline. */
const put = (dir: Dir, name: string, value: string | number) => dir.set(name, { type: 'file', data: `${value}\n` });
const putBytes = (dir: Dir, name: string, data: Uint8Array) => dir.set(name, { type: 'file', data });
const link = (dir: Dir, name: string, target: string) => dir.set(name, { type: 'link', target });

/** The relative link target from directory `from` to `to`, as sysfs writes its links. */
export function relativeTarget(from: string, to: string): string {
  const a = from.split('/');
  const b = to.split('/');
  let common = 0;
  while (common < a.length && common < b.length && a[common] === b[common]) common++;
  return [...Array<string>(a.length - common).fill('..'), ...b.slice(common)].join('/');
}

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');

/**
 * The sysfs and procfs files of the machine a synthetic description describes, laid out and
 * formatted as Linux (x86_64) writes them, so that parker's discovery and hwloc's Linux
 * backend both read the described machine back.
 */
export function buildSyntheticTree(d: SyntheticDescription): FileTree {
  const layout = syntheticLayout(d);
  const tree = new FileTree();
  writeCpus(tree, layout);
  writeNodes(tree, layout);
  writeMemoryBlocks(tree, layout);
  writeProc(tree, layout);
  writePci(tree, layout);
  writeCma(tree, layout);
  return tree;
}

/** A read-only machine from a description string or object. */
export function syntheticMachine(input: string | SyntheticDescription): Machine {
  const d = typeof input === 'string' ? parseSyntheticDescription(input) : input;
  const text = typeof input === 'string' ? input.trim() : formatSyntheticDescription(d);
  return readOnlyMachine(new TreeFs(buildSyntheticTree(d)), 'synthetic', `synthetic "${text}"`, 'x86_64');
}

/** Lists and masks of CPU sets, memoized: many CPUs print the same set, often from different arrays. */
class CpuSetText {
  private readonly lists = new WeakMap<number[], string>();
  private readonly masks = new Map<string, string>();
  constructor(private readonly nrCpus: number) {}
  list(cpus: number[]): string {
    let s = this.lists.get(cpus);
    if (s === undefined) this.lists.set(cpus, (s = formatCpuList(cpus)));
    return s;
  }
  mask(cpus: number[]): string {
    const key = this.list(cpus);
    let s = this.masks.get(key);
    if (s === undefined) this.masks.set(key, (s = formatCpuMask(cpus, this.nrCpus)));
    return s;
  }
}

interface CacheShape {
  level: number;
  type: 'Data' | 'Instruction' | 'Unified';
  kbPerCore: number;
  ways: number;
}

/** Per-core shares of each cache; shared caches grow with the cores that share them. */
const CACHES: readonly CacheShape[] = [
  { level: 1, type: 'Data', kbPerCore: 48, ways: 12 },
  { level: 1, type: 'Instruction', kbPerCore: 32, ways: 8 },
  { level: 2, type: 'Unified', kbPerCore: 2048, ways: 16 },
  { level: 3, type: 'Unified', kbPerCore: 4096, ways: 16 },
];
const LINE_SIZE = 64;

function writeCpus(tree: FileTree, layout: SyntheticLayout): void {
  const { cpus, groups, counts } = layout;
  const text = new CpuSetText(counts.cpus);
  const all = cpus.map((c) => c.id);
  const root = dirAt(tree, 'sys/devices/system/cpu');
  const busDevices = dirAt(tree, 'sys/bus/cpu/devices');
  const allList = text.list(all);
  put(root, 'possible', allList);
  put(root, 'present', allList);
  put(root, 'online', allList);
  put(root, 'offline', '');
  put(root, 'kernel_max', KERNEL_MAX);
  const smt = sub(root, 'smt');
  const smtOn = layout.description.levels.pu > 1;
  put(smt, 'control', smtOn ? 'on' : 'notsupported');
  put(smt, 'active', smtOn ? 1 : 0);

  const { pu } = layout.description.levels;
  for (const cpu of cpus) {
    const name = `cpu${cpu.id}`;
    const dir = sub(root, name);
    link(busDevices, name, `../../../devices/system/cpu/${name}`);
    if (cpu.id !== 0) put(dir, 'online', 1);
    link(dir, `node${cpu.node}`, `../../node/node${cpu.node}`);

    const core = groups.core[cpu.core]!;
    const cluster = groups.l2[cpu.l2]!;
    const die = groups.die[cpu.dieIndex]!;
    const pkg = groups.package[cpu.package]!;
    const topo = sub(dir, 'topology');
    put(topo, 'physical_package_id', cpu.package);
    put(topo, 'die_id', cpu.die);
    // x86 numbers clusters (CPUs sharing an L2) by their L2's id.
    put(topo, 'cluster_id', cpu.l2);
    put(topo, 'core_id', cpu.coreId);
    for (const [names, set] of [
      [['thread_siblings', 'core_cpus'], core],
      [['core_siblings', 'package_cpus'], pkg],
      [['die_cpus'], die],
      [['cluster_cpus'], cluster],
    ] as const) {
      for (const base of names) {
        put(topo, base, text.mask(set));
        put(topo, `${base}_list`, text.list(set));
      }
    }

    const cache = sub(dir, 'cache');
    const sharing = [core, core, cluster, groups.l3[cpu.l3]!];
    const ids = [cpu.core, cpu.core, cpu.l2, cpu.l3];
    CACHES.forEach((shape, i) => {
      const index = sub(cache, `index${i}`);
      const coresSharing = shape.level === 1 ? 1 : sharing[i]!.length / pu;
      const kb = shape.kbPerCore * coresSharing;
      put(index, 'level', shape.level);
      put(index, 'type', shape.type);
      put(index, 'size', `${kb}K`);
      put(index, 'id', ids[i]!);
      put(index, 'shared_cpu_list', text.list(sharing[i]!));
      put(index, 'shared_cpu_map', text.mask(sharing[i]!));
      put(index, 'coherency_line_size', LINE_SIZE);
      put(index, 'ways_of_associativity', shape.ways);
      put(index, 'number_of_sets', (kb * 1024) / (LINE_SIZE * shape.ways));
      put(index, 'physical_line_partition', 1);
    });
  }
}

/** Kilobytes in use on a node after boot: the boot kernel's share on node 0, a little elsewhere. */
function nodeUsage(node: SyntheticNode): { totalKb: number; usedKb: number } {
  const totalKb = node.memBytes / 1024;
  const usedKb = (node.hasCpu ? totalKb / 64 : 0) + (node.id === 0 ? Math.min(1024 * 1024, totalKb / 4) : 0);
  return { totalKb, usedKb: Math.floor(usedKb) };
}

/** drivers/base/node.c node_read_meminfo, x86_64 with transparent huge pages. */
function nodeMeminfo(node: SyntheticNode): string {
  const { totalKb, usedKb } = nodeUsage(node);
  const part = (n: number) => Math.floor(usedKb / n);
  const rows: [string, number][] = [
    ['MemTotal', totalKb],
    ['MemFree', totalKb - usedKb],
    ['MemUsed', usedKb],
    ['SwapCached', 0],
    ['Active', part(4)],
    ['Inactive', part(4)],
    ['Active(anon)', part(16)],
    ['Inactive(anon)', part(32)],
    ['Active(file)', part(4) - part(16)],
    ['Inactive(file)', part(4) - part(32)],
    ['Unevictable', 0],
    ['Mlocked', 0],
    ['Dirty', 0],
    ['Writeback', 0],
    ['FilePages', part(2)],
    ['Mapped', part(16)],
    ['AnonPages', part(16) + part(32)],
    ['Shmem', part(64)],
    ['KernelStack', part(256)],
    ['PageTables', part(128)],
    ['SecPageTables', 0],
    ['NFS_Unstable', 0],
    ['Bounce', 0],
    ['WritebackTmp', 0],
    ['KReclaimable', part(16)],
    ['Slab', part(8)],
    ['SReclaimable', part(16)],
    ['SUnreclaim', part(8) - part(16)],
    ['AnonHugePages', 0],
    ['ShmemHugePages', 0],
    ['ShmemPmdMapped', 0],
    ['FileHugePages', 0],
    ['FilePmdMapped', 0],
  ];
  const lines = rows.map(([name, kb]) => `Node ${node.id} ${`${name}:`.padEnd(15)} ${String(kb).padStart(8)} kB`);
  for (const name of ['HugePages_Total', 'HugePages_Free', 'HugePages_Surp']) {
    lines.push(`Node ${node.id} ${`${name}:`.padEnd(16)} ${String(0).padStart(5)}`);
  }
  return lines.join('\n') + '\n';
}

function writeNodes(tree: FileTree, layout: SyntheticLayout): void {
  const { nodes, counts, distances } = layout;
  const text = new CpuSetText(counts.cpus);
  const root = dirAt(tree, 'sys/devices/system/node');
  const busDevices = dirAt(tree, 'sys/bus/node/devices');
  const ids = (pick: (n: SyntheticNode) => boolean) => formatCpuList(nodes.filter(pick).map((n) => n.id));
  put(root, 'possible', ids(() => true));
  put(root, 'online', ids(() => true));
  put(root, 'has_cpu', ids((n) => n.hasCpu));
  put(root, 'has_memory', ids((n) => n.memBytes > 0));
  put(root, 'has_normal_memory', ids((n) => n.memBytes > 0 && !n.movable));
  put(root, 'has_generic_initiator', '');

  for (const node of nodes) {
    const name = `node${node.id}`;
    const dir = sub(root, name);
    link(busDevices, name, `../../../devices/system/node/${name}`);
    put(dir, 'cpulist', text.list(node.cpus));
    put(dir, 'cpumap', text.mask(node.cpus));
    put(dir, 'distance', distances[node.id]!.join(' '));
    dir.set('meminfo', { type: 'file', data: nodeMeminfo(node) });
    const pages = Math.floor(nodeUsage(node).usedKb / 4);
    dir.set('numastat', {
      type: 'file',
      data: `numa_hit ${pages * 8}\nnuma_miss 0\nnuma_foreign 0\ninterleave_hit 0\nlocal_node ${pages * 8}\nother_node 0\n`,
    });
    for (const cpu of node.cpus) link(dir, `cpu${cpu}`, `../../cpu/cpu${cpu}`);
    const hugepages = sub(dir, 'hugepages');
    for (const size of ['hugepages-2048kB', 'hugepages-1048576kB']) {
      const h = sub(hugepages, size);
      put(h, 'nr_hugepages', 0);
      put(h, 'free_hugepages', 0);
      put(h, 'surplus_hugepages', 0);
    }
  }
}

function writeMemoryBlocks(tree: FileTree, layout: SyntheticLayout): void {
  const root = dirAt(tree, 'sys/devices/system/memory');
  const nodeRoot = dirAt(tree, 'sys/devices/system/node');
  const busDevices = dirAt(tree, 'sys/bus/memory/devices');
  put(root, 'block_size_bytes', layout.description.blockSize.toString(16));
  put(root, 'auto_online_blocks', 'offline');
  for (const block of layout.blocks) {
    const name = `memory${block.index}`;
    const dir = sub(root, name);
    link(busDevices, name, `../../../devices/system/memory/${name}`);
    put(dir, 'state', 'online');
    put(dir, 'online', 1);
    put(dir, 'phys_index', hex(block.index, 8));
    put(dir, 'phys_device', 0);
    put(dir, 'removable', 1);
    put(dir, 'valid_zones', block.zone);
    link(dir, `node${block.node}`, `../../node/node${block.node}`);
    link(sub(nodeRoot, `node${block.node}`), name, `../../memory/${name}`);
  }
}

interface IomemEntry {
  range: PhysRange;
  name: string;
  children?: IomemEntry[];
}

/** Firmware and chipset ranges below 4 GiB, as on a typical x86 server. */
const FIXED_IOMEM: readonly IomemEntry[] = [
  { range: { start: 0x0, end: 0xfff }, name: 'Reserved' },
  {
    range: { start: 0xa0000, end: 0xfffff },
    name: 'Reserved',
    children: [
      { range: { start: 0xa0000, end: 0xbffff }, name: 'PCI Bus 0000:00' },
      { range: { start: 0xf0000, end: 0xfffff }, name: 'System ROM' },
    ],
  },
  { range: { start: 0xc0000000, end: 0xdfffffff }, name: 'PCI Bus 0000:00' },
  {
    range: { start: 0xe0000000, end: 0xefffffff },
    name: 'Reserved',
    children: [{ range: { start: 0xe0000000, end: 0xefffffff }, name: 'PCI ECAM 0000 [bus 00-ff]' }],
  },
  { range: { start: 0xfec00000, end: 0xfec003ff }, name: 'IOAPIC 0' },
  { range: { start: 0xfed00000, end: 0xfed003ff }, name: 'HPET 0' },
  { range: { start: 0xfee00000, end: 0xfee00fff }, name: 'Local APIC' },
  { range: { start: 0xff000000, end: 0xffffffff }, name: 'Reserved' },
];

const KERNEL_IMAGE: readonly IomemEntry[] = [
  { range: { start: 0x01000000, end: 0x01e02fff }, name: 'Kernel code' },
  { range: { start: 0x02000000, end: 0x0249bfff }, name: 'Kernel rodata' },
  { range: { start: 0x02600000, end: 0x0285f7ff }, name: 'Kernel data' },
  { range: { start: 0x02d9e000, end: 0x02ffffff }, name: 'Kernel bss' },
];

/** kernel/resource.c r_show: children indented two spaces a level, addresses at least 8 digits. */
export function syntheticIomem(layout: SyntheticLayout): string {
  const entries: IomemEntry[] = [...FIXED_IOMEM];
  for (const node of layout.nodes) {
    for (const range of node.ranges) {
      const holdsKernel = range.start <= KERNEL_IMAGE[0]!.range.start && range.end >= KERNEL_IMAGE.at(-1)!.range.end;
      entries.push(holdsKernel ? { range, name: 'System RAM', children: [...KERNEL_IMAGE] } : { range, name: 'System RAM' });
    }
  }
  entries.sort((a, b) => a.range.start - b.range.start);
  const lines: string[] = [];
  const emit = (e: IomemEntry, depth: number) => {
    lines.push(`${'  '.repeat(depth)}${formatPhysRange(e.range, 8)} : ${e.name}`);
    for (const child of e.children ?? []) emit(child, depth + 1);
  };
  for (const e of entries) emit(e, 0);
  return lines.join('\n') + '\n';
}

/** fs/proc/meminfo.c: 16-column labels, values right-aligned in 8 columns. */
function procMeminfo(layout: SyntheticLayout): string {
  let totalKb = 0;
  let usedKb = 0;
  for (const node of layout.nodes) {
    const u = nodeUsage(node);
    totalKb += u.totalKb;
    usedKb += u.usedKb;
  }
  const cmaKb = layout.cma.reduce((sum, a) => sum + (a.range.end - a.range.start + 1) / 1024, 0);
  const part = (n: number) => Math.floor(usedKb / n);
  const freeKb = totalKb - usedKb;
  const rows: [string, number][] = [
    ['MemTotal', totalKb],
    ['MemFree', freeKb],
    ['MemAvailable', freeKb + part(2)],
    ['Buffers', part(64)],
    ['Cached', part(2)],
    ['SwapCached', 0],
    ['Active', part(4)],
    ['Inactive', part(4)],
    ['Active(anon)', part(16)],
    ['Inactive(anon)', part(32)],
    ['Active(file)', part(4) - part(16)],
    ['Inactive(file)', part(4) - part(32)],
    ['Unevictable', 0],
    ['Mlocked', 0],
    ['SwapTotal', 0],
    ['SwapFree', 0],
    ['Zswap', 0],
    ['Zswapped', 0],
    ['Dirty', 0],
    ['Writeback', 0],
    ['AnonPages', part(16) + part(32)],
    ['Mapped', part(16)],
    ['Shmem', part(64)],
    ['KReclaimable', part(16)],
    ['Slab', part(8)],
    ['SReclaimable', part(16)],
    ['SUnreclaim', part(8) - part(16)],
    ['KernelStack', part(256)],
    ['PageTables', part(128)],
    ['SecPageTables', 0],
    ['NFS_Unstable', 0],
    ['Bounce', 0],
    ['WritebackTmp', 0],
    ['CommitLimit', Math.floor(totalKb / 2)],
    ['Committed_AS', part(8)],
    ['VmallocTotal', 34359738367],
    ['VmallocUsed', 65536],
    ['VmallocChunk', 0],
    ['Percpu', layout.counts.cpus * 64],
    ['HardwareCorrupted', 0],
    ['AnonHugePages', 0],
    ['ShmemHugePages', 0],
    ['ShmemPmdMapped', 0],
    ['FileHugePages', 0],
    ['FilePmdMapped', 0],
    ['CmaTotal', cmaKb],
    ['CmaFree', cmaKb],
  ];
  const lines = rows.map(([name, kb]) => `${`${name}:`.padEnd(16)}${String(kb).padStart(8)} kB`);
  for (const name of ['HugePages_Total', 'HugePages_Free', 'HugePages_Rsvd', 'HugePages_Surp']) {
    lines.push(`${`${name}:`.padEnd(16)}${String(0).padStart(8)}`);
  }
  lines.push(`${'Hugepagesize:'.padEnd(16)}${'2048'.padStart(8)} kB`);
  lines.push(`${'Hugetlb:'.padEnd(16)}${'0'.padStart(8)} kB`);
  lines.push(`${'DirectMap4k:'.padEnd(16)}${'1048576'.padStart(8)} kB`);
  lines.push(`${'DirectMap2M:'.padEnd(16)}${String(32 * 1024 * 1024).padStart(8)} kB`);
  lines.push(`${'DirectMap1G:'.padEnd(16)}${String(Math.max(0, totalKb - 33 * 1024 * 1024)).padStart(8)} kB`);
  return lines.join('\n') + '\n';
}

const CPU_FLAGS =
  'fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush dts acpi mmx fxsr sse sse2 ss ht tm pbe ' +
  'syscall nx pdpe1gb rdtscp lm constant_tsc art arch_perfmon pebs bts rep_good nopl xtopology nonstop_tsc cpuid ' +
  'aperfmperf tsc_known_freq pni pclmulqdq dtes64 monitor ds_cpl vmx smx est tm2 ssse3 sdbg fma cx16 xtpr pdcm pcid dca ' +
  'sse4_1 sse4_2 x2apic movbe popcnt tsc_deadline_timer aes xsave avx f16c rdrand lahf_lm abm 3dnowprefetch cpuid_fault ' +
  'epb cat_l3 cat_l2 cdp_l3 invpcid_single intel_ppin cdp_l2 ssbd mba ibrs ibpb stibp ibrs_enhanced tpr_shadow ' +
  'flexpriority ept vpid ept_ad fsgsbase tsc_adjust bmi1 avx2 smep bmi2 erms invpcid cqm rdt_a avx512f avx512dq rdseed ' +
  'adx smap avx512ifma clflushopt clwb intel_pt avx512cd sha_ni avx512bw avx512vl xsaveopt xsavec xgetbv1 xsaves ' +
  'cqm_llc cqm_occup_llc cqm_mbm_total cqm_mbm_local split_lock_detect avx_vnni avx512_bf16 wbnoinvd dtherm ida arat ' +
  'pln pts avx512vbmi umip pku ospke waitpkg avx512_vbmi2 gfni vaes vpclmulqdq avx512_vnni avx512_bitalg tme ' +
  'avx512_vpopcntdq la57 rdpid bus_lock_detect cldemote movdiri movdir64b enqcmd fsrm md_clear serialize tsxldtrk ' +
  'pconfig arch_lbr ibt amx_bf16 avx512_fp16 amx_tile amx_int8 flush_l1d arch_capabilities';

/** arch/x86/kernel/cpu/proc.c show_cpuinfo: APIC ids are what a Parker control page lists. */
function procCpuinfo(layout: SyntheticLayout): string {
  const { cpus, counts, groups } = layout;
  const l3Kb = CACHES[3]!.kbPerCore * (groups.l3[0]!.length / layout.description.levels.pu);
  const siblings = counts.cpus / layout.description.levels.pack;
  const out: string[] = [];
  for (const cpu of cpus) {
    out.push(
      `processor\t: ${cpu.id}\n` +
        'vendor_id\t: GenuineIntel\n' +
        'cpu family\t: 6\n' +
        'model\t\t: 143\n' +
        'model name\t: Parker synthetic x86_64 CPU @ 2.00GHz\n' +
        'stepping\t: 8\n' +
        'microcode\t: 0x2b000590\n' +
        'cpu MHz\t\t: 2000.000\n' +
        `cache size\t: ${l3Kb} KB\n` +
        `physical id\t: ${cpu.package}\n` +
        `siblings\t: ${siblings}\n` +
        `core id\t\t: ${cpu.coreId}\n` +
        `cpu cores\t: ${counts.coresPerPackage}\n` +
        `apicid\t\t: ${cpu.apicId}\n` +
        `initial apicid\t: ${cpu.apicId}\n` +
        'fpu\t\t: yes\n' +
        'fpu_exception\t: yes\n' +
        'cpuid level\t: 32\n' +
        'wp\t\t: yes\n' +
        `flags\t\t: ${CPU_FLAGS}\n` +
        'bugs\t\t: spectre_v1 spectre_v2 spec_store_bypass swapgs eibrs_pbrsb\n' +
        'bogomips\t: 4000.00\n' +
        'clflush size\t: 64\n' +
        'cache_alignment\t: 64\n' +
        'address sizes\t: 52 bits physical, 57 bits virtual\n' +
        'power management:\n\n',
    );
  }
  return out.join('');
}

function writeProc(tree: FileTree, layout: SyntheticLayout): void {
  const proc = dirAt(tree, 'proc');
  proc.set('iomem', { type: 'file', data: syntheticIomem(layout) });
  proc.set('meminfo', { type: 'file', data: procMeminfo(layout) });
  proc.set('cpuinfo', { type: 'file', data: procCpuinfo(layout) });
  put(proc, 'cmdline', layout.description.cmdline);
  put(
    proc,
    'version',
    `Linux version ${SYNTHETIC_KERNEL_RELEASE} (parker@synthetic) (gcc (Debian 12.2.0-14) 12.2.0, GNU ld (GNU Binutils for Debian) 2.40) #1 SMP PREEMPT_DYNAMIC`,
  );
  const kernel = sub(sub(proc, 'sys'), 'kernel');
  put(kernel, 'osrelease', SYNTHETIC_KERNEL_RELEASE);
  put(kernel, 'ostype', 'Linux');
}

const LINK_SPEEDS: Record<number, string> = { 1: '2.5 GT/s PCIe', 2: '5.0 GT/s PCIe', 3: '8.0 GT/s PCIe', 4: '16.0 GT/s PCIe', 5: '32.0 GT/s PCIe' };
const hex4 = (n: number) => `0x${hex(n, 4)}`;
const HEX4 = (n: number) => hex(n, 4).toUpperCase();

function writePci(tree: FileTree, layout: SyntheticLayout): void {
  const { pci, nodes, counts } = layout;
  const text = new CpuSetText(counts.cpus);
  const allCpus = layout.cpus.map((c) => c.id);
  const byAddress = new Map(pci.map((dev) => [dev.address, dev]));
  const paths = new Map<string, string>();
  const pathOf = (dev: SyntheticPciDevice): string => {
    let path = paths.get(dev.address);
    if (path === undefined) {
      const a = parsePciAddress(dev.address);
      const parent = dev.parent === null ? undefined : byAddress.get(dev.parent);
      const above = parent === undefined ? `sys/devices/pci${hex(a.domain, 4)}:${hex(a.bus, 2)}` : pathOf(parent);
      path = `${above}/${dev.address}`;
      paths.set(dev.address, path);
    }
    return path;
  };
  const busDevices = dirAt(tree, 'sys/bus/pci/devices');
  const bus = dirAt(tree, 'sys/bus/pci');
  put(bus, 'drivers_autoprobe', 1);
  bus.set('rescan', { type: 'file', data: '' });
  const drivers = sub(bus, 'drivers');
  const groups = dirAt(tree, 'sys/kernel/iommu_groups');
  const passThrough = /(^|\s)iommu=pt(\s|$)/.test(layout.description.cmdline);
  const classBus = dirAt(tree, 'sys/class/pci_bus');

  const writeBusDir = (deviceDir: string, domain: number, busNumber: number, cpus: number[]) => {
    const name = `${hex(domain, 4)}:${hex(busNumber, 2)}`;
    const dir = sub(dirAt(tree, `${deviceDir}/pci_bus`), name);
    put(dir, 'cpuaffinity', text.mask(cpus));
    put(dir, 'cpulistaffinity', text.list(cpus));
    link(classBus, name, relativeTarget('sys/class/pci_bus', `${deviceDir}/pci_bus/${name}`));
  };

  pci.forEach((dev, index) => {
    const a = parsePciAddress(dev.address);
    const path = pathOf(dev);
    const dir = dirAt(tree, path);
    const localCpus = dev.node === null ? allCpus : nodes[dev.node]?.cpus ?? allCpus;
    const bridge = dev.secondaryBus !== undefined;
    if (dev.parent === null) {
      const root = `sys/devices/pci${hex(a.domain, 4)}:${hex(a.bus, 2)}`;
      if (!paths.has(`root ${root}`)) {
        paths.set(`root ${root}`, root);
        writeBusDir(root, a.domain, a.bus, localCpus);
      }
    }
    if (bridge) writeBusDir(path, a.domain, dev.secondaryBus!, localCpus);

    const siblings = pci.some((o) => o !== dev && o.address.startsWith(dev.address.slice(0, -1)));
    const pcieType = bridge
      ? dev.parent === null
        ? PCIE_TYPE.rootPort
        : PCIE_TYPE.downstreamPort
      : dev.parent === null
        ? PCIE_TYPE.rootComplexIntegrated
        : PCIE_TYPE.endpoint;
    const parentBus = a.bus;
    putBytes(dir, 'config', buildPciConfig(dev, { multiFunction: siblings && a.fn === 0, bus: parentBus, pcieType, bar0: 2 ** 45 + index * 2 ** 24 }));
    put(dir, 'vendor', hex4(dev.vendor));
    put(dir, 'device', hex4(dev.device));
    put(dir, 'subsystem_vendor', hex4(dev.subsystemVendor));
    put(dir, 'subsystem_device', hex4(dev.subsystemDevice));
    put(dir, 'class', `0x${hex(dev.classCode, 6)}`);
    put(dir, 'revision', `0x${hex(dev.revision, 2)}`);
    put(dir, 'numa_node', dev.node ?? -1);
    put(dir, 'enable', dev.driver === null ? 0 : 1);
    put(dir, 'local_cpus', text.mask(localCpus));
    put(dir, 'local_cpulist', text.list(localCpus));
    put(dir, 'irq', 24 + index);
    put(dir, 'msi_bus', 1);
    put(dir, 'driver_override', '(null)');
    put(dir, 'current_link_speed', LINK_SPEEDS[dev.link.gen] ?? 'Unknown');
    put(dir, 'max_link_speed', LINK_SPEEDS[dev.link.gen] ?? 'Unknown');
    put(dir, 'current_link_width', dev.link.width);
    put(dir, 'max_link_width', dev.link.width);
    const sub8 = (n: number) => hex((dev.classCode >> n) & 0xff, 2).toUpperCase();
    const modalias =
      `pci:v0000${HEX4(dev.vendor)}d0000${HEX4(dev.device)}sv0000${HEX4(dev.subsystemVendor)}` +
      `sd0000${HEX4(dev.subsystemDevice)}bc${sub8(16)}sc${sub8(8)}i${sub8(0)}`;
    put(dir, 'modalias', modalias);
    const uevent = [
      ...(dev.driver === null ? [] : [`DRIVER=${dev.driver}`]),
      `PCI_CLASS=${dev.classCode.toString(16).toUpperCase()}`,
      `PCI_ID=${HEX4(dev.vendor)}:${HEX4(dev.device)}`,
      `PCI_SUBSYS_ID=${HEX4(dev.subsystemVendor)}:${HEX4(dev.subsystemDevice)}`,
      `PCI_SLOT_NAME=${dev.address}`,
      `MODALIAS=${modalias}`,
    ];
    put(dir, 'uevent', uevent.join('\n'));
    if (dev.sriovTotalVfs > 0) {
      put(dir, 'sriov_totalvfs', dev.sriovTotalVfs);
      put(dir, 'sriov_numvfs', 0);
      put(dir, 'sriov_offset', 128);
      put(dir, 'sriov_stride', 1);
      put(dir, 'sriov_vf_device', dev.device.toString(16));
      put(dir, 'sriov_drivers_autoprobe', 1);
    }
    link(dir, 'subsystem', relativeTarget(path, 'sys/bus/pci'));
    link(busDevices, dev.address, relativeTarget('sys/bus/pci/devices', path));

    if (dev.driver !== null) {
      const driverDir = `sys/bus/pci/drivers/${dev.driver}`;
      const driver = sub(drivers, dev.driver);
      for (const file of ['bind', 'unbind', 'new_id', 'remove_id']) driver.set(file, { type: 'file', data: '' });
      put(driver, 'uevent', `DRIVER=${dev.driver}`);
      link(driver, dev.address, relativeTarget(driverDir, path));
      link(dir, 'driver', relativeTarget(path, driverDir));
    }

    const groupPath = `sys/kernel/iommu_groups/${dev.iommuGroup}`;
    const group = sub(groups, String(dev.iommuGroup));
    put(group, 'type', passThrough ? 'identity' : 'DMA-FQ');
    put(group, 'reserved_regions', '0x00000000fee00000 0x00000000feefffff msi');
    link(sub(group, 'devices'), dev.address, relativeTarget(`${groupPath}/devices`, path));
    link(dir, 'iommu_group', relativeTarget(path, groupPath));
  });
}

/** mm/cma_sysfs.c: counters in pages; total_pages and available_pages are from kernel 6.13. */
function writeCma(tree: FileTree, layout: SyntheticLayout): void {
  if (layout.cma.length === 0) return;
  const root = dirAt(tree, 'sys/kernel/mm/cma');
  for (const area of layout.cma) {
    const dir = sub(root, area.name);
    const pages = (area.range.end - area.range.start + 1) / PAGE_SIZE;
    put(dir, 'alloc_pages_success', 0);
    put(dir, 'alloc_pages_fail', 0);
    put(dir, 'release_pages_success', 0);
    put(dir, 'total_pages', pages);
    put(dir, 'available_pages', pages);
  }
}
