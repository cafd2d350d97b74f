import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ParkerError } from '../units/parker-error.js';
import { formatCpuList } from '../units/cpulist.js';
import { formatCpuMask } from '../units/cpumask.js';
import { formatHwlocBitmap, toHwlocXml } from './hwloc-xml.js';
import { TOPOLOGY_SCHEMA, type Cache, type Cpu, type NumaNode, type PciDevice, type Topology } from '../topology/model.js';

// ---------------------------------------------------------------------------------------
// Running the real hwloc

const INSTALL_HINT = 'install hwloc (Debian/Ubuntu: apt-get install hwloc-nox; Fedora: dnf install hwloc); CI installs it';
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'parker-hwloc-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

/** Runs an hwloc tool with its consistency checks on; any complaint on stderr fails the test. */
function hwloc(tool: string, args: string[], env: Record<string, string> = {}): string {
  const run = spawnSync(tool, args, {
    encoding: 'utf8',
    env: { ...process.env, HWLOC_DEBUG_CHECK: '1', HWLOC_XML_VERBOSE: '1', ...env },
  });
  if (run.error) {
    throw new Error(`cannot run ${tool} (${run.error.message}): ${INSTALL_HINT}`);
  }
  if (run.status !== 0 || run.stderr !== '') {
    throw new Error(`${tool} ${args.join(' ')} failed (status ${run.status}, signal ${run.signal}):\n${run.stderr}`);
  }
  return run.stdout;
}

let files = 0;
/**
 * Loads the XML with lstopo (once, when a test first asks) and returns the topology lstopo
 * writes back. Lazy so that a missing lstopo fails each test with the install hint.
 */
function throughLstopo(xml: string): () => XmlElement {
  let loaded: XmlElement | undefined;
  return () => {
    if (loaded === undefined) loaded = parseXml(lstopoText(xml));
    return loaded;
  };
}

function lstopoText(xml: string): string {
  const file = path.join(scratch, `topology-${files++}.xml`);
  fs.writeFileSync(file, xml);
  return hwloc('lstopo', ['-i', file, '--if', 'xml', '--whole-io', '--of', 'xml', '-']);
}

/** lstopo's output without the lines that describe lstopo itself rather than the machine. */
function withoutSupportLines(xml: string): string {
  return xml
    .split('\n')
    .filter((line) => !/^\s*<support |^\s*<\/?cpukind/.test(line))
    .join('\n');
}

// ---------------------------------------------------------------------------------------
// A small reader for the XML hwloc writes (elements, attributes, text; no comments or CDATA)

