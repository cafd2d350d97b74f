import { isListFile, type KernelFiles } from './kernel-files.js';
import type { Cpu, CpuSets } from './model.js';

export const CPU_DIR = 'sys/devices/system/cpu';

export function cpuDir(cpu: number): string {
  return `${CPU_DIR}/cpu${cpu}`;
}

export interface CpuSetsDiscovery {
  sets: CpuSets;
  /** CPUs that have a cpuN directory (the present ones, on a real kernel). */
  withDir: Set<number>;
}

/**
 * The kernel's CPU sets. When a set file is missing (an old or trimmed tree) it is worked
 * out from what is there: present from the cpuN directories, online from each cpuN/online,
 * offline as possible minus online (which is how the kernel prints it). A kernel never
 * writes an empty possible, present or online set (the boot CPU is always there), so an
 * empty one is a recorder's unreadable file: unknown, worked out the same way.
 */
export function discoverCpuSets(files: KernelFiles): CpuSetsDiscovery {
  const dirs = files.numbered(CPU_DIR, 'cpu');
  const withDir = new Set(dirs);
  const nonEmpty = (name: string) => {
    const list = files.cpuList(`${CPU_DIR}/${name}`);
    return list !== null && list.length === 0 ? files.warn(`${CPU_DIR}/${name}`, '', 'a CPU list such as "0-3"') : list;
  };
  const present = nonEmpty('present') ?? dirs;
  const possible = nonEmpty('possible') ?? present;
  // An unreadable or empty cpuN/online is unknown, and the CPU counts as online (as hwloc does).
  const online = nonEmpty('online') ?? dirs.filter((cpu) => files.int(`${cpuDir(cpu)}/online`) !== 0);
  const onlineSet = new Set(online);
  const offline = files.cpuList(`${CPU_DIR}/offline`) ?? possible.filter((cpu) => !onlineSet.has(cpu));
  return { sets: { possible, present, online, offline }, withDir };
}

/** The CPUs discovery describes, sorted: possible, present or with a directory. */
export function cpuIds({ sets, withDir }: CpuSetsDiscovery): number[] {
  return [...new Set([...sets.possible, ...sets.present, ...withDir])].sort((a, b) => a - b);
}

/** What cpuN/topology says about one CPU; thread siblings share all of it. */
interface Placement {
  /** physical_package_id as read; packages get their final ids once every CPU is read. */
  package: number | null;
  /** The package's CPUs (core_siblings), or null when no form of that file is there. */
  packageCpus: number[] | null;
  die: number | null;
  cluster: number | null;
  core: number | null;
  threadSiblings: number[] | null;
}

const UNPLACED: Placement = { package: null, packageCpus: null, die: null, cluster: null, core: null, threadSiblings: null };

/**
 * The forms of each CPU set of cpuN/topology, in the order discovery prefers them: the list
 * (from 2.6.2x), then the mask every kernel writes; the older names (core_siblings,
 * thread_siblings) first because every kernel has them, the 5.x names (package_cpus,
 * core_cpus) after. die_cpus arrived with die_id (5.2, x86), cluster_cpus with cluster_id (5.16).
 */
const SET_FORMS = {
  threads: ['thread_siblings_list', 'core_cpus_list', 'thread_siblings', 'core_cpus'],
  package: ['core_siblings_list', 'package_cpus_list', 'core_siblings', 'package_cpus'],
  die: ['die_cpus_list', 'die_cpus'],
  cluster: ['cluster_cpus_list', 'cluster_cpus'],
} as const;
type SetName = keyof typeof SET_FORMS;

/** cpuN/topology ids discovery reads; older kernels and other architectures lack some. */
const ID_FILES = ['physical_package_id', 'die_id', 'cluster_id', 'core_id'] as const;
type IdFile = (typeof ID_FILES)[number];

/** What this kernel writes in cpuN/topology: the ids present and the form of each set. */
interface TopologyForms {
  ids: Set<IdFile>;
  sets: Partial<Record<SetName, string>>;
}

/**
 * Ids shared by a group of CPUs, with the set listing the group's CPUs. Reading the set
 * once per group spares reading the id once per CPU.
 */
const GROUPS = [
  { field: 'package', id: 'physical_package_id', members: 'package' },
  { field: 'die', id: 'die_id', members: 'die' },
  { field: 'cluster', id: 'cluster_id', members: 'cluster' },
] as const;

/** x86 prints an unknown cluster (BAD_APICID) as 65535; other architectures print -1. */
const X86_UNKNOWN_CLUSTER = 0xffff;

