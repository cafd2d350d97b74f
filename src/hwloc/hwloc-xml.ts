import { ParkerError } from '../units/parker-error.js';
import { formatCpuList } from '../units/cpulist.js';
import { comparePciAddresses, parsePciAddress } from '../units/pci-address.js';
import type { Cache, PciDevice, Topology } from '../topology/model.js';

/**
 * The topology as hwloc v2 XML: what `lstopo --of xml` writes and `lstopo -i FILE.xml`,
 * `hwloc-calc -i` and every hwloc-based tool read. The tree is the one hwloc's Linux backend
 * builds from the same sysfs: Machine > Package > (Die) > L3 > L2 > L1 > Core > PU, objects
 * nested by cpuset, NUMA nodes attached as memory children of the object with exactly their
 * CPUs (or of a Group made for them), PCI devices under a host bridge per root bus. Offline
 * CPUs are only in the Machine's complete_cpuset, as hwloc reports them.
 */
export function toHwlocXml(topology: Topology): string {
  const root = buildTree(topology);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE topology SYSTEM "hwloc2.dtd">',
    '<topology version="2.0">',
  ];
  const gp = { next: 1 };
  writeObject(root, lines, '  ', gp);
  writeDistances(topology, lines);
  lines.push('</topology>', '');
  return lines.join('\n');
}

/**
 * A set of ids (CPUs or NUMA nodes) in hwloc's bitmap syntax: 32-bit hex groups, most
 * significant first, leading zero groups left out, zero groups inside written empty and a
 * final zero group as "0x0" (hwloc_bitmap_snprintf on a 64-bit host): {0,1} is "0x00000003",
 * {32} is "0x00000001,0x0", {0,64} is "0x00000001,,0x00000001", {} is "0x0".
 */
export function formatHwlocBitmap(ids: Iterable<number>): string {
  const words: number[] = [];
  for (const id of ids) {
    const w = Math.floor(id / 32);
    while (words.length <= w) words.push(0);
    words[w] = (words[w]! | (1 << id % 32)) >>> 0;
  }
  // hwloc works on 64-bit longs: whole zero longs at the top are skipped, halves are not.
  if (words.length % 2 === 1) words.push(0);
  let top = words.length - 1;
  while (top >= 1 && words[top] === 0 && words[top - 1] === 0) top -= 2;
  let out = '';
  let needComma = false;
  for (let w = top; w >= 0; w--) {
    const value = words[w] ?? 0;
    if (value !== 0) {
      out += `${needComma ? ',' : ''}0x${value.toString(16).padStart(8, '0')}`;
      needComma = true;
    } else if (w === 0) {
      out += needComma ? ',0x0' : '0x0';
    } else if (needComma) {
      out += ',';
    }
  }
  return out === '' ? '0x0' : out;
}

// ---------------------------------------------------------------------------------------
// The object tree

type NormalType = 'Machine' | 'Package' | 'Die' | 'Group' | 'Core' | 'PU' | `L${number}Cache` | `L${number}iCache`;

interface HwlocObject {
  type: NormalType;
  osIndex: number | null;
  cpus: Set<number>;
  /** Order among objects with equal cpusets (hwloc's type order): smaller is higher. */
  rank: number;
  /** Type-specific attributes written after gp_index. */
  attrs: [string, string][];
  children: HwlocObject[];
  memory: NumaObject[];
  io: IoObject[];
  /** Nodes local to this object, filled in once every node is attached. */
  nodeset: Set<number>;
  /** The Machine only: CPUs present, online or offline. */
  complete?: Set<number>;
  /** The Machine only: facts about the whole machine. */
  infos?: [string, string][];
}

interface NumaObject {
  id: number;
  memoryBytes: number | null;
}

interface IoObject {
  type: 'Bridge' | 'PCIDev';
  attrs: [string, string][];
  children: IoObject[];
}

const RANK = { Machine: 0, Group: 1, Package: 4, Die: 5, Core: 14, PU: 18 } as const;
/** hwloc orders caches of equal cpuset L3 above L2 above L1 above L1i. */
const CACHE_RANK: Record<number, number> = { 5: 6, 4: 7, 3: 8, 2: 10, 1: 12 };
const CACHE_TYPE_CODE = { Unified: 0, Data: 1, Instruction: 2 } as const;
/** HWLOC_GROUP_KIND_MEMORY: the Group hwloc makes to hold NUMA nodes no object matches. */
const MEMORY_GROUP_KIND = '1001';

