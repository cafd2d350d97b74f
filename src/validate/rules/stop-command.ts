import { kernelPath, quoted } from '../layout-lookup.js';
import type { Finding, Rule } from '../rule.js';

/**
 * Parker has no stop file: a kernel stops only by powering itself off, and `stop:` is how
 * parker asks it to. Without one, stop, destroy and a layout that changes or removes the
 * kernel are refused while it runs (E_CANNOT_STOP). A note, not a warning: a kernel meant to
 * run until the machine reboots is a fair design.
 */
export const stopCommandRule: Rule = {
  id: 'stop-command',
  description: 'every kernel says how parker asks it to power off, or is noted as one parker cannot stop',
  check(ctx) {
    const out: Finding[] = [];
    for (const kernel of ctx.placement.kernels) {
      const spec = ctx.spec.kernels[kernel.index];
      if (!spec || spec.stop) continue;
      out.push({
        severity: 'info',
        message: `kernel ${quoted(kernel.name)} has no stop command: once it runs, parker cannot stop it, and stop, destroy and a layout that changes it are refused until it powers itself off`,
        fix: `give ${quoted(kernel.name)} stop: { command: [ssh, root@HOST, poweroff] } (an argv run on the boot kernel), or power it off from inside when it must stop`,
        path: kernelPath(kernel),
        kernels: [kernel.name],
      });
    }
    return out;
  },
};
