import { describe, expect, test } from 'vitest';
import { runRule } from '../rule.js';
import { kernelSpec, layoutSpec, param, ruleContext, smallTopology } from '../../../test/fixtures/rule-context.js';
import { hazardContext } from '../../../test/fixtures/hazard-context.js';
import { memoryCmaRule } from './memory-cma.js';

// Small machine: node 0 = CPUs 0,1,4,5 and node 1 = CPUs 2,3,6,7, 16 GiB each. A kernel's
// memory node is the node of its first CPU.
const onNode0 = (name: string, memory: string, cpus = '1') => kernelSpec(name, { cpus, memory });
const onNode1 = (name: string, memory: string, cpus = '2') => kernelSpec(name, { cpus, memory });

describe('memory-cma', () => {
  test("fires when a node's pool is too small for the kernels taking from it", () => {
    const spec = layoutSpec([onNode0('a', '6G'), onNode1('c', '1G'), onNode0('b', '3G', '5')]);
    expect(runRule(memoryCmaRule, ruleContext(spec, { bootCmdline: 'ro parker_cma=0:8G,1:8G' }))).toEqual([
      {
        severity: 'error',
        rule: 'memory-cma',
        hazard: 'H25',
        message: 'kernels "a" and "b" need 9G from the CMA pool of NUMA node 0, but the boot kernel\'s parker_cma=0:8G,1:8G makes node 0\'s pool 8G',
        fix: "boot the boot kernel with parker_cma=0:9G,1:8G, or start some of them on another node's CPUs",
        path: ['kernels', 2, 'memory'],
        kernels: ['boot', 'a', 'b'],
      },
    ]);
  });

  test('fires when parker_cma= gives the node no pool; fractions count as whole GiB', () => {
    const spec = layoutSpec([onNode1('c', '1536M')]);
    const [d] = runRule(memoryCmaRule, ruleContext(spec, { bootCmdline: 'parker_cma=0:8G' }));
    expect(d?.message).toBe("kernel \"c\" needs 2G from the CMA pool of NUMA node 1, but the boot kernel's parker_cma=0:8G gives node 1 no pool");
    expect(d?.fix).toBe("boot the boot kernel with parker_cma=0:8G,1:2G, or start some of them on another node's CPUs");
  });

  test('warns, as a boot-kernel change, when the boot kernel has no parker_cma= and says which value it needs', () => {
    const spec = layoutSpec([onNode0('a', '1536M'), onNode0('b', '1G', '4'), onNode1('c', '2G')]);
    expect(runRule(memoryCmaRule, ruleContext(spec, { bootCmdline: 'ro quiet' }))).toEqual([
      {
        severity: 'warning',
        rule: 'memory-cma',
        hazard: 'H25',
        message: "the boot kernel's command line has no parker_cma=, so Parker has no memory pools: this layout needs parker_cma=0:3G,1:2G (a boot-kernel change: the boot kernel must be rebooted with it)",
        fix: "add parker_cma=0:3G,1:2G to the boot kernel's command line and reboot it",
        kernels: ['boot'],
      },
    ]);
  });

  test('is an error on the machine apply would change (the simulator, a host): apply could give no partition memory', () => {
    const spec = layoutSpec([onNode0('a', '2G')]);
    for (const kind of ['sim', 'host'] as const) {
      const topology = { ...smallTopology(), machine: { ...smallTopology().machine, kind } };
      const [d] = runRule(memoryCmaRule, ruleContext(spec, { bootCmdline: 'ro quiet', topology }));
      expect([d?.severity, d?.fix]).toEqual(['error', "add parker_cma=0:2G to the boot kernel's command line and reboot it"]);
    }
  });

  test('on the simulator or a host without the control filesystem, a parker_cma= is an error (not Parker, or nothing reserved) naming a value the nodes can hold', () => {
    const spec = layoutSpec([onNode0('a', '2G')]);
    for (const kind of ['sim', 'host'] as const) {
      const off = { ...smallTopology(), machine: { ...smallTopology().machine, kind }, parker: { controlFs: false, partitions: [] } };
      const [d] = runRule(memoryCmaRule, ruleContext(spec, { bootCmdline: 'ro parker_cma=0:64G,1:64G', topology: off }));
      expect(d?.severity).toBe('error');
      expect(d?.message).toBe('the boot kernel runs with parker_cma=0:64G,1:64G but has no Parker control filesystem (sys/fs/parker): it is not a Parker kernel, or every parker_cma= reservation failed at boot and Parker is off, so no partition can be made');
      expect(d?.fix).toContain('such as parker_cma=0:2G for this layout');
      expect(d?.kernels).toEqual(['boot', 'a']);
      // With the control filesystem, the same command line is taken at its word.
      const on = { ...off, parker: { controlFs: true, partitions: [] } };
      expect(runRule(memoryCmaRule, ruleContext(spec, { bootCmdline: 'ro parker_cma=0:64G,1:64G', topology: on }))).toEqual([]);
    }
    // A described machine (a snapshot) without it only shows what a boot kernel would need.
    const archive = { ...smallTopology(), machine: { ...smallTopology().machine, kind: 'archive' as const }, parker: { controlFs: false, partitions: [] } };
    expect(runRule(memoryCmaRule, ruleContext(spec, { bootCmdline: 'ro parker_cma=0:64G,1:64G', topology: archive }))).toEqual([]);
  });

  test('names the planned boot-kernel change when the command-line generator already chose one', () => {
    const spec = layoutSpec([onNode0('a', '2G')]);
    const diagnostics = runRule(memoryCmaRule, ruleContext(spec, { bootCmdline: 'ro quiet', bootChanges: [param('iommu', 'pt'), param('parker_cma', '0:4G,1:4G')] }));
    expect(diagnostics.map((d) => [d.severity, d.fix])).toEqual([['warning', "add parker_cma=0:4G,1:4G to the boot kernel's command line and reboot it"]]);
  });

  test('fires when the planned value itself is too small', () => {
    const spec = layoutSpec([onNode0('a', '6G')]);
    const diagnostics = runRule(memoryCmaRule, ruleContext(spec, { bootCmdline: 'ro quiet', bootChanges: [param('parker_cma', '0:4G,1:4G')] }));
    expect(diagnostics.map((d) => [d.severity, d.message])).toEqual([
      ['warning', "the boot kernel's command line has no parker_cma=, so Parker has no memory pools: this layout needs parker_cma=0:6G,1:4G (a boot-kernel change: the boot kernel must be rebooted with it)"],
      ['error', 'kernel "a" needs 6G from the CMA pool of NUMA node 0, but the planned parker_cma=0:4G,1:4G makes node 0\'s pool 4G'],
    ]);
  });

  test('warns when the boot command line is unknown', () => {
    const [d] = runRule(memoryCmaRule, ruleContext(layoutSpec([onNode0('a', '2G')]), { bootCmdline: null }));
    expect(d?.message).toBe("the boot kernel's command line is unknown: this layout needs parker_cma=0:2G (a boot-kernel change: the boot kernel must be rebooted with it)");
  });

  test('fires for a parker_cma= it cannot read', () => {
    expect(runRule(memoryCmaRule, ruleContext(layoutSpec([onNode0('a', '2G')]), { bootCmdline: 'parker_cma=0:lots' }))).toEqual([
      {
        severity: 'error',
        rule: 'memory-cma',
        hazard: 'H25',
        message: 'the boot kernel\'s command line: invalid parker_cma value "0:lots": "lots" is not a size such as 16G',
        fix: 'boot the boot kernel with parker_cma=0:2G',
        kernels: ['boot'],
      },
    ]);
  });

  test("judges boot.cmdline's parker_cma= when the spec sets one, and points there", () => {
    const spec = layoutSpec([onNode0('a', '6G')], { cmdline: 'parker_cma=0:4G,1:4G' });
    expect(runRule(memoryCmaRule, ruleContext(spec, { bootCmdline: 'parker_cma=0:32G,1:32G' }))).toEqual([
      {
        severity: 'error',
        rule: 'memory-cma',
        hazard: 'H25',
        message: "kernel \"a\" needs 6G from the CMA pool of NUMA node 0, but boot.cmdline's parker_cma=0:4G,1:4G makes node 0's pool 4G",
        fix: "write parker_cma=0:6G,1:4G in boot.cmdline, or start some of them on another node's CPUs",
        path: ['boot', 'cmdline'],
        kernels: ['boot', 'a'],
      },
    ]);
    const enough = layoutSpec([onNode0('a', '6G')], { cmdline: 'quiet parker_cma=0:6G' });
    expect(runRule(memoryCmaRule, ruleContext(enough, { bootCmdline: 'ro' }))).toEqual([]);
  });

  test('fires when the first CPU is on a node without memory', () => {
    const base = smallTopology();
    const topology = smallTopology({ nodes: base.nodes.map((n) => (n.id === 1 ? { ...n, memoryBytes: 0, hasMemory: false } : n)) });
    expect(runRule(memoryCmaRule, ruleContext(layoutSpec([onNode1('c', '1G', '2,1')]), { topology }))).toEqual([
      {
        severity: 'error',
        rule: 'memory-cma',
        hazard: 'H25',
        message: 'kernel "c" would take its memory from NUMA node 1, the node of its first CPU 2, which has no memory',
        fix: "put a CPU of a node with memory (0) first in its CPU list: Parker allocates memory on the first CPU's node",
        path: ['kernels', 0, 'cpus'],
        kernels: ['c'],
      },
    ]);
  });

  test("fires when kernels together ask more than the node's memory", () => {
    const spec = layoutSpec([onNode0('a', '10G'), onNode0('b', '10G', '5')]);
    const [d] = runRule(memoryCmaRule, ruleContext(spec, { bootCmdline: 'parker_cma=0:32G,1:8G' }));
    expect(d?.message).toBe('kernels "a" and "b" take 20G from NUMA node 0, which has 16 GiB of memory');
    expect(d?.path).toEqual(['kernels', 1, 'memory']);
  });

  test('quiet when the pools hold everything (a bare size split over the nodes), and for one kernel larger than its node (H25 limits says so)', () => {
    const fits = layoutSpec([onNode0('a', '4G'), onNode0('b', '4G', '5'), onNode1('c', '8G')]);
    expect(runRule(memoryCmaRule, ruleContext(fits, { bootCmdline: 'parker_cma=16G' }))).toEqual([]);
    const huge = layoutSpec([onNode0('a', '20G')]);
    expect(runRule(memoryCmaRule, ruleContext(huge, { bootCmdline: 'parker_cma=0:8G' }))).toEqual([]);
    expect(runRule(memoryCmaRule, ruleContext(layoutSpec([]), { bootCmdline: 'ro' }))).toEqual([]);
  });
});