interface XmlElement {
  tag: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

function parseXml(text: string): XmlElement {
  const top: XmlElement = { tag: '#document', attrs: {}, children: [], text: '' };
  const stack = [top];
  const token = /<\?[^>]*\?>|<!DOCTYPE[^>]*>|<\/([\w:]+)\s*>|<([\w:]+)((?:\s+[\w:]+="[^"]*")*)\s*(\/?)>|([^<]+)/g;
  for (const m of text.matchAll(token)) {
    const current = stack[stack.length - 1]!;
    if (m[1] !== undefined) {
      expect(current.tag).toBe(m[1]);
      stack.pop();
    } else if (m[2] !== undefined) {
      const attrs: Record<string, string> = {};
      for (const a of m[3]!.matchAll(/([\w:]+)="([^"]*)"/g)) attrs[a[1]!] = a[2]!.replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
      const element: XmlElement = { tag: m[2], attrs, children: [], text: '' };
      current.children.push(element);
      if (m[4] !== '/') stack.push(element);
    } else if (m[5] !== undefined) {
      current.text += m[5];
    }
  }
  expect(stack).toHaveLength(1);
  return top.children.find((c) => c.tag === 'topology')!;
}

function objects(root: XmlElement, type?: string): XmlElement[] {
  const found: XmlElement[] = [];
  const walk = (e: XmlElement) => {
    if (e.tag === 'object' && (type === undefined || e.attrs.type === type)) found.push(e);
    e.children.forEach(walk);
  };
  walk(root);
  return found;
}

function osIndexes(list: XmlElement[]): number[] {
  return list.map((e) => Number(e.attrs.os_index)).sort((a, b) => a - b);
}

/** hwloc bitmap text back to ids, written independently of formatHwlocBitmap. */
function bitmapIds(text: string): number[] {
  const groups = text.split(',').reverse();
  const ids: number[] = [];
  groups.forEach((group, g) => {
    const value = group === '' ? 0 : parseInt(group, 16);
    for (let bit = 0; bit < 32; bit++) if ((value >>> bit) & 1) ids.push(g * 32 + bit);
  });
  return ids;
}

// ---------------------------------------------------------------------------------------
// Machines built by hand

interface Layout {
  packages: number;
  nodesPerPackage: number;
  l3PerNode: number;
  coresPerL3: number;
  threads: number;
  memoryOnlyNodes?: number;
  /** Each node is a die of its package (AMD and Intel chiplet servers); else one die per package. */
  diePerNode?: boolean;
  offline?: number[];
  pci?: PciDevice[];
}

const GiB = 1024 ** 3;

/**
 * A machine numbered as Linux numbers x86 servers: CPU n and n + (number of cores) are the
 * two threads of core n; core_id counts from 0 in each package.
 */
function machine(layout: Layout): Topology {
  const { packages, nodesPerPackage, l3PerNode, coresPerL3, threads } = layout;
  const coresPerNode = l3PerNode * coresPerL3;
  const coresPerPackage = nodesPerPackage * coresPerNode;
  const totalCores = packages * coresPerPackage;
  const offline = new Set(layout.offline ?? []);
  const all = Array.from({ length: totalCores * threads }, (_, i) => i);
  const online = all.filter((c) => !offline.has(c));
  const coreOf = (cpu: number) => cpu % totalCores;
  const threadsOf = (core: number) => Array.from({ length: threads }, (_, t) => core + t * totalCores).filter((c) => !offline.has(c));
  const cpusWhere = (test: (core: number) => boolean) => online.filter((cpu) => test(coreOf(cpu)));
  const dieOf = (core: number) => (layout.diePerNode ? Math.floor(core / coresPerNode) % nodesPerPackage : 0);

  const cpu: Cpu[] = all.map((id) => {
    const core = coreOf(id);
    const on = !offline.has(id);
    return {
      id,
      online: on,
      hotpluggable: id !== 0,
      package: on ? Math.floor(core / coresPerPackage) : null,
      die: on ? dieOf(core) : null,
      cluster: null,
      core: on ? core % coresPerPackage : null,
      node: on ? Math.floor(core / coresPerNode) : null,
      threadSiblings: on ? threadsOf(core) : null,
      llc: on ? 2 * totalCores + Math.floor(core / coresPerL3) : null,
    };
  });
  const cores = Array.from({ length: totalCores }, (_, g) => ({
    package: Math.floor(g / coresPerPackage),
    die: dieOf(g),
    cluster: null,
    coreId: g % coresPerPackage,
    cpus: threadsOf(g),
    node: Math.floor(g / coresPerNode),
  })).filter((c) => c.cpus.length > 0);
  const caches: Cache[] = [
    ...cores.map((c, i): Cache => ({ level: 1, type: 'Data', sizeBytes: 32 * 1024, id: i, cpus: c.cpus })),
    ...cores.map((c, i): Cache => ({ level: 2, type: 'Unified', sizeBytes: 1024 * 1024, id: i, cpus: c.cpus })),
    ...Array.from({ length: totalCores / coresPerL3 }, (_, l): Cache => ({
      level: 3,
      type: 'Unified',
      sizeBytes: 16 * 1024 * 1024,
      id: l,
      cpus: cpusWhere((core) => Math.floor(core / coresPerL3) === l),
    })),
  ];
  const cpuNodes = packages * nodesPerPackage;
  const nodeIds = Array.from({ length: cpuNodes + (layout.memoryOnlyNodes ?? 0) }, (_, n) => n);
  const packageOfNode = (n: number) => (n < cpuNodes ? Math.floor(n / nodesPerPackage) : null);
  const distance = (a: number, b: number) => {
    if (a === b) return 10;
    const pa = packageOfNode(a);
    const pb = packageOfNode(b);
    if (pa === null || pb === null) return 40;
    return pa === pb ? 12 : 32;
  };
  const nodes: NumaNode[] = nodeIds.map((n) => {
    const cpus = n < cpuNodes ? cpusWhere((core) => Math.floor(core / coresPerNode) === n) : [];
    return {
      id: n,
      cpus,
      memoryBytes: (n + 1) * GiB,
      distances: Object.fromEntries(nodeIds.map((m) => [String(m), distance(n, m)])),
      hasCpu: cpus.length > 0,
      hasMemory: true,
    };
  });
  return {
    schema: TOPOLOGY_SCHEMA,
    machine: { kind: 'synthetic', description: 'built by hand', arch: 'x86_64' },
    kernel: { release: '6.8.0-test', cmdline: null },
    cpus: { possible: all, present: all, online, offline: [...offline].sort((a, b) => a - b) },
    cpu,
    packages: Array.from({ length: packages }, (_, p) => ({
      id: p,
      cpus: cpusWhere((core) => Math.floor(core / coresPerPackage) === p),
      dies: layout.diePerNode ? Array.from({ length: nodesPerPackage }, (_, d) => d) : [0],
      nodes: nodeIds.filter((n) => packageOfNode(n) === p),
    })),
    cores,
    caches,
    nodes,
    memory: { blockSizeBytes: null, blocks: [], systemRam: [], reserved: [], totalBytes: null },
    pci: layout.pci ?? [],
    cma: [],
    parker: { controlFs: false, partitions: [] },
  };
}

/**
 * The sysfs files hwloc's Linux backend reads, written from a topology, so that hwloc's own
 * discovery of a machine can be compared with the export of the same machine.
 */
function writeSysfs(topology: Topology, root: string): void {
  const made = new Set<string>();
  const write = (file: string, text: string) => {
    const dir = path.dirname(path.join(root, file));
    if (!made.has(dir)) fs.mkdirSync(dir, { recursive: true });
    made.add(dir);
    fs.writeFileSync(path.join(root, file), `${text}\n`);
  };
  const nrCpuIds = Math.max(...topology.cpus.possible) + 1;
  const mask = (cpus: number[]) => formatCpuMask(cpus, nrCpuIds);
  const cpuDir = 'sys/devices/system/cpu';
  const nodeDir = 'sys/devices/system/node';
  write(`${cpuDir}/possible`, formatCpuList(topology.cpus.possible));
  write(`${cpuDir}/present`, formatCpuList(topology.cpus.present));
  write(`${cpuDir}/online`, formatCpuList(topology.cpus.online));
  for (const cpu of topology.cpu) {
    const dir = `${cpuDir}/cpu${cpu.id}`;
    if (cpu.id !== 0) write(`${dir}/online`, cpu.online ? '1' : '0');
    if (!cpu.online) continue;
    const core = topology.cores.find((c) => c.cpus.includes(cpu.id))!;
    const pkg = topology.packages.find((p) => p.id === cpu.package)!;
    write(`${dir}/topology/physical_package_id`, String(cpu.package));
    write(`${dir}/topology/core_id`, String(core.coreId));
    write(`${dir}/topology/die_id`, String(cpu.die));
    write(`${dir}/topology/core_cpus`, mask(core.cpus));
    write(`${dir}/topology/package_cpus`, mask(pkg.cpus));
    const die = topology.cpu.filter((c) => c.package === cpu.package && c.die === cpu.die).map((c) => c.id);
    write(`${dir}/topology/die_cpus`, mask(die));
    topology.caches
      .filter((c) => c.cpus.includes(cpu.id))
      .forEach((cache, index) => {
        write(`${dir}/cache/index${index}/level`, String(cache.level));
        write(`${dir}/cache/index${index}/type`, cache.type);
        write(`${dir}/cache/index${index}/size`, `${cache.sizeBytes! / 1024}K`);
        write(`${dir}/cache/index${index}/shared_cpu_map`, mask(cache.cpus));
        write(`${dir}/cache/index${index}/id`, String(cache.id));
      });
    fs.symlinkSync(`../../node/node${cpu.node}`, path.join(root, dir, `node${cpu.node}`));
  }
  const ids = topology.nodes.map((n) => n.id);
  for (const name of ['possible', 'online', 'has_memory', 'has_normal_memory']) write(`${nodeDir}/${name}`, formatCpuList(ids));
  write(`${nodeDir}/has_cpu`, formatCpuList(topology.nodes.filter((n) => n.cpus.length > 0).map((n) => n.id)));
  for (const node of topology.nodes) {
    write(`${nodeDir}/node${node.id}/cpumap`, mask(node.cpus));
    write(`${nodeDir}/node${node.id}/cpulist`, formatCpuList(node.cpus));
    write(`${nodeDir}/node${node.id}/meminfo`, `Node ${node.id} MemTotal:       ${node.memoryBytes! / 1024} kB`);
    write(`${nodeDir}/node${node.id}/distance`, ids.map((id) => node.distances[String(id)]).join(' '));
  }
  fs.mkdirSync(path.join(root, 'proc'), { recursive: true });
}

let roots = 0;
/** What hwloc's Linux backend finds in the sysfs of a topology. */
function hwlocDiscovery(topology: Topology): XmlElement {
  const root = path.join(scratch, `root-${roots++}`);
  try {
    writeSysfs(topology, root);
    // Groups hwloc infers from NUMA distances are its guess, not a kernel fact: left out.
    const env = { HWLOC_FSROOT: root, HWLOC_COMPONENTS: 'linux,-x86', HWLOC_GROUPING: '0' };
    return parseXml(hwloc('lstopo', ['--whole-system', '--of', 'xml', '-'], env));
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

/** The object tree and distances of an hwloc XML, without gp_index, infos and page types. */
function shape(e: XmlElement): unknown {
  const { gp_index: _, ...attrs } = e.attrs;
  const children = e.children.filter((c) => c.tag === 'object' || c.tag === 'distances2' || c.tag === 'indexes' || c.tag === 'u64values');
  return { tag: e.tag, ...attrs, text: e.text.trim(), children: children.map(shape) };
}

/** PU ids below an object in lstopo's tree. */
function puIds(e: XmlElement): number[] {
  return osIndexes(objects(e, 'PU'));
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

// ---------------------------------------------------------------------------------------

describe('hwloc tools', () => {
  it('are installed (the checks below load the XML with the real lstopo)', () => {
    expect(hwloc('lstopo', ['--version'])).toMatch(/^lstopo 2\./);
  });
});

describe('formatHwlocBitmap', () => {
  it('writes sets as hwloc does', () => {
    expect(formatHwlocBitmap([])).toBe('0x0');
    expect(formatHwlocBitmap([0, 1])).toBe('0x00000003');
    expect(formatHwlocBitmap(range(0, 31))).toBe('0xffffffff');
    expect(formatHwlocBitmap([32])).toBe('0x00000001,0x0');
    expect(formatHwlocBitmap([64])).toBe('0x00000001,,0x0');
    expect(formatHwlocBitmap([0, 64])).toBe('0x00000001,,0x00000001');
    expect(formatHwlocBitmap([33, 100])).toBe('0x00000010,,0x00000002,0x0');
    expect(formatHwlocBitmap([...range(8, 15), ...range(24, 31)])).toBe('0xff00ff00');
    expect(formatHwlocBitmap(range(0, 79))).toBe('0x0000ffff,0xffffffff,0xffffffff');
  });

  it('matches hwloc-calc on sets that cross 32- and 64-bit boundaries', () => {
    const sets = [[0], [31, 32], [63], [64], [0, 95], [32, 33, 127], [1, 200], range(30, 70), [128]];
    for (const set of sets) {
      const locations = set.map((cpu) => `pu:${cpu}`);
      const printed = hwloc('hwloc-calc', ['-i', 'node:1 pu:256', ...locations]).trim();
      expect(formatHwlocBitmap(set)).toBe(printed);
    }
  });

  it('reads back as the same set', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 300 }), { maxLength: 40 }), (ids) => {
        expect(bitmapIds(formatHwlocBitmap(ids))).toEqual([...ids].sort((a, b) => a - b));
      }),
    );
  });
});

