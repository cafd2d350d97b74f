import { describe, expect, it } from 'vitest';
import type { KernelFs } from '../machine.js';
import { discover } from '../../topology/discover.js';
import { memorySimMachine } from './sim-machine.js';
import { labSimMachine } from '../../../test/fidelity/lab-machine.js';

// parker_cma= on the boot command line makes one CMA pool per node, as the boot kernel does;
// observed through sys/kernel/mm/cma (names and counters, as on 6.12), /proc/zoneinfo and
// /proc/meminfo (sizes, read by discovery) and the memory a partition gets.

const BOOT = 'BOOT_IMAGE=/boot/vmlinuz-6.1.0-parker root=/dev/nvme0n1p2 ro';
const GiB = 2 ** 30;
const pages = (gib: number) => String((gib * GiB) / 4096);

/** The pools as discovery reads them: names from sysfs, sizes from /proc/zoneinfo. */
function pools(fs: KernelFs): string[] {
  return discover({ kind: 'sim', description: 'test', fs })
    .cma.filter((a) => a.name.startsWith('parker'))
    .map((a) => `${a.name} ${a.totalPages}`);
}

/** Where a partition on `cpus` gets `size` from. */
function allocate(fs: KernelFs, cpus: string, size: string): string {
  const name = `p${cpus.replace(/\W/g, '_')}`;
  fs.mkdir(`sys/fs/parker/${name}`);
  fs.write(`sys/fs/parker/${name}/cpus`, cpus);
  fs.write(`sys/fs/parker/${name}/memory`, size);
  return fs.read(`sys/fs/parker/${name}/memory`).trim();
}

