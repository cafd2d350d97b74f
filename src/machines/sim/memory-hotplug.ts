import type { SimKernel } from './sim-kernel.js';
import { rangesOverlap } from '../../units/phys-range.js';

/**
 * memoryN/state and memoryN/online. The movable rule: a block in ZONE_MOVABLE holds only
 * movable pages and can go offline; a block in a kernel zone (DMA32, Normal) holds unmovable
 * kernel pages and refuses with EBUSY, as does a block inside a CMA pool. An offline block
 * can come back in its zone, or `online_movable` when Movable is one of its valid zones.
 */
/**
 * Whether online Movable blocks of the node lie both below and above a block: then the block
 * sits inside ZONE_MOVABLE and a plain `online` puts it back there. At the zone's edge the
 * zone shrinks when the block goes offline, and Linux offers Normal first (seen in the QEMU lab).
 */
function insideMovable(k: SimKernel, index: number, node: number | null): boolean {
  const movable = (b: { index: number; node: number | null }) =>
    b.node === node && k.text(`sys/devices/system/memory/memory${b.index}/state`) === 'online' && k.text(`sys/devices/system/memory/memory${b.index}/valid_zones`) === 'Movable';
  const blocks = k.hardware.memory.blocks;
  return blocks.some((b) => b.index < index && movable(b)) && blocks.some((b) => b.index > index && movable(b));
}

export function writeMemoryBlock(k: SimKernel, index: number, file: 'state' | 'online', value: string, path: string): void {
  const dir = `sys/devices/system/memory/memory${index}`;
  const block = k.hardware.memory.blocks.find((b) => b.index === index);
  if (!block) k.fail('ENOENT', 'write', path);
  const state = k.text(`${dir}/state`);
  const want =
    file === 'online'
      ? value === '1' ? 'online' : value === '0' ? 'offline' : k.fail('EINVAL', 'write', path, 'write 0 or 1')
      : value;
  // Online: valid_zones names the zone; offline: the first candidate is the zone it left.
  const zone = (k.text(`${dir}/valid_zones`) ?? block.zones[0] ?? 'Normal').split(' ')[0]!;
  if (want === 'offline') {
    if (state === 'offline') return;
    if (zone !== 'Movable') k.fail('EBUSY', 'write', path, `memory${index} is in zone ${zone} and holds unmovable kernel pages`);
    if ([...k.pools.values()].some((p) => rangesOverlap(p.range, block.range))) k.fail('EBUSY', 'write', path, `memory${index} is part of a CMA pool`);
    k.put(`${dir}/state`, 'offline');
    k.put(`${dir}/online`, 0);
    k.put(`${dir}/valid_zones`, zone === 'Movable' && insideMovable(k, index, block.node) ? 'Movable Normal' : `Normal Movable`);
    return;
  }
  if (!['online', 'online_movable', 'online_kernel'].includes(want)) k.fail('EINVAL', 'write', path, 'write online, offline, online_movable or online_kernel');
  if (state === 'online') return;
  const target = want === 'online_movable' ? 'Movable' : want === 'online_kernel' ? 'Normal' : zone;
  k.put(`${dir}/state`, 'online');
  k.put(`${dir}/online`, 1);
  k.put(`${dir}/valid_zones`, target);
}
