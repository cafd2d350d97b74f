import type { Diagnostic } from '../../spec/diagnostic.js';
import { formatSize } from '../../units/size.js';
import { kernelPath, quoted } from '../layout-lookup.js';
import { CMA_UNIT, roundUpToGiB } from '../parker-cma.js';
import type { Rule } from '../rule.js';

/** Parker allocates partition memory in whole GiB: none is an error, a fraction silently takes the next GiB. */
export const memoryWholeGibRule: Rule = {
  id: 'memory-whole-gib',
  description: 'each kernel asks for a whole number of GiB of memory, at least 1G',
  check(ctx) {
    const out: Diagnostic[] = [];
    for (const kernel of ctx.placement.kernels) {
      const path = kernelPath(kernel, 'memory');
      const asked = ctx.spec.kernels[kernel.index]?.memory ?? formatSize(kernel.memoryBytes);
      if (kernel.memoryBytes <= 0) {
        out.push({ severity: 'error', rule: 'memory-whole-gib', message: `kernel ${quoted(kernel.name)} asks for no memory ("${asked}")`, fix: 'memory: 1G or more', path, kernels: [kernel.name] });
      } else if (kernel.memoryBytes % CMA_UNIT !== 0) {
        const taken = formatSize(roundUpToGiB(kernel.memoryBytes));
        out.push({
          severity: 'warning',
          rule: 'memory-whole-gib',
          message: `kernel ${quoted(kernel.name)} asks for ${asked}, but Parker allocates whole GiB: it will take ${taken} from the pool`,
          fix: `memory: ${taken}`,
          path,
          kernels: [kernel.name],
        });
      }
    }
    return out;
  },
};