describe('parker_cma=', () => {
  it('NID:SIZE,... makes one pool per listed node, 1 GiB aligned, bottom-up from 4 GiB as 6.12 reserves CMA', () => {
    const m = memorySimMachine({ kind: 'default' }, `${BOOT} parker_cma=0:4G,1:8G`);
    expect(pools(m.fs)).toEqual([`parker0 ${pages(4)}`, `parker1 ${pages(8)}`]);
    // Node 0's memory above 4 GiB starts at 4 GiB; node 1's at 66 GiB.
    expect(allocate(m.fs, '8', '4G')).toBe(`${4 * GiB}@0x100000000`);
    expect(allocate(m.fs, '40', '1G')).toBe(`${GiB}@0x1080000000`);
    expect(m.bootLog()).toEqual([
      'cma: Reserved 4096 MiB at 0x0000000100000000 on node 0',
      'parker: reserved 4096 MiB on node 0',
      'cma: Reserved 8192 MiB at 0x0000001080000000 on node 1',
      'parker: reserved 8192 MiB on node 1',
    ]);
  });

  it('on 6.12 sysfs has only counters; sizes show in /proc/zoneinfo and /proc/meminfo', () => {
    const { fs } = memorySimMachine({ kind: 'default' }, `${BOOT} parker_cma=0:4G,1:8G`);
    expect(fs.list('sys/kernel/mm/cma/parker0')).toEqual(['alloc_pages_fail', 'alloc_pages_success', 'release_pages_success']);
    const zoneCma = fs
      .read('proc/zoneinfo')
      .split('\n')
      .filter((l) => /^\s+cma\s/.test(l))
      .map((l) => Number(l.trim().split(/\s+/)[1]))
      .filter((n) => n > 0);
    expect(zoneCma).toEqual([Number(pages(4)), Number(pages(8))]);
    expect(fs.read('proc/meminfo')).toMatch(new RegExp(`^CmaTotal:\\s+${12 * 1024 * 1024} kB$`, 'm'));
    allocate(fs, '8', '1G');
    expect(fs.read('proc/meminfo')).toMatch(new RegExp(`^CmaFree:\\s+${11 * 1024 * 1024} kB$`, 'm'));
  });

  it('a node with no free 1 GiB-aligned GiB gets no pool, boot goes on, and its CPUs get ENOMEM (the lab VM)', () => {
    const m = labSimMachine();
    expect(m.bootLog()).toEqual(['parker: reservation failed - err -12, node 0', 'cma: Reserved 1024 MiB at 0x0000000100000000 on node 1', 'parker: reserved 1024 MiB on node 1']);
    expect(pools(m.fs)).toEqual([`parker1 ${pages(1)}`]);
    m.fs.mkdir('sys/fs/parker/a');
    m.fs.write('sys/fs/parker/a/cpus', '1');
    expect(() => m.fs.write('sys/fs/parker/a/memory', '1G')).toThrow('ENOMEM');
    expect(allocate(m.fs, '3', '1G')).toBe('1073741824@0x100000000');
  });

  it('a bare SIZE is split as the RFC does: up to SIZE/nodes per node, rounded up to whole GiB, until SIZE is reserved', () => {
    expect(pools(memorySimMachine({ kind: 'default' }, `${BOOT} parker_cma=16G`).fs)).toEqual([0, 1, 2, 3].map((n) => `parker${n} ${pages(4)}`));
    // 6G over 4 nodes: 1.5G rounds up to 2G a node, and 6G are reserved after three nodes.
    expect(pools(memorySimMachine({ kind: 'default' }, `${BOOT} parker_cma=6G`).fs)).toEqual([0, 1, 2].map((n) => `parker${n} ${pages(2)}`));
  });

  it('a node asked for less than 1 GiB gets no pool', () => {
    expect(pools(memorySimMachine({ kind: 'default' }, `${BOOT} parker_cma=0:512M,1:1G`).fs)).toEqual([`parker1 ${pages(1)}`]);
  });

  it('rounds a node size up to 1 GiB', () => {
    const { fs } = memorySimMachine({ kind: 'default' }, `${BOOT} parker_cma=2:1500M`);
    expect(pools(fs)).toEqual([`parker2 ${pages(2)}`]);
  });

  it('the last parker_cma= counts', () => {
    const { fs } = memorySimMachine({ kind: 'default' }, `${BOOT} parker_cma=0:8G parker_cma=3:2G`);
    expect(pools(fs)).toEqual([`parker3 ${pages(2)}`]);
  });

  it('leaves out a node that does not exist or whose memory is too small', () => {
    expect(pools(memorySimMachine({ kind: 'default' }, `${BOOT} parker_cma=0:4G,9:4G`).fs)).toEqual([`parker0 ${pages(4)}`]);
    expect(pools(memorySimMachine({ kind: 'default' }, `${BOOT} parker_cma=0:100G,1:1G`).fs)).toEqual([`parker1 ${pages(1)}`]);
  });

  it('a malformed value reserves nothing, so Parker is off', () => {
    for (const value of ['lots', '0:4G,x:4G', '0:', '4Q']) {
      const { fs } = memorySimMachine({ kind: 'default' }, `${BOOT} parker_cma=${value}`);
      expect({ value, pools: pools(fs), parker: fs.exists('sys/fs/parker') }).toEqual({ value, pools: [], parker: false });
    }
  });

  it('a synthetic machine boots with its own command line unless told otherwise', () => {
    const m = memorySimMachine({ kind: 'synthetic', description: 'pack:1 numa:2 core:4 mem:8G cmdline:"ro parker_cma=1:2G"' });
    expect(m.meta.cmdline).toBe('ro parker_cma=1:2G');
    expect(pools(m.fs)).toEqual([`parker1 ${pages(2)}`]);
  });

  it('a node without a pool gives ENOMEM', () => {
    const { fs } = memorySimMachine({ kind: 'default' }, `${BOOT} parker_cma=1:4G`);
    fs.mkdir('sys/fs/parker/db');
    fs.write('sys/fs/parker/db/cpus', '8-15');
    expect(() => fs.write('sys/fs/parker/db/memory', '1G')).toThrow('ENOMEM');
    expect(() => fs.read('sys/fs/parker/db/memory')).toThrow('EINVAL');
  });
});

describe('CMA counters', () => {
  it('follow allocations and releases', () => {
    const { fs } = memorySimMachine({ kind: 'default' }, `${BOOT} parker_cma=0:8G`);
    const counters = () => {
      const area = discover({ kind: 'sim', description: 'test', fs }).cma.find((a) => a.name === 'parker0')!;
      return [area.totalPages, area.availablePages].map(String).concat(['alloc_pages_success', 'release_pages_success', 'alloc_pages_fail'].map((f) => fs.read(`sys/kernel/mm/cma/parker0/${f}`).trim()));
    };
    expect(counters()).toEqual([pages(8), pages(8), '0', '0', '0']);
    fs.mkdir('sys/fs/parker/a');
    fs.write('sys/fs/parker/a/cpus', '8');
    fs.write('sys/fs/parker/a/memory', '3G');
    expect(counters()).toEqual([pages(8), pages(5), pages(3), '0', '0']);
    fs.write('sys/fs/parker/a/memory', '2G');
    expect(counters()).toEqual([pages(8), pages(6), pages(5), pages(3), '0']);
    // More than the whole pool: refused before the allocator runs, so no failure is counted (measured).
    expect(() => fs.write('sys/fs/parker/a/memory', '9G')).toThrow('ENOMEM');
    expect(counters()).toEqual([pages(8), pages(8), pages(5), pages(5), '0']);
    fs.write('sys/fs/parker/a/memory', '8G');
    fs.rmdir('sys/fs/parker/a');
    expect(counters()).toEqual([pages(8), pages(8), pages(13), pages(13), '0']);
  });
});