describe('toHwlocXml on one package, 2 cores x 2 threads, 1 node', () => {
  const topology = machine({ packages: 1, nodesPerPackage: 1, l3PerNode: 1, coresPerL3: 2, threads: 2 });
  const xml = toHwlocXml(topology);
  const lstopo = throughLstopo(xml);

  it('is loaded by lstopo with the same objects', () => {
    expect(osIndexes(objects(lstopo(), 'Package'))).toEqual([0]);
    expect(osIndexes(objects(lstopo(), 'NUMANode'))).toEqual([0]);
    expect(objects(lstopo(), 'L3Cache')).toHaveLength(1);
    expect(objects(lstopo(), 'L2Cache')).toHaveLength(2);
    expect(objects(lstopo(), 'L1Cache')).toHaveLength(2);
    expect(osIndexes(objects(lstopo(), 'Core'))).toEqual([0, 1]);
    expect(osIndexes(objects(lstopo(), 'PU'))).toEqual([0, 1, 2, 3]);
  });

  it('keeps the Linux numbering of threads: core 0 is CPUs 0 and 2', () => {
    const cores = objects(lstopo(), 'Core');
    expect(cores.map((c) => [Number(c.attrs.os_index), puIds(c)])).toEqual([
      [0, [0, 2]],
      [1, [1, 3]],
    ]);
  });

  it('attaches the node to the package, as hwloc does when their CPUs are the same', () => {
    const pkg = objects(lstopo(), 'Package')[0]!;
    expect(pkg.children.filter((c) => c.attrs.type === 'NUMANode').map((c) => c.attrs.os_index)).toEqual(['0']);
    expect(objects(lstopo(), 'NUMANode')[0]!.attrs).toMatchObject({ cpuset: '0x0000000f', local_memory: String(GiB) });
  });

  it('writes the machine facts and cache attributes', () => {
    const machineObject = objects(lstopo(), 'Machine')[0]!;
    expect(machineObject.attrs).toMatchObject({ cpuset: '0x0000000f', complete_cpuset: '0x0000000f', nodeset: '0x00000001' });
    const infos = Object.fromEntries(machineObject.children.filter((c) => c.tag === 'info').map((c) => [c.attrs.name, c.attrs.value]));
    expect(infos).toMatchObject({ OSRelease: '6.8.0-test', Architecture: 'x86_64' });
    expect(objects(lstopo(), 'L3Cache')[0]!.attrs).toMatchObject({ cache_size: String(16 * 1024 * 1024), depth: '3', cache_type: '0', os_index: '0' });
    expect(objects(lstopo(), 'L1Cache')[1]!.attrs).toMatchObject({ cache_size: '32768', depth: '1', cache_type: '1', os_index: '1' });
  });

  it('is what lstopo writes back, line for line', () => {
    expect(withoutSupportLines(lstopoText(xml))).toBe(xml);
  });

  it('is what hwloc itself finds in the sysfs of the same machine', () => {
    expect(shape(parseXml(xml))).toEqual(shape(hwlocDiscovery(topology)));
  });
});

