import { describe, expect, it } from 'vitest';
import { runRule } from '../rule.js';
import { hazardContext } from '../../../test/fixtures/hazard-context.js';
import { kernelSpec, layoutSpec } from '../../../test/fixtures/rule-context.js';
import { packageThermalRule } from './package-thermal.js';

describe('H07 package-thermal', () => {
  it('warns about a .config building package thermal drivers', () => {
    const ctx = hazardContext(layoutSpec([kernelSpec('a', { cpus: '1,5', config: 'a.config' })]), {
      configs: { a: 'CONFIG_X86_PKG_TEMP_THERMAL=m\nCONFIG_INTEL_POWERCLAMP=y\n# CONFIG_INTEL_TCC_COOLING is not set\n' },
    });
    expect(runRule(packageThermalRule, ctx)).toEqual([
      {
        severity: 'warning',
        rule: 'package-thermal',
        hazard: 'H07',
        message:
          'the .config of kernel "a" enables CONFIG_X86_PKG_TEMP_THERMAL, CONFIG_INTEL_POWERCLAMP: these drive package-wide thermal state that the boot kernel and other kernels on the package share',
        fix: 'build it with # CONFIG_X86_PKG_TEMP_THERMAL is not set, # CONFIG_INTEL_POWERCLAMP is not set',
        path: ['kernels', 0, 'config'],
        kernels: ['a'],
      },
    ]);
  });

  it('stays quiet without a .config or with the drivers off', () => {
    const ctx = hazardContext(layoutSpec([kernelSpec('a', { cpus: '1,5', config: 'a.config' }), kernelSpec('b', { cpus: '2,6' })]), {
      configs: { a: '# CONFIG_X86_PKG_TEMP_THERMAL is not set\nCONFIG_INTEL_HFI_THERMAL=n\n' },
    });
    expect(runRule(packageThermalRule, ctx)).toEqual([]);
  });
});
