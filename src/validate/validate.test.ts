import { describe, expect, test } from 'vitest';
import { parkerInterface } from '../../test/fixtures/kernel-interface.js';
import { hazardContext } from '../../test/fixtures/hazard-context.js';
import { BOOT_NVME, NODE1_NVME, ROOT_PORT, kernelSpec, layoutSpec, ruleContext } from '../../test/fixtures/rule-context.js';
import { hasErrors } from '../spec/diagnostic.js';
import type { Rule } from './rule.js';
import { RULES, validateLayout } from './validate.js';

describe('validateLayout', () => {
  test('every rule has its own id and a description, and every hazard H01-H25 has a rule (the Parker interface brings its own)', () => {
    const all = [...RULES, ...parkerInterface.rules];
    const ids = all.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(all.filter((r) => r.description.trim() === '').map((r) => r.id)).toEqual([]);
    const hazards = new Set(all.map((r) => r.hazard).filter((h) => h !== undefined));
    expect([...hazards].sort()).toEqual(Array.from({ length: 25 }, (_, i) => `H${String(i + 1).padStart(2, '0')}`));
  });

  test('runs resource and hazard rules and sorts what they find', () => {
    const spec = layoutSpec([kernelSpec('a', { cpus: '0-1', devices: [ROOT_PORT] }), kernelSpec('b', { cpus: '1,2', memory: '2G', devices: [BOOT_NVME] })]);
    const diagnostics = validateLayout(hazardContext(spec, { bootDependencies: { [BOOT_NVME]: 'root filesystem /' } }));
    const errors = diagnostics.filter((d) => d.severity === 'error').map((d) => [d.rule, d.path]);
    expect(errors).toEqual(
      expect.arrayContaining([
        ['cpu-zero', ['kernels', 0, 'cpus']],
        ['pci-bridge', ['kernels', 0, 'devices', 0]],
        ['cpu-overlap', ['kernels', 1, 'cpus']],
        ['boot-device', ['kernels', 1, 'devices', 0]],
      ]),
    );
    const rank = { error: 0, warning: 1, info: 2 };
    expect(diagnostics.map((d) => rank[d.severity])).toEqual(diagnostics.map((d) => rank[d.severity]).sort());
  });

  test('a sound layout has no errors', () => {
    const spec = layoutSpec([kernelSpec('a', { cpus: '2-3,6-7', memory: '4G', devices: [NODE1_NVME] })]);
    const diagnostics = validateLayout(hazardContext(spec, { bootCmdline: 'ro parker_cma=0:8G,1:8G iommu=pt' }));
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(hasErrors(diagnostics)).toBe(false);
  });

  test('sorts by severity, then path, then rule', () => {
    const fixed = (rule: string, severity: 'error' | 'warning', path?: (string | number)[]): Rule => ({
      id: rule,
      description: rule,
      check: () => [{ severity, message: rule, ...(path ? { path } : {}) }],
    });
    const rules = [fixed('w', 'warning', ['kernels', 0]), fixed('b', 'error', ['kernels', 10]), fixed('a', 'error', ['kernels', 2]), fixed('c', 'error')];
    expect(validateLayout(ruleContext(layoutSpec([])), rules).map((d) => d.rule)).toEqual(['c', 'a', 'b', 'w']);
  });

  test("stamps each finding with its rule's id and hazard; a finding may override the hazard", () => {
    const rule: Rule = {
      id: 'stamped',
      hazard: 'H25',
      description: 'stamped',
      check: () => [
        { severity: 'error', message: 'default', kernels: ['a'] },
        { severity: 'warning', hazard: 'H24', message: 'override' },
      ],
    };
    const plain: Rule = { id: 'plain', description: 'plain', check: () => [{ severity: 'info', message: 'no hazard' }] };
    const found = validateLayout(ruleContext(layoutSpec([])), [...RULES.slice(0, 1), rule, plain]);
    expect(found).toEqual([
      { severity: 'error', rule: 'stamped', hazard: 'H25', message: 'default', kernels: ['a'] },
      { severity: 'warning', rule: 'stamped', hazard: 'H24', message: 'override' },
      { severity: 'info', rule: 'plain', message: 'no hazard' },
    ]);
    expect(Object.keys(found[0]!)).toEqual(['severity', 'rule', 'hazard', 'message', 'kernels']);
    expect('hazard' in found[2]!).toBe(false);
  });
});
