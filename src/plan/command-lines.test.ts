import { describe, expect, it } from 'vitest';
import { explicitPlacement, kernelSpec, layoutSpec, NODE1_NVME, smallTopology } from '../../test/fixtures/rule-context.js';
import type { LayoutSpec } from '../spec/spec-schema.js';
import { buildCommandLines } from './command-lines.js';
import { parkerInterface } from '../../test/fixtures/kernel-interface.js';

/** The hazard parameters every application kernel gets, rendered. */
const HAZARDS =
  'panic=0 nmi_watchdog=0 mce=ignore_ce dis_ucode_ldr tsc=reliable clocksource=tsc rdt=!l3cat,!l2cat,!mba,!cmt,!mbmtotal,!mbmlocal ' +
  'efi=noruntime pci=noaer pcie_aspm=off intel_pstate=passive mem_encrypt=off disable_mtrr_cleanup';
const HEAD = 'parker=<control_structure> memmap=exactmap memmap=<memmap> nokaslr';

function build(spec: LayoutSpec, bootCmdline: string | null = 'root=/dev/sda2 ro console=ttyS0,115200') {
  const topology = smallTopology({ kernel: { release: null, cmdline: bootCmdline } });
  return buildCommandLines(spec, explicitPlacement(spec, topology), topology, parkerInterface.cmdline);
}

describe('buildCommandLines: application kernels', () => {
  it('renders parker=, memmap=, the console, the hazard, profile and user parameters in that order', () => {
    const spec = layoutSpec([
      kernelSpec('web', { cpus: '1,5', memory: '2G', cmdline: 'quiet' }),
      kernelSpec('db', { cpus: '2-3,6-7', memory: '4G', profile: 'latency' }),
    ]);
    const { cmdlines, diagnostics } = build(spec, 'root=/dev/sda2 console=ttyS0,115200 split_lock_detect=fatal mitigations=auto,nosmt');
    expect(cmdlines.map((c) => c.text)).toEqual([
      `${HEAD} console=ttyS1,115200 ${HAZARDS} split_lock_detect=fatal mitigations=auto,nosmt quiet`,
      // db's CPUs 2, 3, 6, 7 are its 0-3; CPU 2's sibling 6 is its 2: the housekeeping core is 0,2.
      `${HEAD} console=ttyS2,115200 ${HAZARDS} split_lock_detect=fatal mitigations=auto,nosmt nohz_full=1,3 rcu_nocbs=1,3 irqaffinity=0,2 skew_tick=1`,
    ]);
    expect(cmdlines.map((c) => c.console)).toEqual(['ttyS1', 'ttyS2']);
    expect(diagnostics).toEqual([]);
  });

  it('records where each parameter came from', () => {
    const spec = layoutSpec([kernelSpec('web', { cpus: '1,5', profile: 'throughput', cmdline: 'quiet' })]);
    const params = build(spec).cmdlines[0]!.params;
    expect(params.slice(0, 5)).toEqual([
      { key: 'parker', value: '<control_structure>', source: 'parker', reason: 'control structure address' },
      { key: 'memmap', value: 'exactmap', source: 'parker', reason: 'memory range' },
      { key: 'memmap', value: '<memmap>', source: 'parker', reason: 'memory range' },
      { key: 'nokaslr', value: null, source: 'parker', reason: 'image stays inside its memory' },
      { key: 'console', value: 'ttyS1,115200', source: 'console', reason: 'H17' },
    ]);
    expect(params.find((p) => p.key === 'rdt')).toEqual({ key: 'rdt', value: '!l3cat,!l2cat,!mba,!cmt,!mbmtotal,!mbmlocal', source: 'hazard', reason: 'H04' });
    expect(params.slice(-2)).toEqual([
      { key: 'transparent_hugepage', value: 'always', source: 'profile', reason: 'profile throughput' },
      { key: 'quiet', value: null, source: 'user' },
    ]);
  });

  it('gives a one-CPU latency kernel only skew_tick (no CPU besides its housekeeping CPU 0)', () => {
    const spec = layoutSpec([kernelSpec('rt', { cpus: '1', profile: 'latency' })]);
    expect(build(spec).cmdlines[0]!.text).toBe(`${HEAD} console=ttyS1,115200 ${HAZARDS} skew_tick=1`);
  });

  it('copies the boot kernel settings every kernel must share, from boot.cmdline too', () => {
    const spec = layoutSpec([kernelSpec('web', { cpus: '1,5' })], { cmdline: 'tsx=off no5lvl' });
    const text = build(spec, 'intel_idle.max_cstate=1 tsc_early_khz=2100000 nosmt').cmdlines[0]!.text;
    expect(text).toBe(`${HEAD} console=ttyS1,115200 ${HAZARDS} tsx=off nosmt no5lvl intel_idle.max_cstate=1 tsc_early_khz=2100000`);
  });
});