describe('toHwlocXml on 2 packages x 2 nodes x 2 L3 x 2 cores x 2 threads, a memory-only node, an offline CPU', () => {
  const topology = machine({ packages: 2, nodesPerPackage: 2, l3PerNode: 2, coresPerL3: 2, threads: 2, memoryOnlyNodes: 1, offline: [31] });
  const xml = toHwlocXml(topology);
  const lstopo = throughLstopo(xml);

  it('is loaded by lstopo with the same number of objects of each kind', () => {
    expect(osIndexes(objects(lstopo(), 'Package'))).toEqual([0, 1]);
    expect(osIndexes(objects(lstopo(), 'NUMANode'))).toEqual([0, 1, 2, 3, 4]);
    expect(osIndexes(objects(lstopo(), 'L3Cache'))).toEqual(range(0, 7));
    expect(objects(lstopo(), 'Core')).toHaveLength(16);
    expect(osIndexes(objects(lstopo(), 'PU'))).toEqual(range(0, 30));
  });

  it('keeps core_id per package as the cores os_index', () => {
    for (const pkg of objects(lstopo(), 'Package')) expect(osIndexes(objects(pkg, 'Core'))).toEqual(range(0, 7));
  });

  it('puts the same PUs in each package', () => {
    const byPackage = objects(lstopo(), 'Package').map((p) => [Number(p.attrs.os_index), puIds(p)]);
    expect(byPackage).toEqual([
      [0, [...range(0, 7), ...range(16, 23)]],
      [1, [...range(8, 15), ...range(24, 30)]],
    ]);
  });

  it('gives each node its CPUs, and the memory-only node none', () => {
    const byNode = objects(lstopo(), 'NUMANode').map((n) => [Number(n.attrs.os_index), bitmapIds(n.attrs.cpuset!)]);
    expect(byNode).toEqual(topology.nodes.map((n) => [n.id, n.cpus]));
    expect(byNode[4]).toEqual([4, []]);
    for (const node of objects(lstopo(), 'NUMANode')) expect(node.attrs.local_memory).toBe(String((Number(node.attrs.os_index) + 1) * GiB));
  });

  it('puts each PU under its own node only', () => {
    for (const pu of objects(lstopo(), 'PU')) {
      const cpu = Number(pu.attrs.os_index);
      expect(bitmapIds(pu.attrs.nodeset!)).toEqual([topology.cpu[cpu]!.node]);
    }
  });

  it('puts each core and its threads in one L3, two cores per L3', () => {
    const l3 = objects(lstopo(), 'L3Cache').map((c) => puIds(c));
    expect(l3[0]).toEqual([0, 1, 16, 17]);
    expect(l3[7]).toEqual([14, 15, 30]);
  });

  it('lists the offline CPU in the complete cpuset only', () => {
    const machineObject = objects(lstopo(), 'Machine')[0]!;
    expect(bitmapIds(machineObject.attrs.complete_cpuset!)).toEqual(range(0, 31));
    expect(bitmapIds(machineObject.attrs.cpuset!)).toEqual(range(0, 30));
    expect(bitmapIds(machineObject.attrs.nodeset!)).toEqual([0, 1, 2, 3, 4]);
  });

  it('carries the distance matrix', () => {
    const distances = lstopo().children.filter((c) => c.tag === 'distances2');
    expect(distances).toHaveLength(1);
    expect(distances[0]!.attrs).toMatchObject({ type: 'NUMANode', nbobjs: '5', kind: '5', indexing: 'os' });
    const indexes = distances[0]!.children.filter((c) => c.tag === 'indexes').map((c) => c.text.trim().split(' ').map(Number));
    const values = distances[0]!.children.filter((c) => c.tag === 'u64values').flatMap((c) => c.text.trim().split(' ').map(Number));
    expect(indexes).toEqual([[0, 1, 2, 3, 4]]);
    expect(values).toEqual(topology.nodes.flatMap((from) => topology.nodes.map((to) => from.distances[String(to.id)])));
  });

  it('is what lstopo writes back, line for line', () => {
    expect(withoutSupportLines(lstopoText(xml))).toBe(xml);
  });

  it('is what hwloc itself finds in the sysfs of the same machine', () => {
    expect(shape(parseXml(xml))).toEqual(shape(hwlocDiscovery(topology)));
  });
});

