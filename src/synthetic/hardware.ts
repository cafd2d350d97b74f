import { groupCores, groupPackages } from '../topology/group-cpus.js';
import type { HardwareStructure } from '../topology/hardware-topology.js';
import type { Cache, Cpu } from '../topology/model.js';
import { SYNTHETIC_CACHES, type SyntheticLayout } from './layout.js';

/**
 * The structure of a synthetic machine (CPUs, packages, cores, caches) straight from its
 * layout, as discovery reads it back from the machine's tree: what a recorded hardware
 * topology gives the simulator, so that planning against a synthetic machine reads only what
 * changes (discoverOverHardware) instead of every CPU's topology and cache files.
 * test/synthetic-hardware.test.ts holds the result to whole discovery on many descriptions.
 */
export function syntheticHardware(layout: SyntheticLayout): HardwareStructure {
  const { caches, l3Index } = syntheticCaches(layout);
  const cpu: Cpu[] = layout.cpus.map((c) => ({
    id: c.id,
    online: true,
    hotpluggable: c.id !== 0,
    package: c.package,
    die: c.die,
    cluster: c.l2,
    core: c.coreId,
    threadSiblings: layout.groups.core[c.core]!.slice(),
    node: c.node,
    llc: l3Index[c.l3] ?? null,
  }));
  return { cpu, packages: groupPackages(cpu), cores: groupCores(cpu), caches };
}

/**
 * The data and unified caches the tree's cpuN/cache/indexK describe (instruction caches are
 * left out, as discovery leaves them), in discovery's order: by level, first CPU, type, then
 * index; one per level, type and set of CPUs. With each L3 instance's place in that list.
 */
function syntheticCaches(layout: SyntheticLayout): { caches: Cache[]; l3Index: number[] } {
  const { groups, description } = layout;
  const { pu } = description.levels;
  // Index K of the tree: the CPUs sharing each instance; an instance's id is its place here.
  const instances = [groups.core, groups.core, groups.l2, groups.l3];
  const found: { cache: Cache; index: number; id: number }[] = [];
  SYNTHETIC_CACHES.forEach((shape, index) => {
    if (shape.type === 'Instruction') return;
    instances[index]!.forEach((cpus, id) => {
      const coresSharing = shape.level === 1 ? 1 : cpus.length / pu;
      found.push({ index, id, cache: { level: shape.level, type: shape.type, sizeBytes: shape.kbPerCore * coresSharing * 1024, id, cpus: cpus.slice() } });
    });
  });
  found.sort(({ cache: a, index: i }, { cache: b, index: j }) => a.level - b.level || a.cpus[0]! - b.cpus[0]! || (a.type < b.type ? -1 : a.type > b.type ? 1 : 0) || i - j);
  const seen = new Set<string>();
  const caches: Cache[] = [];
  const l3Index: number[] = [];
  for (const { cache, index, id } of found) {
    const key = `${cache.level} ${cache.type} ${cache.cpus.join(',')}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (index === 3) l3Index[id] = caches.length;
    caches.push(cache);
  }
  return { caches, l3Index };
}
