import type { Diagnostic } from '../../spec/diagnostic.js';
import { kernelPath, quoted } from '../layout-lookup.js';
import type { Rule } from '../rule.js';

/**
 * NUMA nodes a count selection is pinned to exist and have CPUs, and every kernel's memory
 * node (the node of its first CPU, where Parker takes its memory) is a node of the machine.
 */
export const nodeExistsRule: Rule = {
  id: 'node-exists',
  description: 'NUMA nodes named in the spec, and each kernel memory node, exist on the machine',
  check(ctx) {
    const nodes = new Map(ctx.topology.nodes.map((n) => [n.id, n]));
    const withCpus = ctx.topology.nodes.filter((n) => n.hasCpu && n.cpus.length > 0).map((n) => n.id);
    const out: Diagnostic[] = [];
    ctx.spec.kernels.forEach((kernel, index) => {
      if (typeof kernel.cpus === 'string') return;
      (kernel.cpus.nodes ?? []).forEach((id, j) => {
        const node = nodes.get(id);
        const path = ['kernels', index, 'cpus', 'nodes', j];
        const fix = `choose among the nodes with CPUs: ${withCpus.join(', ')}`;
        if (node === undefined) {
          out.push({ severity: 'error', rule: 'node-exists', message: `kernel ${quoted(kernel.name)} asks for NUMA node ${id}, which the machine does not have`, fix, path, kernels: [kernel.name] });
        } else if (!node.hasCpu || node.cpus.length === 0) {
          out.push({ severity: 'error', rule: 'node-exists', message: `kernel ${quoted(kernel.name)} asks for CPUs on NUMA node ${id}, which has memory but no CPUs`, fix, path, kernels: [kernel.name] });
        }
      });
    });
    const cpus = new Map(ctx.topology.cpu.map((c) => [c.id, c]));
    for (const kernel of ctx.placement.kernels) {
      const first = kernel.cpus[0];
      // A CPU the machine lacks is cpu-exists' finding.
      if (first === undefined || !cpus.has(first)) continue;
      if (kernel.memoryNode === null) {
        out.push({
          severity: 'warning',
          rule: 'node-exists',
          message: `the NUMA node of CPU ${first}, the first CPU of kernel ${quoted(kernel.name)}, is unknown, so neither is the pool its memory comes from`,
          fix: 'discover the machine with its CPUs online so their nodes are known, or check the memory pools by hand',
          path: kernelPath(kernel, 'cpus'),
          kernels: [kernel.name],
        });
      } else if (!nodes.has(kernel.memoryNode)) {
        out.push({
          severity: 'error',
          rule: 'node-exists',
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
