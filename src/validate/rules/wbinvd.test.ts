import { describe, expect, it } from 'vitest';
import { runRule } from '../rule.js';
import { hazardContext } from '../../../test/fixtures/hazard-context.js';
import { kernelSpec, layoutSpec, smallTopology } from '../../../test/fixtures/rule-context.js';
import { wbinvdRule } from './wbinvd.js';

// Small machine: L3 0 = CPUs 0,1,4,5 (node 0), L3 1 = CPUs 2,3,6,7 (node 1).
const ALONE = { cpus: '2-3,6-7' };

describe('H03 wbinvd', () => {
  it('fires on mem_encrypt=on in a user cmdline and in boot.cmdline', () => {
    const ctx = hazardContext(layoutSpec([kernelSpec('a', { ...ALONE, cmdline: 'mem_encrypt=on' })], { cmdline: 'mem_encrypt=on' }));
    expect(runRule(wbinvdRule, ctx)).toEqual([
      {
        severity: 'error',
        rule: 'wbinvd',
        hazard: 'H03',
        message: 'the boot kernel turns memory encryption on (mem_encrypt=on in boot.cmdline): it flushes shared caches with WBINVD, and Parker kernels must not use SME',
        fix: 'remove mem_encrypt=on from boot.cmdline',
        path: ['boot', 'cmdline'],
        kernels: ['boot'],
      },
      {
        severity: 'error',
        rule: 'wbinvd',
        hazard: 'H03',
        message: 'kernel "a" turns memory encryption on (mem_encrypt=on in its cmdline): it flushes shared caches with WBINVD, and Parker kernels must not use SME',
        fix: 'remove mem_encrypt=on from the cmdline of kernel "a"',
        path: ['kernels', 0, 'cmdline'],
        kernels: ['a'],
      },
    ]);
  });

  it('warns about a .config with kexec', () => {
    const ctx = hazardContext(layoutSpec([kernelSpec('a', { ...ALONE, config: 'a.config' })]), { configs: { a: 'CONFIG_KEXEC=y\n# CONFIG_KEXEC_FILE is not set\n' } });
    expect(runRule(wbinvdRule, ctx).map((d) => [d.severity, d.message, d.fix, d.path])).toEqual([
      [
        'warning',
        'the .config of kernel "a" enables CONFIG_KEXEC: a kexec inside an application kernel flushes the caches it shares with WBINVD and starts a kernel that is not Parker\'s to start',
        'build it with # CONFIG_KEXEC is not set, or never run kexec inside it',
        ['kernels', 0, 'config'],
      ],
    ]);
  });

  it('warns when a kernel shares its last-level cache, pointing at an LLC-aligned count', () => {
    const ctx = hazardContext(layoutSpec([kernelSpec('a', { cpus: '1,5' }), kernelSpec('b', { cpus: '2,6' }), kernelSpec('c', { cpus: '3,7' })]));
    expect(runRule(wbinvdRule, ctx).map((d) => [d.severity, d.message, d.fix, d.kernels])).toEqual([
      [
        'warning',
        'kernel "a" shares a last-level cache with the boot kernel: WBINVD there (CPU offlining when partitions start or stop, kexec) empties its cache',
        'place it on whole last-level caches that no other kernel uses: a CPU count that is a multiple of 4 with placement: packed, or a list of whole L3s',
        ['a', 'boot'],
      ],
      ['warning', 'kernel "b" shares a last-level cache with kernel "c": WBINVD there (CPU offlining when partitions start or stop, kexec) empties its cache', expect.any(String), ['b', 'c']],
      ['warning', 'kernel "c" shares a last-level cache with kernel "b": WBINVD there (CPU offlining when partitions start or stop, kexec) empties its cache', expect.any(String), ['c', 'b']],
    ]);
  });

  it('says when no placement avoids sharing: one LLC for the machine', () => {
    const one = smallTopology();
    const topology = { ...one, cpu: one.cpu.map((c) => ({ ...c, llc: 0 })), caches: [{ ...one.caches[0]!, cpus: [0, 1, 2, 3, 4, 5, 6, 7] }] };
    const ctx = hazardContext(layoutSpec([kernelSpec('a', ALONE)]), { topology });
    expect(runRule(wbinvdRule, ctx).map((d) => d.fix)).toEqual(['nothing in the placement avoids it on this machine, which has one last-level cache']);
  });

  it('leaves latency kernels to H23, and stays quiet for a kernel alone on its LLC with a clean .config', () => {
    const ctx = hazardContext(layoutSpec([kernelSpec('a', { ...ALONE, config: 'a.config' }), kernelSpec('rt', { cpus: '1,5', profile: 'latency' })]), {
      configs: { a: '# CONFIG_KEXEC is not set\nCONFIG_AMD_MEM_ENCRYPT_ACTIVE_BY_DEFAULT=y\n' },
    });
    expect(runRule(wbinvdRule, ctx)).toEqual([]);
  });
});