function object(type: NormalType, osIndex: number | null, cpus: Iterable<number>, rank: number, attrs: [string, string][] = []): HwlocObject {
  return { type, osIndex, cpus: new Set(cpus), rank, attrs, children: [], memory: [], io: [], nodeset: new Set() };
}

function buildTree(topology: Topology): HwlocObject {
  const online = new Set(topology.cpus.online);
  const onlineOf = (cpus: readonly number[]) => cpus.filter((cpu) => online.has(cpu));
  const root = object('Machine', 0, online, RANK.Machine);
  root.complete = new Set([...topology.cpus.present, ...online]);
  root.infos = [];
  if (topology.kernel.release !== null) root.infos.push(['OSRelease', topology.kernel.release]);
  if (topology.machine.arch !== null) root.infos.push(['Architecture', topology.machine.arch]);

  const objects: HwlocObject[] = [];
  for (const pkg of topology.packages) {
    const packageCpus = onlineOf(pkg.cpus);
    objects.push(object('Package', pkg.id, packageCpus, RANK.Package));
    for (const die of pkg.dies) {
      const cpus = onlineOf(topology.cpu.filter((c) => c.package === pkg.id && c.die === die).map((c) => c.id));
      // As hwloc: no Die that is the whole package, nor one of a single CPU (what kernels
      // without die support report).
      if (cpus.length > 1 && cpus.length < packageCpus.length) objects.push(object('Die', die, cpus, RANK.Die));
    }
  }
  for (const cache of topology.caches) {
    const made = cacheObject(cache, onlineOf(cache.cpus));
    if (made) objects.push(made);
  }
  for (const core of topology.cores) objects.push(object('Core', core.coreId, onlineOf(core.cpus), RANK.Core));
  for (const cpu of online) objects.push(object('PU', cpu, [cpu], RANK.PU));

  const placed = objects.filter((o) => o.cpus.size > 0).sort((a, b) => b.cpus.size - a.cpus.size || a.rank - b.rank);
  for (const obj of placed) insertByCpuset(root, obj);

  attachNodes(root, topology, online);
  attachPci(root, topology);
  computeNodesets(root, new Set());
  sortChildren(root);
  return root;
}

function cacheObject(cache: Cache, cpus: number[]): HwlocObject | null {
  const instruction = cache.type === 'Instruction';
  const rank = CACHE_RANK[cache.level];
  // hwloc has L1-L5 data/unified caches and L1i-L3i instruction caches.
  if (rank === undefined || (instruction && cache.level > 3)) return null;
  const attrs: [string, string][] = [];
  if (cache.sizeBytes !== null) attrs.push(['cache_size', String(cache.sizeBytes)]);
  // Line size and associativity are not in the topology; 0 is hwloc's "unknown".
  attrs.push(['depth', String(cache.level)], ['cache_linesize', '0'], ['cache_associativity', '0']);
  attrs.push(['cache_type', String(CACHE_TYPE_CODE[cache.type])]);
  const type: NormalType = instruction ? `L${cache.level}iCache` : `L${cache.level}Cache`;
  return object(type, cache.id, cpus, instruction ? rank + 1 : rank, attrs);
}

/** Puts `obj` under the deepest object whose cpuset holds it (larger objects go in first). */
function insertByCpuset(root: HwlocObject, obj: HwlocObject): void {
  let parent = root;
  for (;;) {
    const holder = parent.children.find((child) => includes(child.cpus, obj.cpus));
    if (holder === undefined) break;
    if (equal(holder.cpus, obj.cpus) && holder.type === obj.type) return; // the same object twice
    parent = holder;
  }
  const crossing = parent.children.find((child) => intersects(child.cpus, obj.cpus));
  if (crossing !== undefined) throw crossingError(obj, crossing);
  parent.children.push(obj);
}

function crossingError(a: HwlocObject, b: HwlocObject): ParkerError {
  const describe = (o: HwlocObject) => `${o.type}${o.osIndex === null ? '' : ` P#${o.osIndex}`} (CPUs ${formatCpuList(o.cpus)})`;
  return new ParkerError(
    'E_TOPOLOGY',
    `cannot write hwloc XML: ${describe(a)} partly overlaps ${describe(b)}, so they do not nest`,
    'check the cache and topology files of these CPUs; hwloc needs every object to lie inside the next larger one',
  );
}

/**
 * Attaches each NUMA node where hwloc's Linux backend does: to the highest object below the
 * Machine whose cpuset is exactly the node's CPUs (the Machine if only it matches), else to
 * a new Group with those CPUs. Each node left without CPUs gets a Group with an empty cpuset.
 */
