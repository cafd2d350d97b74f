import { kernelPath, quoted } from '../layout-lookup.js';
import type { Finding, Rule } from '../rule.js';

/**
 * Every kernel's memory node (the node of its first CPU, where Parker takes its memory) is a
 * known node of the machine. Nodes named in `cpus.nodes` are placement's finding
 * ("cpu-nodes-unknown"): a count cannot be placed on them.
 */
export const nodeExistsRule: Rule = {
  id: 'node-exists',
  description: "each kernel's memory node is a known NUMA node of the machine",
  check(ctx) {
    const nodes = new Set(ctx.topology.nodes.map((n) => n.id));
    const cpus = new Set(ctx.topology.cpu.map((c) => c.id));
    const out: Finding[] = [];
    for (const kernel of ctx.placement.kernels) {
      const first = kernel.cpus[0];
      // A CPU the machine lacks is cpu-exists' finding.
      if (first === undefined || !cpus.has(first)) continue;
      if (kernel.memoryNode === null) {
        out.push({
          severity: 'warning',
          message: `the NUMA node of CPU ${first}, the first CPU of kernel ${quoted(kernel.name)}, is unknown, so neither is the pool its memory comes from`,
          fix: 'discover the machine with its CPUs online so their nodes are known, or check the memory pools by hand',
          path: kernelPath(kernel, 'cpus'),
          kernels: [kernel.name],
        });
      } else if (!nodes.has(kernel.memoryNode)) {
        out.push({
          severity: 'error',
          message: `kernel ${quoted(kernel.name)} would take its memory from NUMA node ${kernel.memoryNode}, which the machine does not have`,
          fix: `put a CPU of a node with memory first in its CPU list (nodes: ${ctx.topology.nodes.filter((n) => n.hasMemory).map((n) => n.id).join(', ')})`,
          path: kernelPath(kernel, 'cpus'),
          kernels: [kernel.name],
        });
      }
    }
    return out;
  },
};
