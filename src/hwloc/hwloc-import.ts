import { FileTree, TreeFs } from '../machines/file-tree.js';
import type { Machine } from '../machines/machine.js';
import { readOnlyMachine } from '../machines/read-only-machine.js';
import { formatCpuList } from '../units/cpulist.js';
import { formatCpuMask } from '../units/cpumask.js';
import { ParkerError } from '../units/parker-error.js';
import { allOf, ancestorOf, localNodeOf, parseHwlocXml, type HwlocNode } from './hwloc-parse.js';

/**
 * hwloc XML (`lstopo --of xml`, v2 or hwloc 1.x's v1) as a machine parker can discover: the
 * file is written out as the sysfs and procfs files a Linux kernel would show for that
 * topology, and discovery reads them like any other tree. So `discover -i FILE` and
 * `--from FILE` give the same packages, cores, caches, NUMA nodes (with distances and
 * memory) and PCI devices as lstopo shows, and everything else (plan, validate) works on it.
 * What XML does not carry (memory blocks, /proc/iomem, CMA, IOMMU groups, drivers) is unknown.
 */
export function hwlocXmlMachine(text: string, name: string): Machine {
  const { tree, arch } = hwlocXmlTree(text, name);
  return readOnlyMachine(new TreeFs(tree), 'archive', `hwloc XML ${name}`, arch ?? undefined);
}

/** Whether bytes look like XML rather than an archive. */
export function looksLikeXml(bytes: Uint8Array): boolean {
  let i = 0;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) i = 3;
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09)) i++;
  return bytes[i] === 0x3c; // '<'
}

const CPU = 'sys/devices/system/cpu';
const NODE = 'sys/devices/system/node';

const isCache = (type: string) => /^L\d+[id]?Cache$/.test(type);

export function hwlocXmlTree(text: string, name: string): { tree: FileTree; arch: string | null } {
  const doc = parseHwlocXml(text, name);
  const root = doc.root;
  const tree = new FileTree();
  const put = (path: string, value: string | number) => tree.file(path, `${value}\n`);
  const pus = allOf(root, 'PU').filter((p) => p.osIndex !== null);
  if (pus.length === 0) throw new ParkerError('E_SNAPSHOT', `${name} holds no PU objects`, 'pass the output of `lstopo --of xml FILE`');
  const online = pus.map((p) => p.osIndex!).sort((a, b) => a - b);
  const onlineSet = new Set(online);
  const complete = [...new Set([...(root.completeCpuset ?? []), ...online])].sort((a, b) => a - b);
  const nrCpus = complete[complete.length - 1]! + 1;
  const cpuSet = (dir: string, file: string, cpus: number[]) => {
    const mine = cpus.filter((c) => onlineSet.has(c));
    put(`${dir}/${file}_list`, formatCpuList(mine));
    put(`${dir}/${file}`, formatCpuMask(mine, nrCpus));
  };
  const list = (cpus: number[]) => formatCpuList(cpus);

  put(`${CPU}/possible`, list(complete));
  put(`${CPU}/present`, list(complete));
  put(`${CPU}/online`, list(online));
  put(`${CPU}/offline`, list(complete.filter((c) => !onlineSet.has(c))));

  // NUMA nodes; GPU memory nodes (subtype GPUMemory) as NVIDIA's driver names them.
  const nodes = allOf(root, 'NUMANode').filter((n) => n.osIndex !== null);
  const nodeOfPu = new Map<number, number>();
  for (const pu of pus) {
    const node = localNodeOf(pu);
    if (node?.osIndex !== null && node?.osIndex !== undefined) nodeOfPu.set(pu.osIndex!, node.osIndex);
  }

  for (const pu of pus) {
    const id = pu.osIndex!;
    const dir = `${CPU}/cpu${id}`;
    put(`${dir}/online`, 1);
    const topo = `${dir}/topology`;
    const pkg = ancestorOf(pu, 'Package');
    put(`${topo}/physical_package_id`, pkg?.osIndex ?? -1);
    cpuSet(topo, 'core_siblings', pkg?.cpuset ?? online);
    const die = ancestorOf(pu, 'Die');
    if (die !== null) {
      put(`${topo}/die_id`, die.osIndex ?? -1);
      cpuSet(topo, 'die_cpus', die.cpuset);
    }
    const cluster = ancestorsOf(pu).find((a) => a.type === 'Group' && a.attrs.get('subtype') === 'Cluster');
    if (cluster !== undefined) {
      put(`${topo}/cluster_id`, cluster.osIndex ?? -1);
      cpuSet(topo, 'cluster_cpus', cluster.cpuset);
    }
    const core = ancestorOf(pu, 'Core');
    put(`${topo}/core_id`, core?.osIndex ?? id);
    cpuSet(topo, 'thread_siblings', core?.cpuset ?? [id]);

    const caches = ancestorsOf(pu)
      .filter((a) => isCache(a.type))
      .map((c) => ({ c, level: cacheLevel(c), kind: cacheKind(c) }))
      .sort((a, b) => a.level - b.level || KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind));
    caches.forEach(({ c, level, kind }, k) => {
      const cdir = `${dir}/cache/index${k}`;
      put(`${cdir}/level`, level);
      put(`${cdir}/type`, kind);
      const size = Number(c.attrs.get('cache_size') ?? '0');
      if (size > 0) put(`${cdir}/size`, `${Math.round(size / 1024)}K`);
      const line = c.attrs.get('cache_linesize');
      if (line !== undefined && line !== '0') put(`${cdir}/coherency_line_size`, line);
      if (c.osIndex !== null) put(`${cdir}/id`, c.osIndex);
      put(`${cdir}/shared_cpu_list`, list(c.cpuset.filter((x) => onlineSet.has(x))));
      put(`${cdir}/shared_cpu_map`, formatCpuMask(c.cpuset.filter((x) => onlineSet.has(x)), nrCpus));
    });
    const node = nodeOfPu.get(id);
    if (node !== undefined) tree.link(`${dir}/node${node}`, `../../node/node${node}`);
  }

  if (nodes.length > 0) {
    const ids = nodes.map((n) => n.osIndex!).sort((a, b) => a - b);
    const gpu = (n: HwlocNode) => n.attrs.get('subtype') === 'GPUMemory';
    put(`${NODE}/possible`, list(ids));
    put(`${NODE}/online`, list(ids));
    put(`${NODE}/has_cpu`, list(ids.filter((id) => online.some((c) => nodeOfPu.get(c) === id))));
    put(`${NODE}/has_memory`, list(nodes.filter((n) => Number(n.attrs.get('local_memory') ?? '0') > 0).map((n) => n.osIndex!).sort((a, b) => a - b)));
    const distances = doc.distances;
    for (const n of nodes) {
      const id = n.osIndex!;
      const dir = `${NODE}/node${id}`;
      const cpus = online.filter((c) => nodeOfPu.get(c) === id);
      put(`${dir}/cpulist`, list(cpus));
      put(`${dir}/cpumap`, formatCpuMask(cpus, nrCpus));
      const kb = Math.floor(Number(n.attrs.get('local_memory') ?? '0') / 1024);
      put(`${dir}/meminfo`, `Node ${id} MemTotal:       ${String(kb).padStart(8)} kB\n`.trimEnd());
      if (distances !== null) {
        const from = distances.nodes.indexOf(id);
        if (from !== -1) {
          const row = ids.map((to) => {
            const j = distances.nodes.indexOf(to);
            return j === -1 ? null : distances.values[from * distances.nodes.length + j]!;
          });
          if (row.every((v) => v !== null)) put(`${dir}/distance`, row.join(' '));
        }
      } else if (ids.length === 1) put(`${dir}/distance`, 10);
      if (gpu(n)) {
        const bus = n.infos.get('PCIBusID');
        if (bus !== undefined) put(`proc/driver/nvidia/gpus/${bus}/numa_status`, `Node: ${id}`);
      }
    }
    const totalKb = nodes.filter((n) => !gpu(n)).reduce((sum, n) => sum + Math.floor(Number(n.attrs.get('local_memory') ?? '0') / 1024), 0);
    put('proc/meminfo', `MemTotal:       ${totalKb} kB`);
  }

  writePci(root, tree, put);
  const release = root.infos.get('OSRelease');
  if (release !== undefined) put('proc/sys/kernel/osrelease', release);
  return { tree, arch: root.infos.get('Architecture') ?? null };
}

