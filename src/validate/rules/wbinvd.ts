import { lookup } from '../../plan/cmdline-params.js';
import { isEnabled, parseKernelConfig } from '../kernel-config.js';
import { listWords, quoted } from '../layout-lookup.js';
import type { Finding, Rule } from '../rule.js';
import { allLines, kernelLabel, origin, ownerLabel, paramPath, removalFix } from '../kernel-lines.js';
import { llcAlignedFix, llcNeighbours, llcSize } from '../ownership.js';

/**
 * H03: WBINVD writes back and empties the caches a CPU shares, stalling every kernel on them.
 * Memory encryption issues it on every page-attribute change (error). kexec inside an
 * application kernel issues it on all its CPUs (warning on a .config with KEXEC). CPU hot-unplug
 * issues it too, but x86 kernels cannot be built without it: the docs say not to offline CPUs
 * in an application kernel. And the boot kernel offlines CPUs whenever a partition starts, so
 * a kernel sharing a last-level cache with another one sees those flushes (warning). For
 * `latency` kernels that last case is H23's finding, which says the same fix.
 */
export const wbinvdRule: Rule = {
  id: 'wbinvd',
  hazard: 'H03',
  description: 'no kernel issues WBINVD in normal operation; kernels sharing an LLC are told',
  check(ctx) {
    const out: Finding[] = [];
    for (const line of allLines(ctx)) {
      const encrypt = lookup(line.params, 'mem_encrypt');
      const config = line.index === null ? undefined : ctx.configs.get(line.name);
      const parsed = config === undefined ? undefined : parseKernelConfig(config);
      const onByDefault = encrypt === undefined && parsed !== undefined && isEnabled(parsed, 'AMD_MEM_ENCRYPT_ACTIVE_BY_DEFAULT');
      if (encrypt?.value === 'on' || onByDefault) {
        out.push({
          severity: 'error',
          message: `${kernelLabel(line)} turns memory encryption on (${encrypt ? `mem_encrypt=on ${origin(line, encrypt)}` : 'its .config sets AMD_MEM_ENCRYPT_ACTIVE_BY_DEFAULT'}): it flushes shared caches with WBINVD, and Parker kernels must not use SME`,
          fix: encrypt ? removalFix(line, encrypt) : `add mem_encrypt=off to the cmdline of ${kernelLabel(line)}`,
          path: paramPath(line, encrypt),
          kernels: [line.name],
        });
      }
      if (parsed !== undefined && line.index !== null) {
        const kexec = ['KEXEC', 'KEXEC_FILE'].filter((name) => isEnabled(parsed, name));
        if (kexec.length > 0) {
          out.push({
            severity: 'warning',
            message: `the .config of ${kernelLabel(line)} enables ${kexec.map((n) => `CONFIG_${n}`).join(' and ')}: a kexec inside an application kernel flushes the caches it shares with WBINVD and starts a kernel that is not Parker's to start`,
            fix: `build it with ${kexec.map((n) => `# CONFIG_${n} is not set`).join(' and ')}, or never run kexec inside it`,
            path: ['kernels', line.index, 'config'],
            kernels: [line.name],
          });
        }
      }
    }
    for (const kernel of ctx.placement.kernels) {
      if (ctx.spec.kernels[kernel.index]?.profile === 'latency') continue;
      const neighbours = llcNeighbours(ctx, kernel);
      if (neighbours.length === 0) continue;
      const size = llcSize(ctx, kernel);
      out.push({
        severity: 'warning',
        message: `kernel ${quoted(kernel.name)} shares a last-level cache with ${listWords(neighbours.map(ownerLabel))}: WBINVD there (CPU offlining when partitions start or stop, kexec) empties its cache`,
        fix: llcAlignedFix(ctx, size),
        path: ['kernels', kernel.index, 'cpus'],
        kernels: [kernel.name, ...neighbours],
      });
    }
    return out;
  },
};