/**
 * One record per CPU that is possible, present or has a directory, sorted by id, with `llc`
 * left null for the cache pass. Offline CPUs have no topology directory, so their placement
 * is null; their node comes from the cpuN/nodeM link, or else from the node cpulists.
 *
 * Structure comes from the sibling sets, as hwloc builds it: a package is one
 * core_siblings (package_cpus) set, a core one thread_siblings (core_cpus) set, each made of
 * the CPUs that have topology files. The ids only name them: a package keeps its
 * physical_package_id when every package set has its own valid id; otherwise (POWER's -1,
 * ia64's ids repeated across nodes, old ARM's -1 with one CPU per set) packages are numbered
 * 0, 1, ... in the order of their first CPU. Without any package set, CPUs with the same
 * physical_package_id make a package.
 */
export function discoverCpus(
  files: KernelFiles,
  { sets, withDir }: CpuSetsDiscovery,
  nodeOfCpu: ReadonlyMap<number, number>,
  numa: boolean,
): Cpu[] {
  const ids = cpuIds({ sets, withDir });
  const online = new CpuFlags(ids, sets.online);
  const onlineWithDir = sets.online.filter((cpu) => withDir.has(cpu));
  const forms = probeTopologyFiles(files, onlineWithDir);
  const reader = new PlacementReader(files, forms, new CpuFlags(ids, onlineWithDir));

  const placements: Placement[] = [];
  const cpus: Cpu[] = [];
  for (const id of ids) {
    const dir = cpuDir(id);
    const hasDir = withDir.has(id);
    const hotpluggable = hasDir && files.fs.exists(`${dir}/online`);
    const isOnline = online.has(id);

    const placement = isOnline && hasDir ? reader.placement(id) : UNPLACED;
    placements.push(placement);

    let node: number | null;
    if (!numa) node = 0;
    else if (isOnline) node = nodeOfCpu.get(id) ?? (hasDir ? files.linkedNode(dir) : null);
    else node = (hasDir ? files.linkedNode(dir) : null) ?? nodeOfCpu.get(id) ?? null;

    cpus.push({
      id,
      online: isOnline,
      hotpluggable,
      package: placement.package,
      die: placement.die,
      cluster: placement.cluster,
      core: placement.core,
      threadSiblings: placement.threadSiblings === null ? null : placement.threadSiblings.slice(),
      node,
      llc: null,
    });
  }
  numberPackages(cpus, placements);
  return cpus;
}

/**
 * A set of CPU ids as one flag per id, for the ids discovery knows (`ids`, sorted): the
 * thousands of membership tests of a large machine cost an array index, not a hash lookup.
 * Ids beyond the last known one are never members.
 */
export class CpuFlags {
  private readonly flags: Uint8Array;

  constructor(ids: readonly number[], members: Iterable<number>) {
    this.flags = new Uint8Array(ids.length === 0 ? 0 : ids[ids.length - 1]! + 1);
    for (const cpu of members) if (cpu < this.flags.length) this.flags[cpu] = 1;
  }

  has(cpu: number): boolean {
    return this.flags[cpu] === 1;
  }

  /** One more than the largest id it can hold: the length of an array indexed by these ids. */
  get size(): number {
    return this.flags.length;
  }

  /** The members of a sorted list, the list itself when all of them are (nothing copied). */
  keep(cpus: number[]): number[] {
    for (let i = 0; i < cpus.length; i++) {
      if (this.flags[cpus[i]!] !== 1) return cpus.filter((c) => this.flags[c] === 1);
    }
    return cpus;
  }
}

/**
 * Gives each CPU its package's final id: the package sets' own physical_package_ids when
 * they tell every set apart, else 0, 1, ... by first CPU (see discoverCpus).
 */
function numberPackages(cpus: Cpu[], placements: readonly Placement[]): void {
  interface Found {
    raw: number | null;
    first: number;
    set: readonly number[] | null;
    id?: number;
  }
  // The members of a package share one set array; equal sets read twice (inconsistent
  // kernels) are matched by content, found by their first CPU and size.
  const byArray = new Map<readonly number[], Found>();
  const bySize = new Map<string, Found[]>();
  const byId = new Map<number, Found>();
  const found: Found[] = [];
  const packageOf = new Map<number, Found>();
  cpus.forEach((cpu, i) => {
    const p = placements[i]!;
    let f: Found | undefined;
    if (p.packageCpus !== null) {
      const set = p.packageCpus;
      if (set.length === 0) return;
      f = byArray.get(set);
      if (f === undefined) {
        const sizeKey = `${set[0]} ${set.length}`;
        const candidates = bySize.get(sizeKey) ?? [];
        f = candidates.find((c) => c.set!.every((x, i) => x === set[i]));
        if (f === undefined) {
          f = { raw: cpu.package, first: cpu.id, set };
          candidates.push(f);
          bySize.set(sizeKey, candidates);
          found.push(f);
        }
        byArray.set(set, f);
      }
    } else if (p.package !== null) {
      f = byId.get(p.package);
      if (f === undefined) {
        byId.set(p.package, (f = { raw: p.package, first: cpu.id, set: null }));
        found.push(f);
      }
    }
    if (f !== undefined) packageOf.set(cpu.id, f);
  });
  const raws = found.map((f) => f.raw);
  const identify = raws.every((r) => r !== null) && new Set(raws).size === raws.length;
  found.sort((a, b) => a.first - b.first).forEach((f, i) => (f.id = identify ? f.raw! : i));
  for (const cpu of cpus) cpu.package = packageOf.get(cpu.id)?.id ?? null;
}