const KIND_ORDER = ['Data', 'Instruction', 'Unified'] as const;

function ancestorsOf(node: HwlocNode): HwlocNode[] {
  const out: HwlocNode[] = [];
  for (let p = node.parent; p !== null; p = p.parent) out.push(p);
  return out;
}

function cacheLevel(c: HwlocNode): number {
  return Number(c.attrs.get('depth') ?? /^L(\d+)/.exec(c.type)![1]);
}

/** cache_type: 0 unified, 1 data, 2 instruction; v2 names instruction caches L<n>iCache. */
function cacheKind(c: HwlocNode): (typeof KIND_ORDER)[number] {
  const t = c.attrs.get('cache_type');
  if (t === '1') return 'Data';
  if (t === '2' || /^L\d+iCache$/.test(c.type)) return 'Instruction';
  return 'Unified';
}

/** PCI functions (PCIDev and bridges) with their ids, class and NUMA node. */
function writePci(root: HwlocNode, tree: FileTree, put: (path: string, value: string | number) => void): void {
  for (const dev of allOf(root, (t) => t === 'PCIDev' || t === 'Bridge')) {
    const busid = dev.attrs.get('pci_busid');
    const type = dev.attrs.get('pci_type');
    if (busid === undefined || type === undefined) continue;
    const m = /^([0-9a-fA-F]{4}) \[([0-9a-fA-F]{4}):([0-9a-fA-F]{4})\]/.exec(type);
    if (m === null) continue;
    const address = /^[0-9a-fA-F]+:/.test(busid) && busid.split(':').length === 3 ? busid : `0000:${busid}`;
    const rootBus = address.slice(0, 7);
    const dir = `sys/devices/pci${rootBus}/${address}`;
    put(`${dir}/vendor`, `0x${m[2]!.toLowerCase()}`);
    put(`${dir}/device`, `0x${m[3]!.toLowerCase()}`);
    put(`${dir}/class`, `0x${m[1]!.toLowerCase()}00`);
    let normal: HwlocNode | null = dev.parent;
    while (normal !== null && (normal.type === 'PCIDev' || normal.type === 'Bridge')) normal = normal.parent;
    const node = normal === null ? null : nodeOfObject(normal);
    put(`${dir}/numa_node`, node ?? -1);
    tree.link(`sys/bus/pci/devices/${address}`, `../../../devices/pci${rootBus}/${address}`);
  }
}

/** The NUMA node local to a normal object: its own memory child, else its nearest ancestor's. */
function nodeOfObject(obj: HwlocNode): number | null {
  for (let p: HwlocNode | null = obj; p !== null; p = p.parent) {
    const node = p.children.find((c) => c.type === 'NUMANode');
    if (node !== undefined) return node.osIndex;
    if (p.type === 'NUMANode') return p.osIndex;
  }
  return null;
}