describe('toHwlocXml on 2 packages of 2 dies, one node per die', () => {
  const topology = machine({ packages: 2, nodesPerPackage: 2, l3PerNode: 1, coresPerL3: 2, threads: 2, diePerNode: true });
  const xml = toHwlocXml(topology);
  const lstopo = throughLstopo(xml);

  it('has a Die per die, numbered within its package, holding its node', () => {
    const dies = objects(lstopo(), 'Package').flatMap((p) =>
      objects(p, 'Die').map((d) => [
        Number(p.attrs.os_index),
        Number(d.attrs.os_index),
        puIds(d),
        d.children.filter((c) => c.attrs.type === 'NUMANode').map((n) => Number(n.attrs.os_index)),
      ]),
    );
    expect(dies).toEqual([
      [0, 0, [0, 1, 8, 9], [0]],
      [0, 1, [2, 3, 10, 11], [1]],
      [1, 0, [4, 5, 12, 13], [2]],
      [1, 1, [6, 7, 14, 15], [3]],
    ]);
  });

  it('is what hwloc itself finds in the sysfs of the same machine', () => {
    expect(shape(parseXml(xml))).toEqual(shape(hwlocDiscovery(topology)));
  });
});

function pciDevice(address: string, classCode: number, ids: [number, number], node: number | null, parent: string | null = null): PciDevice {
  return {
    address,
    vendor: ids[0],
    device: ids[1],
    vendorName: null,
    deviceName: null,
    classCode,
    className: null,
    node,
    iommuGroup: null,
    driver: null,
    enabled: true,
    msi: true,
    msix: true,
    sriov: null,
    bridge: classCode >>> 8 === 0x0604,
    parent,
  };
}