function attachNodes(root: HwlocObject, topology: Topology, online: ReadonlySet<number>): void {
  const nodes: LocatedNode[] =
    topology.nodes.length > 0
      ? topology.nodes.map((n) => ({ id: n.id, cpus: n.cpus.filter((c) => online.has(c)), memoryBytes: n.memoryBytes }))
      : // A kernel without NUMA: hwloc still reports one node with every CPU.
        [{ id: 0, cpus: [...online], memoryBytes: topology.memory.totalBytes }];
  nodes.sort((a, b) => a.id - b.id);
  placeCpulessNodes(nodes, topology);
  for (const node of nodes) {
    const numa: NumaObject = { id: node.id, memoryBytes: node.memoryBytes };
    if (node.cpus.length === 0) {
      const cpuless = object('Group', null, [], RANK.Group, [['kind', MEMORY_GROUP_KIND], ['subkind', '0']]);
      cpuless.memory.push(numa);
      root.children.push(cpuless);
      continue;
    }
    const cpus = new Set(node.cpus);
    const exact = highestWithCpuset(root, cpus);
    if (exact !== null) {
      exact.memory.push(numa);
      continue;
    }
    const group = object('Group', null, cpus, RANK.Group, [['kind', MEMORY_GROUP_KIND], ['subkind', '0']]);
    let parent = root;
    for (;;) {
      const holder = parent.children.find((child) => includes(child.cpus, cpus));
      if (holder === undefined) break;
      parent = holder;
    }
    const inside = parent.children.filter((child) => child.cpus.size > 0 && includes(cpus, child.cpus));
    const crossing = parent.children.find((child) => !inside.includes(child) && intersects(child.cpus, cpus));
    if (crossing !== undefined) throw crossingError(group, crossing);
    group.children = inside;
    parent.children = [...parent.children.filter((child) => !inside.includes(child)), group];
    group.memory.push(numa);
  }
}

interface LocatedNode {
  id: number;
  cpus: number[];
  memoryBytes: number | null;
}

/**
 * hwloc gives a node without CPUs (CXL or HBM memory, or a node whose CPUs are all offline)
 * the CPUs of the nodes strictly nearest to it by distance, when those are nearer than the
 * rest (fixup_cpuless_node_locality_from_distances). Done here too, in node order as hwloc
 * does, so that lstopo shows the same tree from the XML as from the machine.
 */
function placeCpulessNodes(nodes: LocatedNode[], topology: Topology): void {
  if (nodes.length < 2) return;
  const byId = new Map(topology.nodes.map((n) => [n.id, n]));
  const distance = (from: LocatedNode, to: LocatedNode) => byId.get(from.id)?.distances[String(to.id)];
  if (nodes.some((from) => nodes.some((to) => distance(from, to) === undefined))) return;
  for (const node of nodes) {
    if (node.cpus.length > 0) continue;
    const others = nodes.filter((other) => other !== node);
    const nearest = Math.min(...others.map((other) => distance(node, other)!));
    const closest = others.filter((other) => distance(node, other) === nearest);
    if (nearest <= distance(node, node)! || closest.length === others.length) continue;
    node.cpus = [...new Set(closest.flatMap((other) => other.cpus))].sort((a, b) => a - b);
  }
}

function highestWithCpuset(root: HwlocObject, cpus: ReadonlySet<number>): HwlocObject | null {
  let parent = root;
  for (;;) {
    const holder = parent.children.find((child) => includes(child.cpus, cpus));
    if (holder === undefined) return equal(root.cpus, cpus) ? root : null;
    if (equal(holder.cpus, cpus)) return holder;
    parent = holder;
  }
}

/** Every object's nodeset: the nodes attached to it, below it, or to any object above it. */
function computeNodesets(obj: HwlocObject, inherited: ReadonlySet<number>): Set<number> {
  const here = new Set([...inherited, ...obj.memory.map((n) => n.id)]);
  const nodeset = new Set(here);
  for (const child of obj.children) for (const id of computeNodesets(child, here)) nodeset.add(id);
  obj.nodeset = nodeset;
  return nodeset;
}

/** hwloc expects siblings in order of their first CPU; an empty cpuset goes last. */
function sortChildren(obj: HwlocObject): void {
  const first = new Map(obj.children.map((o) => [o, o.cpus.size === 0 ? Infinity : Math.min(...o.cpus)]));
  obj.children.sort((a, b) => first.get(a)! - first.get(b)!);
  obj.memory.sort((a, b) => a.id - b.id);
  for (const child of obj.children) sortChildren(child);
}

