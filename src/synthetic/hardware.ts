import { groupCores, groupPackages } from '../topology/group-cpus.js';
import type { HardwareStructure } from '../topology/hardware-topology.js';
import { mergeCaches, type CacheDiscovery, type FoundCache } from '../topology/discover-caches.js';
import type { Cpu } from '../topology/model.js';
import { SYNTHETIC_CACHES, type SyntheticLayout } from './layout.js';

/**
 * The structure of a synthetic machine (CPUs, packages, cores, caches) straight from its
 * layout, as discovery reads it back from the machine's tree: what a recorded hardware
 * topology gives the simulator, so that planning against a synthetic machine reads only what
 * changes (discoverOverHardware) instead of every CPU's topology and cache files.
 * test/synthetic-hardware.test.ts holds the result to whole discovery on many descriptions.
 */
export function syntheticHardware(layout: SyntheticLayout): HardwareStructure {
  const { caches, llcOf } = syntheticCaches(layout);
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
    llc: llcOf.get(c.id) ?? null,
  }));
  return { cpu, packages: groupPackages(cpu), cores: groupCores(cpu), caches };
}

/**
 * The data and unified caches the tree's cpuN/cache/indexK describe (instruction caches are
 * left out, as discovery leaves them), merged and ordered as discovery merges them.
 */
function syntheticCaches(layout: SyntheticLayout): CacheDiscovery {
  const { groups, description } = layout;
  const { pu } = description.levels;
  // Index K of the tree: the CPUs sharing each instance; an instance's id is its place here.
  const instances = [groups.core, groups.core, groups.l2, groups.l3];
  const found: FoundCache[] = [];
  SYNTHETIC_CACHES.forEach((shape, index) => {
    if (shape.type === 'Instruction') return;
    instances[index]!.forEach((cpus, id) => {
      const coresSharing = shape.level === 1 ? 1 : cpus.length / pu;
      found.push({ index, cache: { level: shape.level, type: shape.type, sizeBytes: shape.kbPerCore * coresSharing * 1024, id, cpus: cpus.slice() } });
    });
  });
  return mergeCaches(found);
}