describe('toHwlocXml with PCI devices', () => {
  const pci = [
    pciDevice('0000:00:00.0', 0x060000, [0x8086, 0x09a2], 0),
    pciDevice('0000:00:01.0', 0x060400, [0x8086, 0x347a], 0),
    pciDevice('0000:01:00.0', 0x010802, [0x144d, 0xa808], 0, '0000:00:01.0'),
    pciDevice('0000:00:1f.6', 0x020000, [0x8086, 0x15b8], 0),
    pciDevice('0000:80:01.0', 0x060400, [0x8086, 0x347a], 2),
    pciDevice('0000:81:00.0', 0x020000, [0x15b3, 0x1017], 2, '0000:80:01.0'),
    pciDevice('0000:81:00.1', 0x020000, [0x15b3, 0x1017], 2, '0000:80:01.0'),
    pciDevice('0000:c0:00.0', 0x088000, [0x8086, 0x0b00], null),
    pciDevice('0001:00:00.0', 0x050200, [0x8086, 0x0d93], 4),
  ];
  const topology = machine({ packages: 2, nodesPerPackage: 2, l3PerNode: 2, coresPerL3: 2, threads: 2, memoryOnlyNodes: 1, pci });
  const xml = toHwlocXml(topology);
  const lstopo = throughLstopo(xml);

  it('is loaded by lstopo with every device, class and id', () => {
    const devices = objects(lstopo(), 'PCIDev').map((d) => [d.attrs.pci_busid, d.attrs.pci_type]);
    expect(devices).toEqual([
      ['0000:00:00.0', '0600 [8086:09a2] [0000:0000] 00'],
      ['0000:01:00.0', '0108 [144d:a808] [0000:0000] 00'],
      ['0000:00:1f.6', '0200 [8086:15b8] [0000:0000] 00'],
      ['0000:81:00.0', '0200 [15b3:1017] [0000:0000] 00'],
      ['0000:81:00.1', '0200 [15b3:1017] [0000:0000] 00'],
      ['0000:c0:00.0', '0880 [8086:0b00] [0000:0000] 00'],
      ['0001:00:00.0', '0502 [8086:0d93] [0000:0000] 00'],
    ]);
  });

  it('puts a host bridge over each root bus and devices under their bridge', () => {
    const bridges = objects(lstopo(), 'Bridge').map((b) => [b.attrs.pci_busid ?? 'host', b.attrs.bridge_pci, objects(b, 'PCIDev').map((d) => d.attrs.pci_busid)]);
    expect(bridges).toEqual([
      ['host', '0000:[00-01]', ['0000:00:00.0', '0000:01:00.0', '0000:00:1f.6']],
      ['0000:00:01.0', '0000:[01-01]', ['0000:01:00.0']],
      ['host', '0000:[80-81]', ['0000:81:00.0', '0000:81:00.1']],
      ['0000:80:01.0', '0000:[81-81]', ['0000:81:00.0', '0000:81:00.1']],
      ['host', '0000:[c0-c0]', ['0000:c0:00.0']],
      ['host', '0001:[00-00]', ['0001:00:00.0']],
    ]);
  });

  it('attaches each host bridge to the CPUs of its node, or to the Machine', () => {
    const parentCpus = (busid: string) => {
      const holder = objects(lstopo()).find((o) => o.children.some((c) => c.attrs.type === 'Bridge' && objects(c).some((d) => d.attrs.pci_busid === busid)));
      return [holder!.attrs.type, bitmapIds(holder!.attrs.cpuset!)];
    };
    expect(parentCpus('0000:00:00.0')).toEqual(['Group', topology.nodes[0]!.cpus]);
    expect(parentCpus('0000:81:00.0')).toEqual(['Group', topology.nodes[2]!.cpus]);
    expect(parentCpus('0000:c0:00.0')).toEqual(['Machine', topology.cpus.online]);
    expect(parentCpus('0001:00:00.0')).toEqual(['Machine', topology.cpus.online]);
  });

  it('is what lstopo writes back, line for line', () => {
    expect(withoutSupportLines(lstopoText(xml))).toBe(xml);
  });
});

