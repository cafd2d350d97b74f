import { isEnabled, parseKernelConfig } from '../kernel-config.js';
import type { Finding, Rule } from '../rule.js';
import { applicationLines, kernelLabel } from '../kernel-lines.js';

/** Drivers that program package-wide thermal state: thresholds and interrupt, TCC offset, idle injection, HFI table. */
export const PACKAGE_THERMAL_OPTIONS = ['X86_PKG_TEMP_THERMAL', 'INTEL_TCC_COOLING', 'INTEL_POWERCLAMP', 'INTEL_HFI_THERMAL'] as const;

/**
 * H07: package thermal registers and the thermal interrupt are package-wide. Parker turns Intel
 * thermal handling off in application kernels; a .config that builds these drivers in may
 * drive them anyway (warning).
 */
export const packageThermalRule: Rule = {
  id: 'package-thermal',
  hazard: 'H07',
  description: 'application kernels are not built with package thermal drivers',
  needsPlacement: false,
  check(ctx) {
    const out: Finding[] = [];
    for (const line of applicationLines(ctx)) {
      const text = ctx.configs.get(line.name);
      if (text === undefined || line.index === null) continue;
      const config = parseKernelConfig(text);
      const enabled = PACKAGE_THERMAL_OPTIONS.filter((name) => isEnabled(config, name));
      if (enabled.length === 0) continue;
      out.push({
        severity: 'warning',
        message: `the .config of ${kernelLabel(line)} enables ${enabled.map((n) => `CONFIG_${n}`).join(', ')}: these drive package-wide thermal state that the boot kernel and other kernels on the package share`,
        fix: `build it with ${enabled.map((n) => `# CONFIG_${n} is not set`).join(', ')}`,
        path: ['kernels', line.index, 'config'],
        kernels: [line.name],
      });
    }
    return out;
  },
};