describe('buildCommandLines: consoles', () => {
  it('skips ports the boot kernel, the spec and users name; ttyS0 stays the boot kernel own', () => {
    const spec = layoutSpec([
      kernelSpec('a', { cpus: '1' }),
      kernelSpec('b', { cpus: '2', console: 'ttyS2' }),
      kernelSpec('c', { cpus: '3', cmdline: 'console=ttyS4,9600' }),
      kernelSpec('d', { cpus: '5' }),
    ]);
    const { cmdlines, diagnostics } = build(spec, 'root=/dev/sda2 console=tty0 console=ttyS1,115200');
    expect(cmdlines.map((c) => c.console)).toEqual(['ttyS3', 'ttyS2', 'ttyS4', 'ttyS5']);
    expect(cmdlines[1]!.text).toContain(' console=ttyS2,115200 ');
    // c's own console= is its console: nothing generated, no conflict.
    expect(cmdlines[2]!.params.filter((p) => p.key === 'console')).toEqual([{ key: 'console', value: 'ttyS4,9600', source: 'user' }]);
    expect(diagnostics).toEqual([]);
  });

  it('assigns ttyS1 upward when the boot kernel names no console', () => {
    const spec = layoutSpec([kernelSpec('a', { cpus: '1' }), kernelSpec('b', { cpus: '2' })]);
    expect(build(spec, null).cmdlines.map((c) => c.console)).toEqual(['ttyS1', 'ttyS2']);
  });
});

describe('buildCommandLines: conflicts', () => {
  it('refuses parker= and memmap= from the user', () => {
    const spec = layoutSpec([kernelSpec('a', { cpus: '1', cmdline: 'memmap=4G@0x100000000' })]);
    expect(build(spec).diagnostics).toEqual([
      {
        severity: 'error',
        rule: 'cmdline-conflict',
        message:
          'kernel "a" sets memmap=4G@0x100000000 in its cmdline, but parker writes parker= and memmap= itself (its control structure and its memory range); another value would make it use memory that is not its own',
        fix: 'remove memmap=4G@0x100000000 from the cmdline of kernel "a"',
        path: ['kernels', 0, 'cmdline'],
        kernels: ['a'],
      },
    ]);
  });

  it('warns when a user value replaces a profile parameter, and uses the user value', () => {
    const spec = layoutSpec([kernelSpec('rt', { cpus: '1-3', profile: 'latency', cmdline: 'nohz_full=2' })]);
    const { cmdlines, diagnostics } = build(spec);
    expect(cmdlines[0]!.text).toBe(`${HEAD} console=ttyS1,115200 ${HAZARDS} rcu_nocbs=1-2 irqaffinity=0 skew_tick=1 nohz_full=2`);
    expect(diagnostics).toEqual([
      {
        severity: 'warning',
        rule: 'cmdline-conflict',
        message: 'kernel "rt" sets nohz_full=2 in its cmdline, replacing the latency profile\'s nohz_full=1-2',
        fix: "remove nohz_full= from its cmdline to keep the profile's value, or use profile: balanced and write every parameter yourself",
        path: ['kernels', 0, 'cmdline'],
        kernels: ['rt'],
      },
    ]);
  });

  it('warns about a second serial console next to the spec console', () => {
    const spec = layoutSpec([kernelSpec('a', { cpus: '1', console: 'ttyS3', cmdline: 'console=ttyS2' })]);
    const { diagnostics } = build(spec);
    expect(diagnostics.map((d) => [d.severity, d.rule, d.message])).toEqual([
      ['warning', 'cmdline-conflict', 'kernel "a" names console=ttyS2 in its cmdline besides its console ttyS3: it will write to both ports'],
    ]);
  });

  it('appends user parameters as written, leaving a hazardous override to the hazard rule', () => {
    const spec = layoutSpec([kernelSpec('a', { cpus: '1', cmdline: 'mce=ignore_ce panic=10 -- panic=1' })]);
    const { cmdlines, diagnostics } = build(spec);
    expect(cmdlines[0]!.text).toBe(`${HEAD} console=ttyS1,115200 ${HAZARDS} mce=ignore_ce panic=10 -- panic=1`);
    expect(diagnostics).toEqual([]);
  });

  it('takes a profile value the user repeats without a warning', () => {
    const spec = layoutSpec([kernelSpec('rt', { cpus: '1-2', profile: 'latency', cmdline: 'skew_tick=1' })]);
    const { cmdlines, diagnostics } = build(spec);
    expect(cmdlines[0]!.text).toBe(`${HEAD} console=ttyS1,115200 ${HAZARDS} nohz_full=1 rcu_nocbs=1 irqaffinity=0 skew_tick=1`);
    expect(cmdlines[0]!.params.at(-1)).toEqual({ key: 'skew_tick', value: '1', source: 'user' });
    expect(diagnostics).toEqual([]);
  });

  it('does not take an earlyprintk port for the console, but keeps other kernels off it', () => {
    const spec = layoutSpec([kernelSpec('a', { cpus: '1', cmdline: 'earlyprintk=serial,ttyS1' }), kernelSpec('b', { cpus: '2' })]);
    expect(build(spec).cmdlines.map((c) => c.console)).toEqual(['ttyS2', 'ttyS3']);
  });

  it('reports an unclosed quote', () => {
    const spec = layoutSpec([kernelSpec('a', { cpus: '1', cmdline: 'dyndbg="file a.c +p' })]);
    expect(build(spec).diagnostics.map((d) => [d.severity, d.rule, d.path])).toEqual([['error', 'cmdline-syntax', ['kernels', 0, 'cmdline']]]);
  });
});