// ---------------------------------------------------------------------------------------
// PCI

/**
 * PCI functions as hwloc shows them: a host bridge per root bus holding the devices and
 * PCI-to-PCI bridges of that bus, the bridge attached where the devices' NUMA node is.
 */
function attachPci(root: HwlocObject, topology: Topology): void {
  const devices = [...topology.pci].sort((a, b) => comparePciAddresses(a.address, b.address));
  const known = new Set(devices.map((d) => d.address));
  const below = new Map<string, PciDevice[]>();
  const onRootBus: PciDevice[] = [];
  for (const device of devices) {
    if (device.parent !== null && known.has(device.parent)) {
      below.set(device.parent, [...(below.get(device.parent) ?? []), device]);
    } else {
      onRootBus.push(device);
    }
  }
  const busOf = (d: PciDevice) => parsePciAddress(d.address);
  const subordinate = (d: PciDevice): number =>
    Math.max(busOf(d).bus, ...(below.get(d.address) ?? []).map(subordinate));

  const toIo = (device: PciDevice, depth: number): IoObject => {
    const a = busOf(device);
    const attrs: [string, string][] = [];
    const children = (below.get(device.address) ?? []).map((child) => toIo(child, depth + 1));
    const bridge = device.bridge;
    if (bridge) {
      attrs.push(['bridge_type', '1-1'], ['depth', String(depth)]);
      // The bus range behind a bridge is known only from the devices found there.
      const downstream = below.get(device.address) ?? [];
      if (downstream.length > 0) {
        const secondary = Math.min(...downstream.map((c) => busOf(c).bus));
        attrs.push(['bridge_pci', `${hex(a.domain, 4)}:[${hex(secondary, 2)}-${hex(subordinate(device), 2)}]`]);
      }
    }
    attrs.push(['pci_busid', `${hex(a.domain, 4)}:${hex(a.bus, 2)}:${hex(a.device, 2)}.${hex(a.fn, 1)}`]);
    // A link speed of 0 is hwloc's "unknown".
    attrs.push(['pci_type', pciType(device)], ['pci_link_speed', '0.000000']);
    return { type: bridge ? 'Bridge' : 'PCIDev', attrs, children };
  };

  const buses = new Map<string, PciDevice[]>();
  for (const device of onRootBus) {
    const a = busOf(device);
    const key = `${hex(a.domain, 4)}:${hex(a.bus, 2)}`;
    buses.set(key, [...(buses.get(key) ?? []), device]);
  }
  for (const [key, members] of buses) {
    const a = busOf(members[0]!);
    const last = Math.max(...members.map(subordinate));
    const hostBridge: IoObject = {
      type: 'Bridge',
      attrs: [['bridge_type', '0-1'], ['depth', '0'], ['bridge_pci', `${key.slice(0, -3)}:[${hex(a.bus, 2)}-${hex(last, 2)}]`]],
      children: members.map((device) => toIo(device, 1)),
    };
    localObject(root, topology, members.find((d) => d.node !== null)?.node ?? null).io.push(hostBridge);
  }
}

/**
 * Where hwloc puts I/O local to a node: the highest object, the Machine included, whose
 * cpuset is the node's CPUs (a device's local_cpus). Devices without a node, or on a node
 * without CPUs, go under the Machine.
 */
function localObject(root: HwlocObject, topology: Topology, node: number | null): HwlocObject {
  const cpus = new Set(topology.nodes.find((n) => n.id === node)?.cpus.filter((cpu) => root.cpus.has(cpu)) ?? []);
  if (cpus.size === 0 || equal(root.cpus, cpus)) return root;
  return highestWithCpuset(root, cpus) ?? root;
}

/**
 * "CCCC [VVVV:DDDD] [SSSS:ssss] RR" as hwloc writes pci_type: class and subclass, vendor and
 * device, subsystem ids and revision. The topology has no subsystem ids or revision; they
 * are written as zero, as hwloc does when it cannot read them.
 */
function pciType(device: PciDevice): string {
  const classId = device.classCode === null ? 0 : device.classCode >>> 8;
  return `${hex(classId, 4)} [${hex(device.vendor ?? 0, 4)}:${hex(device.device ?? 0, 4)}] [0000:0000] 00`;
}

// ---------------------------------------------------------------------------------------
// Writing

