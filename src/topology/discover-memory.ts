import { NODE_DIR } from './discover-nodes.js';
import type { KernelFiles } from './kernel-files.js';
import type { MemoryBlock } from './model.js';

export const MEMORY_DIR = 'sys/devices/system/memory';

export interface MemoryBlocksDiscovery {
  blockSizeBytes: number | null;
  blocks: MemoryBlock[];
}

/**
 * Memory blocks from sys/devices/system/memory/memoryN. Block N spans
 * [N * block size, (N + 1) * block size - 1]; without block_size_bytes no range is known and
 * no block is reported. The node of each block comes from the nodeN/memoryM links (one
 * listing per node rather than one per block), else from the block's own nodeM link.
 * `nodeIds` is null on a kernel without NUMA, where every block is on node 0.
 */
export function discoverMemoryBlocks(files: KernelFiles, nodeIds: readonly number[] | null): MemoryBlocksDiscovery {
  const blockSizeBytes = files.hex(`${MEMORY_DIR}/block_size_bytes`);
  if (blockSizeBytes === null || blockSizeBytes === 0) return { blockSizeBytes, blocks: [] };

  const nodeOfBlock = new Map<number, number>();
  for (const node of nodeIds ?? []) {
    const dir = `${NODE_DIR}/node${node}`;
    for (const block of files.numbered(dir, 'memory')) {
      if (files.fs.readlink(`${dir}/memory${block}`) !== null) nodeOfBlock.set(block, node);
    }
  }

  const blocks = files.numbered(MEMORY_DIR, 'memory').map((index): MemoryBlock => {
    const dir = `${MEMORY_DIR}/memory${index}`;
    const state = files.text(`${dir}/state`);
    const online = state !== null ? state === 'online' : onlineFlag(files.int(`${dir}/online`));
    const removable = files.int(`${dir}/removable`);
    return {
      index,
      range: { start: index * blockSizeBytes, end: (index + 1) * blockSizeBytes - 1 },
      state,
      online,
      zones: zonesOf(files.text(`${dir}/valid_zones`)),
      removable: removable === null ? null : removable !== 0,
      node: nodeIds === null ? 0 : (nodeOfBlock.get(index) ?? files.linkedNode(dir)),
    };
  });
  return { blockSizeBytes, blocks };
}

function onlineFlag(value: number | null): boolean | null {
  return value === null ? null : value !== 0;
}

/**
 * valid_zones names the zone of an online block, or the zones an offline block could join
 * ("DMA32 Normal Movable"). "none" (a block spanning zones or holes) names no zone.
 */
function zonesOf(text: string | null): string[] {
  if (text === null || text === '' || text === 'none') return [];
  return text.split(/\s+/);
}
