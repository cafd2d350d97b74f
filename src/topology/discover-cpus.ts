import type { KernelFiles } from './kernel-files.js';
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
 * offline as possible minus online (which is how the kernel prints it).
 */
export function discoverCpuSets(files: KernelFiles): CpuSetsDiscovery {
  const dirs = files.numbered(CPU_DIR, 'cpu');
  const withDir = new Set(dirs);
  const present = files.cpuList(`${CPU_DIR}/present`) ?? dirs;
  const possible = files.cpuList(`${CPU_DIR}/possible`) ?? present;
  const online = files.cpuList(`${CPU_DIR}/online`) ?? dirs.filter((cpu) => files.int(`${cpuDir(cpu)}/online`) !== 0);
  const onlineSet = new Set(online);
  const offline = files.cpuList(`${CPU_DIR}/offline`) ?? possible.filter((cpu) => !onlineSet.has(cpu));
  return { sets: { possible, present, online, offline }, withDir };
}

/** What cpuN/topology says about one CPU; thread siblings share all of it. */
interface Placement {
  package: number | null;
  die: number | null;
  cluster: number | null;
  core: number | null;
  threadSiblings: number[] | null;
}

const UNPLACED: Placement = { package: null, die: null, cluster: null, core: null, threadSiblings: null };

/**
 * cpuN/topology attributes discovery reads; older kernels and other architectures lack some
 * (die_id from 5.2 and x86 only, cluster_id from 5.16).
 */
const TOPOLOGY_FILES = [
  'physical_package_id',
  'core_siblings_list',
  'die_id',
  'die_cpus_list',
  'cluster_id',
  'cluster_cpus_list',
  'core_id',
  'thread_siblings_list',
] as const;
type TopologyFile = (typeof TOPOLOGY_FILES)[number];

/**
 * Ids shared by a group of CPUs, with the file listing the group's CPUs. Reading the list
 * once per group spares reading the id once per CPU. core_siblings_list is the older name of
 * package_cpus_list and exists on every kernel.
 */
const GROUPS = [
  { field: 'package', id: 'physical_package_id', members: 'core_siblings_list' },
  { field: 'die', id: 'die_id', members: 'die_cpus_list' },
  { field: 'cluster', id: 'cluster_id', members: 'cluster_cpus_list' },
] as const;

/** x86 prints an unknown cluster (BAD_APICID) as 65535; other architectures print -1. */
const X86_UNKNOWN_CLUSTER = 0xffff;

/**
 * One record per CPU that is possible, present or has a directory, sorted by id, with `llc`
 * left null for the cache pass. Offline CPUs have no topology directory, so their placement
 * is null; their node comes from the cpuN/nodeM link, or else from the node cpulists.
 */
export function discoverCpus(
  files: KernelFiles,
  { sets, withDir }: CpuSetsDiscovery,
  nodeOfCpu: ReadonlyMap<number, number>,
  numa: boolean,
): Cpu[] {
  const online = new Set(sets.online);
  const ids = [...new Set([...sets.possible, ...sets.present, ...withDir])].sort((a, b) => a - b);
  const present = probeTopologyFiles(files, sets.online.filter((cpu) => withDir.has(cpu)));
  const reader = new PlacementReader(files, present, online);

  return ids.map((id): Cpu => {
    const dir = cpuDir(id);
    const hasDir = withDir.has(id);
    const hotpluggable = hasDir && files.fs.exists(`${dir}/online`);
    const isOnline = online.has(id);

    const placement = isOnline && hasDir ? reader.placement(id) : UNPLACED;

    let node: number | null;
    if (!numa) node = 0;
    else if (isOnline) node = nodeOfCpu.get(id) ?? (hasDir ? files.linkedNode(dir) : null);
    else node = (hasDir ? files.linkedNode(dir) : null) ?? nodeOfCpu.get(id) ?? null;

    const threadSiblings = placement.threadSiblings === null ? null : [...placement.threadSiblings];
    return { id, online: isOnline, hotpluggable, ...placement, threadSiblings, node, llc: null };
  });
}

/**
 * Which topology files this kernel writes, from the first online CPU that has a topology
 * directory. Every CPU of a kernel has the same set, so the others skip the absent ones
 * instead of failing to read them thousands of times.
 */
function probeTopologyFiles(files: KernelFiles, onlineWithDir: readonly number[]): Set<TopologyFile> {
  for (const cpu of onlineWithDir) {
    const dir = `${cpuDir(cpu)}/topology`;
    if (!files.fs.isDirectory(dir)) continue;
    return new Set(TOPOLOGY_FILES.filter((name) => files.fs.exists(`${dir}/${name}`)));
  }
  return new Set();
}

/**
 * Reads the placement of online CPUs. Thread siblings share a core, so one CPU's reads
 * place all its siblings; package, die and cluster ids are learned once per group.
 */
class PlacementReader {
  private readonly fromSibling = new Map<number, Placement>();
  private readonly groupIds = new Map<(typeof GROUPS)[number]['field'], Map<number, number | null>>();

  constructor(
    private readonly files: KernelFiles,
    private readonly present: ReadonlySet<TopologyFile>,
    private readonly online: ReadonlySet<number>,
  ) {
    for (const group of GROUPS) this.groupIds.set(group.field, new Map());
  }

  placement(cpu: number): Placement {
    const known = this.fromSibling.get(cpu);
    if (known !== undefined) {
      this.fromSibling.delete(cpu);
      return known;
    }
    const dir = `${cpuDir(cpu)}/topology`;
    const placement: Placement = {
      package: this.groupId(cpu, dir, GROUPS[0]),
      die: this.groupId(cpu, dir, GROUPS[1]),
      cluster: this.groupId(cpu, dir, GROUPS[2]),
      core: this.read(dir, 'core_id'),
      threadSiblings: this.present.has('thread_siblings_list') ? this.files.cpuList(`${dir}/thread_siblings_list`) : null,
    };
    if (placement.cluster === X86_UNKNOWN_CLUSTER) placement.cluster = null;
    for (const sibling of placement.threadSiblings ?? []) {
      if (sibling !== cpu && this.online.has(sibling)) this.fromSibling.set(sibling, placement);
    }
    return placement;
  }

  private read(dir: string, name: TopologyFile): number | null {
    return this.present.has(name) ? this.files.id(`${dir}/${name}`) : null;
  }

  private groupId(cpu: number, dir: string, group: (typeof GROUPS)[number]): number | null {
    const ids = this.groupIds.get(group.field)!;
    const known = ids.get(cpu);
    if (known !== undefined) return known;
    const id = this.read(dir, group.id);
    const members = this.present.has(group.members) ? this.files.cpuList(`${dir}/${group.members}`) : null;
    for (const member of members ?? []) ids.set(member, id);
    return id;
  }
}
