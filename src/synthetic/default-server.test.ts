import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TreeFs } from '../machines/file-tree.js';
import {
  buildDefaultServerTree,
  DEFAULT_SERVER_CMDLINE,
  DEFAULT_SERVER_DESCRIPTION,
  DEFAULT_SERVER_PCI,
  defaultServerDescription,
  defaultServerMachine,
} from './default-server.js';
import { syntheticCounts } from './description.js';
import { syntheticLayout } from './layout.js';

const GiB = 2 ** 30;

describe('the default server', () => {
  it('is 2 packages x 2 nodes x 4 L3 x 8 cores x 2 threads with 64 GiB per node in 2 GiB blocks', () => {
    const d = defaultServerDescription();
    expect(DEFAULT_SERVER_DESCRIPTION).toBe('pack:2 numa:2 l3:4 core:8 pu:2 mem:64G block:2G dist:10,12,32 numbering:linux');
    expect(syntheticCounts(d)).toEqual({ cpus: 256, cores: 128, cpuNodes: 4, nodes: 4, coresPerPackage: 64 });
    expect([d.memPerNode, d.blockSize, d.numbering, d.distances]).toEqual([
      64 * GiB,
      2 * GiB,
      'linux',
      { local: 10, samePackage: 12, remote: 32, memoryOnly: 20 },
    ]);
    expect(d.cmdline).toBe(DEFAULT_SERVER_CMDLINE);
    expect(DEFAULT_SERVER_CMDLINE).toContain(' parker_cma=0:48G,1:48G,2:48G,3:48G ');
  });

  it('has the PCI devices the simulator and the examples rely on', () => {
    const layout = syntheticLayout(defaultServerDescription());
    expect(layout.pci.map((p) => p.address)).toEqual(DEFAULT_SERVER_PCI.map((p) => p.address));
    // A boot NVMe and a NIC on node 0, one NVMe and one NIC on every other node; node 1 also
    // has the domain-1 drive, node 3 the dual-port NIC.
    const count = (node: number, driver: string) => layout.pci.filter((p) => p.node === node && p.driver === driver).length;
    expect([0, 1, 2, 3].map((n) => [count(n, 'nvme'), count(n, 'ice'), count(n, 'mlx5_core')])).toEqual([
      [1, 1, 0],
      [2, 1, 0],
      [1, 1, 0],
      [1, 1, 2],
    ]);
    // Every function has its own IOMMU group except the two ports of the dual-port NIC.
    const groups = new Map<number, string[]>();
    for (const p of layout.pci) groups.set(p.iommuGroup, [...(groups.get(p.iommuGroup) ?? []), p.address]);
    expect([...groups.values()].filter((members) => members.length > 1)).toEqual([['0000:c0:03.0', '0000:c0:03.1']]);
    expect(layout.pci.filter((p) => p.address.startsWith('0001:')).map((p) => p.address)).toEqual(['0001:00:01.0']);
    expect(layout.pci.filter((p) => p.secondaryBus !== undefined).map((p) => p.address)).toEqual(['0000:00:01.0']);
    expect(layout.pci.filter((p) => p.parent !== null).map((p) => [p.address, p.parent])).toEqual([['0000:01:00.0', '0000:00:01.0']]);
  });

  it('takes another boot command line: without parker_cma= it has no CMA areas', () => {
    const fs = new TreeFs(buildDefaultServerTree({ cmdline: 'ro quiet' }));
    expect(fs.read('proc/cmdline')).toBe('ro quiet\n');
    expect(fs.exists('sys/kernel/mm/cma')).toBe(false);
    expect(fs.read('sys/kernel/iommu_groups/0/type')).toBe('DMA-FQ\n');
    expect(new TreeFs(buildDefaultServerTree()).list('sys/kernel/mm/cma')).toEqual(['parker0', 'parker1', 'parker2', 'parker3']);
  });

  it('is a read-only synthetic machine', () => {
    const machine = defaultServerMachine();
    expect([machine.kind, machine.description, machine.arch]).toEqual(['synthetic', 'synthetic default server', 'x86_64']);
    expect(() => machine.fs.write('sys/devices/system/cpu/cpu1/online', '0')).toThrow(/EROFS/);
  });

  it('is documented as it is: the PCI table of docs/synthetic.md', () => {
    const doc = fs.readFileSync(new URL('../../docs/synthetic.md', import.meta.url), 'utf8');
    const section = doc.slice(doc.indexOf('## The default server'));
    const rows = section
      .split('\n')
      .filter((line) => /^\| [0-9a-f]{4}:/.test(line))
      .map((line) => line.split('|').slice(1, -1).map((cell) => cell.trim().replace(/`/g, '')));
    const hex4 = (n: number) => n.toString(16).padStart(4, '0');
    expect(rows.map(([address, node, group, , ids, driver, label]) => [address, node, group, ids, driver, label])).toEqual(
      DEFAULT_SERVER_PCI.map((p) => [
        p.address,
        String(p.node),
        String(p.iommuGroup),
        `${hex4(p.vendor)}:${hex4(p.device)}`,
        p.driver,
        p.label,
      ]),
    );
  });
});
