import type { FileTree } from '../machines/file-tree.js';
import { formatPhysRange, type PhysRange } from '../units/phys-range.js';
import { SYNTHETIC_CACHES, type SyntheticLayout, type SyntheticNode } from './layout.js';
import { dirAt, put, sub } from './tree-files.js';

// The procfs files of a synthetic machine, and the node meminfo that shares their numbers.

/** The kernel a synthetic machine runs (proc/sys/kernel/osrelease). */
export const SYNTHETIC_KERNEL_RELEASE = '6.1.0-parker';

/** Kilobytes in use on a node after boot: the boot kernel's share on node 0, a little elsewhere. */
export function nodeUsage(node: SyntheticNode): { totalKb: number; usedKb: number } {
  const totalKb = node.memBytes / 1024;
  const usedKb = (node.hasCpu ? totalKb / 64 : 0) + (node.id === 0 ? Math.min(1024 * 1024, totalKb / 4) : 0);
  return { totalKb, usedKb: Math.floor(usedKb) };
}

/** drivers/base/node.c node_read_meminfo, x86_64 with transparent huge pages. */
export function nodeMeminfo(node: SyntheticNode): string {
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
  const l3Kb = SYNTHETIC_CACHES[3]!.kbPerCore * (groups.l3[0]!.length / layout.description.levels.pu);
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

export function writeProc(tree: FileTree, layout: SyntheticLayout): void {
  const proc = dirAt(tree, 'proc');
  proc.set('iomem', { type: 'file', data: syntheticIomem(layout) });
  proc.set('meminfo', { type: 'file', data: procMeminfo(layout) });
  // Thousands of lines on a large machine, and parker reads none of them (hwloc does): made when read.
  tree.lazyFile('proc/cpuinfo', () => procCpuinfo(layout));
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
