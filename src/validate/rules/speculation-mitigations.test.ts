import { describe, expect, it } from 'vitest';
import { runRule } from '../rule.js';
import { hazardContext } from '../../../test/fixtures/hazard-context.js';
import { kernelSpec, layoutSpec } from '../../../test/fixtures/rule-context.js';
import { speculationMitigationsRule } from './speculation-mitigations.js';

describe('H19 speculation-mitigations', () => {
  it('warns for each setting a kernel does not share with the boot kernel', () => {
    const ctx = hazardContext(layoutSpec([kernelSpec('a', { cpus: '1,5', cmdline: 'mitigations=off nosmt=force' })]), { bootCmdline: 'tsx=off nosmt' });
    expect(runRule(speculationMitigationsRule, ctx)).toEqual([
      {
        severity: 'warning',
        rule: 'speculation-mitigations',
        hazard: 'H19',
        message:
          'kernel "a" has mitigations=off but the boot kernel has (not set): speculation controls are per core and per package, so kernels with different settings leave each other less protected than they believe',
        fix: 'remove mitigations=off from the cmdline of kernel "a": the boot kernel does not set mitigations=',
        path: ['kernels', 0, 'cmdline'],
        kernels: ['boot', 'a'],
      },
      {
        severity: 'warning',
        rule: 'speculation-mitigations',
        hazard: 'H19',
        message:
          'kernel "a" has nosmt=force but the boot kernel has nosmt: speculation controls are per core and per package, so kernels with different settings leave each other less protected than they believe',
        fix: "remove nosmt=force from the cmdline of kernel \"a\", or write nosmt there: the boot kernel's setting",
        path: ['kernels', 0, 'cmdline'],
        kernels: ['boot', 'a'],
      },
    ]);
  });

  it('stays quiet when the generated lines copy the boot kernel settings', () => {
    const ctx = hazardContext(layoutSpec([kernelSpec('a', { cpus: '1,5' }), kernelSpec('b', { cpus: '2,6', cmdline: 'tsx=off' })]), { bootCmdline: 'mitigations=auto,nosmt tsx=off' });
    expect(runRule(speculationMitigationsRule, ctx)).toEqual([]);
  });
});