/**
 * Which topology files this kernel writes, from the first online CPU that has a topology
 * directory (as hwloc decides between the old and new names). Every CPU of a kernel has the
 * same set, so the others skip the absent ones instead of failing to read them thousands of
 * times.
 */
function probeTopologyFiles(files: KernelFiles, onlineWithDir: readonly number[]): TopologyForms {
  for (const cpu of onlineWithDir) {
    const dir = `${cpuDir(cpu)}/topology`;
    if (!files.fs.isDirectory(dir)) continue;
    const sets: TopologyForms['sets'] = {};
    for (const [name, names] of Object.entries(SET_FORMS) as [SetName, readonly string[]][]) {
      const found = names.find((n) => files.fs.exists(`${dir}/${n}`));
      if (found !== undefined) sets[name] = found;
    }
    return { ids: new Set(ID_FILES.filter((name) => files.fs.exists(`${dir}/${name}`))), sets };
  }
  return { ids: new Set(), sets: {} };
}

/**
 * Reads the placement of online CPUs. Thread siblings share a core, so one CPU's reads
 * place all its siblings; package, die and cluster ids are learned once per group. Every
 * set is cut down to `withTopology`, the CPUs that are online with a directory.
 */
class PlacementReader {
  /** The placement of each CPU read so far through a thread sibling, by id. */
  private readonly fromSibling: (Placement | undefined)[];
  /** Per group (package, die, cluster), what each member CPU's group read gave, by id. */
  private readonly groups: ({ id: number | null; cpus: number[] | null } | undefined)[][];

  constructor(
    private readonly files: KernelFiles,
    private readonly forms: TopologyForms,
    private readonly withTopology: CpuFlags,
  ) {
    // Filled arrays, indexed by CPU id: never sparse, so never a dictionary.
    this.fromSibling = new Array<Placement | undefined>(withTopology.size).fill(undefined);
    this.groups = GROUPS.map(() => new Array<{ id: number | null; cpus: number[] | null } | undefined>(withTopology.size).fill(undefined));
  }

  placement(cpu: number): Placement {
    const known = this.fromSibling[cpu];
    if (known !== undefined) return known;
    const dir = `${cpuDir(cpu)}/topology`;
    const pkg = this.group(cpu, dir, 0);
    const placement: Placement = {
      package: pkg.id,
      packageCpus: pkg.cpus,
      die: this.group(cpu, dir, 1).id,
      cluster: this.group(cpu, dir, 2).id,
      core: this.read(dir, 'core_id'),
      threadSiblings: this.set(dir, 'threads'),
    };
    if (placement.cluster === X86_UNKNOWN_CLUSTER) placement.cluster = null;
    for (const sibling of placement.threadSiblings ?? []) {
      if (sibling !== cpu) this.fromSibling[sibling] = placement;
    }
    return placement;
  }

  private read(dir: string, name: IdFile): number | null {
    return this.forms.ids.has(name) ? this.files.id(`${dir}/${name}`) : null;
  }

  /** One of the CPU sets, cut down to the CPUs with topology files; null when this kernel has no form of it. */
  private set(dir: string, name: SetName): number[] | null {
    const form = this.forms.sets[name];
    if (form === undefined) return null;
    const path = `${dir}/${form}`;
    const cpus = isListFile(path) ? this.files.cpuList(path) : this.files.cpuMask(path);
    return cpus === null ? null : this.withTopology.keep(cpus);
  }

  private group(cpu: number, dir: string, which: 0 | 1 | 2): { id: number | null; cpus: number[] | null } {
    const known = this.groups[which]!;
    const found = known[cpu];
    if (found !== undefined) return found;
    const group = GROUPS[which];
    const id = this.read(dir, group.id);
    const cpus = this.set(dir, group.members);
    const result = { id, cpus };
    for (const member of cpus ?? []) known[member] = result;
    return result;
  }
}