describe('buildCommandLines: boot kernel', () => {
  // b is handed a device, so iommu=pt is needed on a machine with an IOMMU (the small machine's devices are in IOMMU groups).
  const spec = layoutSpec([kernelSpec('a', { cpus: '1,5', memory: '2G' }), kernelSpec('b', { cpus: '2,6', memory: '3G', devices: [NODE1_NVME] }), kernelSpec('c', { cpus: '3,7', memory: '1G' })]);

  it('asks for iommu=pt only where there is an IOMMU and a device to hand over (as H13 judges it)', () => {
    const required = (s: LayoutSpec, topology = smallTopology()) =>
      buildCommandLines(s, explicitPlacement(s, topology), { ...topology, kernel: { release: null, cmdline: 'ro' } }, parkerInterface.cmdline).boot.required.map((p) => p.key);
    expect(required(spec)).toContain('iommu');
    const noDevices = layoutSpec(spec.kernels.map((k) => ({ ...k, devices: [] })));
    expect(required(noDevices)).not.toContain('iommu');
    const noIommu = smallTopology({ pci: smallTopology().pci.map((d) => ({ ...d, iommuGroup: null })) });
    expect(required(spec, noIommu)).not.toContain('iommu');
  });

  it('requires parker_cma sized from the placement, iommu=pt and irqaffinity, all changes on a bare boot kernel', () => {
    const { boot } = build(spec, 'root=/dev/sda2 ro');
    expect(boot.current).toBe('root=/dev/sda2 ro');
    expect(boot.required).toEqual([
      { key: 'parker_cma', value: '0:2G,1:4G', source: 'parker', reason: 'CMA pools for partition memory' },
      { key: 'iommu', value: 'pt', source: 'hazard', reason: 'H13' },
      { key: 'irqaffinity', value: '0,4', source: 'hazard', reason: 'H12' },
    ]);
    expect(boot.changes).toEqual(boot.required);
  });

  it('needs no change when parker_cma is large enough on every node and the rest is present', () => {
    const { boot } = build(spec, 'root=/dev/sda2 parker_cma=0:8G,1:8G iommu=pt irqaffinity=0,4');
    expect(boot.changes).toEqual([]);
  });

  it('grows a too-small parker_cma without shrinking any pool, and accepts a bare size and an IOMMU turned off', () => {
    expect(build(spec, 'parker_cma=0:1G,1:16G,2:4G intel_iommu=off irqaffinity=0,4').boot.changes).toEqual([
      { key: 'parker_cma', value: '0:2G,1:16G,2:4G', source: 'parker', reason: 'CMA pools for partition memory' },
    ]);
    expect(build(spec, 'parker_cma=8G iommu=pt irqaffinity=4,0').boot.changes).toEqual([]);
  });

  it('adds boot.cmdline to what is required and lets it set irqaffinity, with a warning when it differs', () => {
    const withBoot = layoutSpec(spec.kernels, { cmdline: 'irqaffinity=0 audit=0' });
    const { boot, diagnostics } = build(withBoot, 'parker_cma=0:8G,1:8G iommu=pt audit=0');
    expect(boot.required.map((p) => `${p.key}=${p.value}:${p.source}`)).toEqual(['parker_cma=0:2G,1:4G:parker', 'iommu=pt:hazard', 'irqaffinity=0:user', 'audit=0:user']);
    expect(boot.changes).toEqual([{ key: 'irqaffinity', value: '0', source: 'user' }]);
    expect(diagnostics.map((d) => [d.severity, d.rule, d.hazard, d.path])).toEqual([['warning', 'cmdline-conflict', 'H12', ['boot', 'cmdline']]]);
  });

  it('reports a malformed parker_cma in boot.cmdline and keeps it as the change', () => {
    const { boot, diagnostics } = build(layoutSpec(spec.kernels, { cmdline: 'parker_cma=lots' }), 'iommu=pt irqaffinity=0,4');
    expect(boot.changes).toEqual([{ key: 'parker_cma', value: 'lots', source: 'user' }]);
    expect(diagnostics).toEqual([
      {
        severity: 'error',
        rule: 'cmdline-syntax',
        message: 'boot.cmdline has an invalid parker_cma value "lots": "lots" is not a size such as 16G',
        fix: 'write parker_cma=NID:SIZE[,NID:SIZE...] such as parker_cma=0:16G,1:16G, or one SIZE split over all nodes',
        path: ['boot', 'cmdline'],
        kernels: ['boot'],
      },
    ]);
  });

  it('requires only boot.cmdline when there are no application kernels', () => {
    const { boot } = build(layoutSpec([], { cmdline: 'audit=0' }), 'root=/dev/sda2');
    expect(boot.required).toEqual([{ key: 'audit', value: '0', source: 'user' }]);
    expect(boot.changes).toEqual(boot.required);
  });
});
