import { formatSize, formatSizeHuman } from '../../../units/size.js';
import { kernelPath, quoted } from '../../../validate/layout-lookup.js';
import type { Finding, Rule } from '../../../validate/rule.js';
import { madePools } from '../../../validate/rules/memory-cma.js';

/** The Parker control structure holds at most 512 APIC ids and 256 PCI ids. */
export const MAX_PARTITION_CPUS = 512;
export const MAX_PARTITION_DEVICES = 256;

/** H25: per-partition limits, and no partition larger than the memory of the node it comes from. */
export const partitionLimitsRule: Rule = {
  id: 'partition-limits',
  hazard: 'H25',
  description: `at most ${MAX_PARTITION_CPUS} CPUs and ${MAX_PARTITION_DEVICES} PCI devices per partition, memory within its node`,
  check(ctx) {
    const out: Finding[] = [];
    const nodes = new Map(ctx.topology.nodes.map((n) => [n.id, n]));
    for (const kernel of ctx.placement.kernels) {
      const base = { severity: 'error' as const, kernels: [kernel.name] };
      const cpus = new Set(kernel.cpus).size;
      if (cpus > MAX_PARTITION_CPUS) {
        out.push({
          ...base,
          message: `kernel ${quoted(kernel.name)} has ${cpus} CPUs; a Parker partition holds at most ${MAX_PARTITION_CPUS}`,
          fix: `give it at most ${MAX_PARTITION_CPUS} CPUs, or split it into two kernels`,
          path: kernelPath(kernel, 'cpus'),
        });
      }
      const devices = new Set(kernel.devices).size;
      if (devices > MAX_PARTITION_DEVICES) {
        out.push({
          ...base,
          message: `kernel ${quoted(kernel.name)} has ${devices} PCI devices; a Parker partition holds at most ${MAX_PARTITION_DEVICES}`,
          fix: `give it at most ${MAX_PARTITION_DEVICES} devices, or split it into two kernels`,
          path: kernelPath(kernel, 'devices'),
        });
      }
      const node = kernel.memoryNode === null ? undefined : nodes.get(kernel.memoryNode);
      const capacity = node?.memoryBytes ?? null;
      if (node !== undefined && capacity !== null && kernel.memoryBytes > capacity) {
        out.push({
          ...base,
          message: `kernel ${quoted(kernel.name)} asks for ${formatSize(kernel.memoryBytes)}, more than the ${formatSizeHuman(capacity)} of NUMA node ${node.id} its memory comes from (one contiguous range on its first CPU's node)`,
          fix: poolFix(node.id, capacity, madePools(ctx.topology)?.get(node.id) ?? null),
          path: kernelPath(kernel, 'memory'),
        });
      }
    }
    return out;
  },
};

/** The most a kernel's memory can be on its node: the node's memory, and its CMA pool when the running kernel shows it. */
function poolFix(node: number, capacity: number, pool: number | null): string {
  if (pool === null) return `memory: ${Math.floor(capacity / 2 ** 30)}G or less, and less than the CMA pool of node ${node}`;
  if (pool < 2 ** 30) return `place the kernel on another node: the CMA pool of node ${node} holds ${formatSizeHuman(pool)}, less than the 1 GiB a partition takes`;
  return `memory: ${Math.floor(Math.min(capacity, pool) / 2 ** 30)}G or less (the CMA pool of node ${node} holds ${formatSizeHuman(pool)}, shared by the kernels whose memory comes from it), or place the kernel on a node with more`;
}
