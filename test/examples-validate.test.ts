import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

interface Report {
  errors: number;
  warnings: number;
  diagnostics: { severity: string; rule: string; hazard?: string; location: { line?: number } }[];
}

async function validate(file: string): Promise<{ code: number; report: Report }> {
  const r = await runCli('validate', file, '--machine', 'sim', '-o', 'json');
  return { code: r.code, report: JSON.parse(r.stdout) as Report };
}

const found = (r: Report) => r.diagnostics.map((d) => `${d.severity} ${d.hazard ?? '-'} ${d.rule} @${d.location.line ?? '-'}`).sort();

// What docs/spec.md and each example's header say they show, on the default simulated server.
describe('the examples validate as documented', () => {
  it('default.yaml: clean apart from the DMA and ttyS0 notes (every kernel on one node, its devices local)', async () => {
    const { code, report } = await validate('examples/default.yaml');
    expect(code).toBe(0);
    expect(found(report)).toEqual(['info H13 iommu-passthrough @-', 'info H17 firmware-ports @-']);
  });

  it('tradeoff-spread.yaml: the H24 warning it was written to show, and the DMA and ttyS0 notes', async () => {
    const { code, report } = await validate('examples/tradeoff-spread.yaml');
    expect(code).toBe(4);
    expect(found(report)).toEqual(['info H13 iommu-passthrough @-', 'info H17 firmware-ports @-', 'warning H24 memory-node @23']);
  });

  for (const profile of ['balanced', 'latency', 'throughput']) {
    it(`profile-${profile}.yaml: clean apart from the DMA and ttyS0 notes`, async () => {
      const { code, report } = await validate(`examples/profile-${profile}.yaml`);
      expect(code).toBe(0);
      expect(found(report)).toEqual(['info H13 iommu-passthrough @-', 'info H17 firmware-ports @-']);
    });
  }

  it('wrong.yaml: every hazard it was written to show, at its line', async () => {
    const { code, report } = await validate('examples/wrong.yaml');
    expect(code).toBe(1);
    expect(found(report)).toEqual(
      [
        'error - unknown-key @20',
        'error H01 smt-siblings @31',
        'error H02 split-lock-detect @19',
        'error H02 split-lock-detect @29',
        'error H08 power-management @19',
        'error H10 reboot-panic @36',
        'error H15 pci-bridge @25',
        'error H16 pci-domain @34',
        'error H17 firmware-ports @28',
        'error H21 cpu-zero @15',
        'info H13 iommu-passthrough @-',
        'info H17 firmware-ports @-',
        'info - stop-command @13',
        'info - stop-command @21',
        'info - stop-command @30',
        'warning H03 wbinvd @22',
        'warning H03 wbinvd @31',
        'warning H10 reboot-panic @36',
        'warning H19 speculation-mitigations @29',
        'warning H19 speculation-mitigations @36',
      ].sort(),
    );
  });

  it('plan of default.yaml on the fresh simulated server: 3 kernels to create, 27 steps (each waits for its console; two devices each), better than first fit', async () => {
    const r = await runCli('plan', 'examples/default.yaml', '--machine', 'sim', '--compare', '-o', 'json');
    const plan = JSON.parse(r.stdout) as { plan: { kernels: { kernel: string; action: string }[]; steps: unknown[] }; placement: { score: number }; firstFitScore: number };
    expect(plan.plan.kernels.map((k) => [k.kernel, k.action])).toEqual([
      ['db', 'create'],
      ['web', 'create'],
      ['batch', 'create'],
    ]);
    expect(plan.plan.steps).toHaveLength(27);
    expect(plan.placement.score).toBeLessThan(plan.firstFitScore);
  });

  it('plan compares with first fit only when asked (--compare)', async () => {
    const r = await runCli('plan', 'examples/default.yaml', '--machine', 'sim', '-o', 'json');
    expect((JSON.parse(r.stdout) as { firstFitScore: number | null }).firstFitScore).toBeNull();
    expect((await runCli('plan', 'examples/default.yaml', '--machine', 'sim')).stdout).toContain('layout score 0 (lower is better)\n');
    const compared = await runCli('plan', 'examples/default.yaml', '--machine', 'sim', '--compare');
    expect(compared.stdout).toMatch(/layout score 0 \(lower is better\); a first-fit placement would score [1-9]\d*\n/);
  });
});
