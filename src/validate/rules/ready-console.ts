import { kernelPath, quoted } from '../layout-lookup.js';
import type { Finding, Rule } from '../rule.js';

/**
 * A kernel counts as up once its console shows its `ready` line (online is set before its
 * drivers probe). On a real host parker reads that console only from the kernel's
 * `consoleSource` (the boot kernel's end of its serial console, or a log file): without one,
 * apply refuses to start the kernel (before its start), so validation warns first. A warning,
 * not an error: a layout the host already runs still plans (to no steps).
 */
export const readyConsoleRule: Rule = {
  id: 'ready-console',
  description: "on a host, every kernel that waits for readiness names where its console is read from",
  check(ctx) {
    if (ctx.topology.machine.kind !== 'host') return [];
    const out: Finding[] = [];
    for (const kernel of ctx.placement.kernels) {
      const spec = ctx.spec.kernels[kernel.index];
      if (!spec || spec.ready === false || spec.consoleSource) continue;
      out.push({
        severity: 'warning',
        message: `kernel ${quoted(kernel.name)} is up only once its console shows /${spec.ready.pattern}/, and on this host parker can read that console only from its consoleSource, which it lacks`,
        fix: `set consoleSource for ${quoted(kernel.name)}: the boot kernel's end of its serial console (a tty device cabled to its port) or a file its console is logged to; or ready: false to count it up at online`,
        path: kernelPath(kernel),
        kernels: [kernel.name],
      });
    }
    return out;
  },
};