function writeObject(obj: HwlocObject, lines: string[], indent: string, gp: { next: number }): void {
  const isRoot = obj.type === 'Machine';
  const attrs: [string, string][] = [['type', obj.type]];
  if (obj.osIndex !== null) attrs.push(['os_index', String(obj.osIndex)]);
  const cpuset = formatHwlocBitmap(obj.cpus);
  const nodeset = formatHwlocBitmap(obj.nodeset);
  attrs.push(['cpuset', cpuset], ['complete_cpuset', obj.complete ? formatHwlocBitmap(obj.complete) : cpuset]);
  if (isRoot) attrs.push(['allowed_cpuset', cpuset]);
  attrs.push(['nodeset', nodeset], ['complete_nodeset', nodeset]);
  if (isRoot) attrs.push(['allowed_nodeset', nodeset]);
  attrs.push(['gp_index', String(gp.next++)], ...obj.attrs);

  const inner: string[] = [];
  for (const [name, value] of obj.infos ?? []) inner.push(`${indent}  <info name="${escape(name)}" value="${escape(value)}"/>`);
  for (const numa of obj.memory) {
    const numaAttrs: [string, string][] = [
      ['type', 'NUMANode'],
      ['os_index', String(numa.id)],
      ['cpuset', cpuset],
      ['complete_cpuset', cpuset],
      ['nodeset', formatHwlocBitmap([numa.id])],
      ['complete_nodeset', formatHwlocBitmap([numa.id])],
      ['gp_index', String(gp.next++)],
    ];
    if (numa.memoryBytes !== null) numaAttrs.push(['local_memory', String(numa.memoryBytes)]);
    inner.push(`${indent}  <object ${attributes(numaAttrs)}/>`);
  }
  for (const child of obj.children) writeObject(child, inner, `${indent}  `, gp);
  for (const io of obj.io) writeIo(io, inner, `${indent}  `, gp);

  if (inner.length === 0) {
    lines.push(`${indent}<object ${attributes(attrs)}/>`);
  } else {
    lines.push(`${indent}<object ${attributes(attrs)}>`, ...inner, `${indent}</object>`);
  }
}

function writeIo(io: IoObject, lines: string[], indent: string, gp: { next: number }): void {
  const attrs: [string, string][] = [['type', io.type], ['gp_index', String(gp.next++)], ...io.attrs];
  if (io.children.length === 0) {
    lines.push(`${indent}<object ${attributes(attrs)}/>`);
    return;
  }
  lines.push(`${indent}<object ${attributes(attrs)}>`);
  for (const child of io.children) writeIo(child, lines, `${indent}  `, gp);
  lines.push(`${indent}</object>`);
}

/**
 * The node distance matrix as hwloc's Linux backend records it (kind 5: from the OS, means
 * latency), when every node has a distance to every node.
 */
function writeDistances(topology: Topology, lines: string[]): void {
  const ids = topology.nodes.map((n) => n.id).sort((a, b) => a - b);
  if (ids.length < 2) return;
  const byId = new Map(topology.nodes.map((n) => [n.id, n]));
  const values: number[] = [];
  for (const from of ids) {
    for (const to of ids) {
      const d = byId.get(from)!.distances[String(to)];
      if (d === undefined) return;
      values.push(d);
    }
  }
  const text = (list: number[]) => list.map((v) => `${v} `).join('');
  lines.push(`  <distances2 type="NUMANode" nbobjs="${ids.length}" kind="5" name="NUMALatency" indexing="os">`);
  lines.push(`    <indexes length="${text(ids).length}">${text(ids)}</indexes>`);
  // hwloc writes ten values per element.
  for (let i = 0; i < values.length; i += 10) {
    const chunk = text(values.slice(i, i + 10));
    lines.push(`    <u64values length="${chunk.length}">${chunk}</u64values>`);
  }
  lines.push('  </distances2>');
}

function attributes(attrs: [string, string][]): string {
  return attrs.map(([name, value]) => `${name}="${escape(value)}"`).join(' ');
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function hex(value: number, width: number): string {
  return value.toString(16).padStart(width, '0');
}

function includes(outer: ReadonlySet<number>, inner: ReadonlySet<number>): boolean {
  if (inner.size > outer.size) return false;
  for (const id of inner) if (!outer.has(id)) return false;
  return true;
}

function equal(a: ReadonlySet<number>, b: ReadonlySet<number>): boolean {
  return a.size === b.size && includes(a, b);
}

function intersects(a: ReadonlySet<number>, b: ReadonlySet<number>): boolean {
  for (const id of a) if (b.has(id)) return true;
  return false;
}
