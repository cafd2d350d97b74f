import { FileTree, TreeFs } from '../machines/file-tree.js';
import type { Machine } from '../machines/machine.js';
import { readOnlyMachine } from '../machines/read-only-machine.js';
import { formatCpuList } from '../units/cpulist.js';
import { formatSyntheticDescription, parseSyntheticDescription, type SyntheticDescription } from './description.js';
import { CACHE_LINE_SIZE, SYNTHETIC_CACHES, syntheticLayout, type SyntheticLayout, type SyntheticNode } from './layout.js';
import { writePci } from './pci-tree.js';
import { syntheticHardware } from './hardware.js';
import type { HardwareRecord, HardwareStructure } from '../topology/hardware-topology.js';
import { nodeMeminfo, nodeUsage, writeProc } from './procfs.js';
import { CpuSetText, dirAt, hex, lazySub, link, put, putMask, sub } from './tree-files.js';

export { SYNTHETIC_KERNEL_RELEASE } from './procfs.js';
export { relativeTarget } from './tree-files.js';

/** CONFIG_NR_CPUS - 1 of Debian's x86_64 kernels. */
const KERNEL_MAX = 8191;
const PAGE_SIZE = 4096;

/**
 * The sysfs and procfs files of the machine a synthetic description describes, laid out and
 * formatted as Linux (x86_64) writes them, so that parker's discovery and hwloc's Linux
 * backend both read the described machine back.
 */
export function buildSyntheticTree(d: SyntheticDescription): FileTree {
  return syntheticTreeWithHardware(d).tree;
}

/**
 * The tree of a description with its hardware's structure, known from the description without
 * discovering the tree (syntheticHardware): the simulator records it when it makes a machine.
 */
export function syntheticTreeWithHardware(d: SyntheticDescription): { tree: FileTree; hardware: () => HardwareStructure } {
  const layout = syntheticLayout(d);
  return { tree: treeOfLayout(layout), hardware: () => syntheticHardware(layout) };
}

function treeOfLayout(layout: SyntheticLayout): FileTree {
  const tree = new FileTree();
  writeCpus(tree, layout);
  writeNodes(tree, layout);
  writeMemoryBlocks(tree, layout);
  writeProc(tree, layout);
  writePci(tree, layout);
  writeCma(tree, layout);
  return tree;
}

/**
 * A read-only machine from a description string or object. It knows its hardware's structure
 * from the description (syntheticHardware), as the simulator knows its recorded hardware, so
 * planning against it reads only what can differ from a plain discovery's answer: nothing.
 */
export function syntheticMachine(input: string | SyntheticDescription): Machine & HardwareRecord {
  const d = typeof input === 'string' ? parseSyntheticDescription(input) : input;
  const text = typeof input === 'string' ? input.trim() : formatSyntheticDescription(d);
  const layout = syntheticLayout(d);
  let hardware: HardwareStructure | undefined;
  return { ...readOnlyMachine(new TreeFs(treeOfLayout(layout)), 'synthetic', `synthetic "${text}"`, 'x86_64'), fixedHardware: () => (hardware ??= syntheticHardware(layout)) };
}


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
    // A CPU's topology and caches are most of the tree, and only discovery reads them.
    lazySub(dir, 'topology', (topo) => {
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
          putMask(topo, base, text, set);
          put(topo, `${base}_list`, text.list(set));
        }
      }
    });

    lazySub(dir, 'cache', (cache) => {
      const sharing = [core, core, cluster, groups.l3[cpu.l3]!];
      const ids = [cpu.core, cpu.core, cpu.l2, cpu.l3];
      SYNTHETIC_CACHES.forEach((shape, i) => {
        const index = sub(cache, `index${i}`);
        const coresSharing = shape.level === 1 ? 1 : sharing[i]!.length / pu;
        const kb = shape.kbPerCore * coresSharing;
        put(index, 'level', shape.level);
        put(index, 'type', shape.type);
        put(index, 'size', `${kb}K`);
        put(index, 'id', ids[i]!);
        put(index, 'shared_cpu_list', text.list(sharing[i]!));
        putMask(index, 'shared_cpu_map', text, sharing[i]!);
        put(index, 'coherency_line_size', CACHE_LINE_SIZE);
        put(index, 'ways_of_associativity', shape.ways);
        put(index, 'number_of_sets', (kb * 1024) / (CACHE_LINE_SIZE * shape.ways));
        put(index, 'physical_line_partition', 1);
      });
    });
  }
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
  put(root, 'block_size_bytes', layout.blockSize.toString(16));
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