describe('toHwlocXml with PCI devices on a one-node machine', () => {
  it('attaches them to the Machine, above the package the node is attached to', () => {
    const pci = [pciDevice('0000:00:02.0', 0x010802, [0x1af4, 0x1042], 0)];
    const xml = toHwlocXml(machine({ packages: 1, nodesPerPackage: 1, l3PerNode: 1, coresPerL3: 2, threads: 1, pci }));
    const machineObject = objects(throughLstopo(xml)(), 'Machine')[0]!;
    expect(machineObject.children.filter((c) => c.attrs.type === 'Bridge').map((b) => objects(b, 'PCIDev').map((d) => d.attrs.pci_busid))).toEqual([['0000:00:02.0']]);
  });
});

describe('toHwlocXml refuses objects that do not nest', () => {
  it('with an E_TOPOLOGY error naming both', () => {
    const topology = machine({ packages: 1, nodesPerPackage: 1, l3PerNode: 1, coresPerL3: 2, threads: 2 });
    topology.caches.push({ level: 2, type: 'Unified', sizeBytes: 1024, id: 9, cpus: [0, 1] });
    let caught: unknown;
    try {
      toHwlocXml(topology);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ParkerError);
    expect((caught as ParkerError).code).toBe('E_TOPOLOGY');
    expect((caught as ParkerError).message).toBe(
      'cannot write hwloc XML: L2Cache P#9 (CPUs 0-1) partly overlaps L2Cache P#0 (CPUs 0,2), so they do not nest',
    );
  });
});