describe('memory-cma with the generated boot command line', () => {
  test('its value is the one BootCmdline.changes carries', () => {
    const spec = layoutSpec([onNode0('a', '1536M'), onNode1('c', '2G')]);
    const ctx = hazardContext(spec, { bootCmdline: 'ro quiet' });
    const change = ctx.boot.changes.find((p) => p.key === 'parker_cma');
    expect(change?.value).toBe('0:2G,1:2G');
    expect(runRule(memoryCmaRule, ctx).map((d) => d.fix)).toEqual(["add parker_cma=0:2G,1:2G to the boot kernel's command line and reboot it"]);
  });

  test('a running pool too small: the fix is the grown value the plan reboots with', () => {
    const spec = layoutSpec([onNode0('a', '12G')]);
    const ctx = hazardContext(spec, { bootCmdline: 'ro parker_cma=0:8G,1:8G' });
    expect(ctx.boot.changes.find((p) => p.key === 'parker_cma')?.value).toBe('0:12G,1:8G');
    expect(runRule(memoryCmaRule, ctx).map((d) => [d.severity, d.fix])).toEqual([['error', "boot the boot kernel with parker_cma=0:12G,1:8G, or start some of them on another node's CPUs"]]);
  });
});

describe('memory-cma against the pools the boot kernel made', () => {
  const GIB_PAGES = 2 ** 30 / 4096;
  const area = (name: string, gib: number | null) => ({ name, totalPages: gib === null ? null : gib * GIB_PAGES, availablePages: null, allocPagesSuccess: 0, allocPagesFail: 0, releasePagesSuccess: 0 });
  // As measured: parker_cma=0:1G,1:1G, node 0's reservation failed at boot ("reservation failed - err -12, node 0").
  const node0Failed = smallTopology({ cma: [area('parker1', 1)] });

  test("fails validate, not apply, when a kernel needs the pool of a node whose reservation failed", () => {
    const spec = layoutSpec([onNode0('a', '1G'), onNode1('b', '1G')]);
    expect(runRule(memoryCmaRule, ruleContext(spec, { bootCmdline: 'console=ttyS0,115200 parker_cma=0:1G,1:1G nokaslr', topology: node0Failed }))).toEqual([
      {
        severity: 'error',
        rule: 'memory-cma',
        hazard: 'H25',
        message: 'kernel "a" needs 1G from the CMA pool of NUMA node 0; the boot kernel\'s parker_cma=0:1G,1:1G asks 1G there, but the boot kernel made no pool: its reservation failed at boot (there is no parker0 CMA area)',
        fix: 'start it on another node\'s CPUs, or free 1 GiB-aligned memory on node 0 for the pool and reboot (the boot log says "reservation failed" for the node)',
        path: ['kernels', 0, 'cpus'],
        kernels: ['boot', 'a'],
      },
    ]);
    // The same layout against the text alone (no pools discovered) passes: the text is not the truth.
    expect(runRule(memoryCmaRule, ruleContext(spec, { bootCmdline: 'parker_cma=0:1G,1:1G' }))).toEqual([]);
  });

  test('takes the size the kernel made, not the one it was asked for', () => {
    const spec = layoutSpec([onNode1('b', '2G')]);
    const [d] = runRule(memoryCmaRule, ruleContext(spec, { bootCmdline: 'parker_cma=0:2G,1:2G', topology: smallTopology({ cma: [area('parker0', 2), area('parker1', 1)] }) }));
    expect(d?.message).toBe('kernel "b" needs 2G from the CMA pool of NUMA node 1; the boot kernel\'s parker_cma=0:2G,1:2G asks 2G there, but the boot kernel made a pool of only 1G');
    // A pool whose size is unknown counts as asked.
    expect(runRule(memoryCmaRule, ruleContext(spec, { bootCmdline: 'parker_cma=0:2G,1:2G', topology: smallTopology({ cma: [area('parker0', 2), area('parker1', null)] }) }))).toEqual([]);
  });

  test("judges boot.cmdline's parker_cma= by its text: it is for the next boot", () => {
    const spec = layoutSpec([onNode0('a', '1G')], { cmdline: 'parker_cma=0:2G,1:1G' });
    expect(runRule(memoryCmaRule, ruleContext(spec, { bootCmdline: 'parker_cma=0:1G,1:1G', topology: node0Failed }))).toEqual([]);
  });
});
