import { formatCpuList } from '../../units/cpulist.js';
import { quoted } from '../layout-lookup.js';
import type { Finding, Rule } from '../rule.js';

/**
 * H24: Parker takes all of a partition's memory from the NUMA node of its first CPU, and it
 * keeps `cpus` as a CPU mask, so "first" is the lowest-numbered CPU whatever order the list was
 * written in. A kernel whose CPUs span nodes reaches that memory remotely from the others
 * (warning), and when most of its CPUs are on another node, that node is probably the one
 * meant. Whether that node's CMA pool is large enough is memory-cma's finding.
 */
export const memoryNodeRule: Rule = {
  id: 'memory-node',
  hazard: 'H24',
  description: "a kernel's CPUs are on the node its memory comes from",
  check(ctx) {
    const out: Finding[] = [];
    const nodeOf = new Map(ctx.topology.cpu.map((c) => [c.id, c.node]));
    for (const kernel of ctx.placement.kernels) {
      const first = kernel.cpus.length === 0 ? undefined : Math.min(...kernel.cpus);
      const memoryNode = kernel.memoryNode ?? (first === undefined ? null : (nodeOf.get(first) ?? null));
      if (memoryNode === null) continue;
      const byNode = new Map<number, number[]>();
      for (const cpu of kernel.cpus) {
        const node = nodeOf.get(cpu);
        if (node === null || node === undefined) continue;
        byNode.set(node, [...(byNode.get(node) ?? []), cpu]);
      }
      if (byNode.size < 2) continue;
      const remote = [...byNode].filter(([node]) => node !== memoryNode).flatMap(([, cpus]) => cpus);
      const [busiest, busiestCpus] = [...byNode].sort(([a, x], [b, y]) => y.length - x.length || a - b)[0]!;
      const nodes = [...byNode.keys()].sort((a, b) => a - b);
      const reorder = busiest !== memoryNode && busiestCpus.length > (byNode.get(memoryNode)?.length ?? 0);
      out.push({
        severity: 'warning',
        message: `kernel ${quoted(kernel.name)} has CPUs on NUMA nodes ${nodes.join(', ')}, but all its memory comes from node ${memoryNode} (the node of its lowest-numbered CPU, ${first}): CPU${remote.length > 1 ? 's' : ''} ${formatCpuList(remote)} reach it remotely`,
        fix: reorder
          ? `keep it on node ${busiest}, where most of its CPUs are (placement: nodes, nodes: [${busiest}]), or make its lowest-numbered CPU one of node ${busiest} (such as ${busiestCpus[0]})`
          : `keep it on one node: a CPU count with placement: nodes, nodes: [${memoryNode}], or CPUs of node ${memoryNode} only`,
        path: ['kernels', kernel.index, 'cpus'],
        kernels: [kernel.name],
      });
    }
    return out;
  },
};