describe('toHwlocXml on machines of any shape', () => {
  const layouts = fc
    .record({
      packages: fc.integer({ min: 1, max: 2 }),
      nodesPerPackage: fc.integer({ min: 1, max: 2 }),
      l3PerNode: fc.integer({ min: 1, max: 2 }),
      coresPerL3: fc.integer({ min: 1, max: 3 }),
      threads: fc.integer({ min: 1, max: 2 }),
      memoryOnlyNodes: fc.integer({ min: 0, max: 2 }),
      diePerNode: fc.boolean(),
      offlineSeed: fc.array(fc.integer({ min: 1, max: 47 }), { maxLength: 6 }),
    })
    .map(({ offlineSeed, ...layout }): Layout => {
      const cpus = layout.packages * layout.nodesPerPackage * layout.l3PerNode * layout.coresPerL3 * layout.threads;
      return { ...layout, offline: [...new Set(offlineSeed.filter((cpu) => cpu < cpus))] };
    });

  it('are what hwloc itself finds in their sysfs', () => {
    fc.assert(
      fc.property(layouts, (layout) => {
        const topology = machine(layout);
        expect(shape(parseXml(toHwlocXml(topology)))).toEqual(shape(hwlocDiscovery(topology)));
      }),
      { numRuns: 12 },
    );
  });
});
