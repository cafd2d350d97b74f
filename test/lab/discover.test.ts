import { execFileSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Topology } from '../../src/topology/model.js';
import { assertLabReady, explainRun, labKernelRelease, PROJECT_ROOT, runInVm, type VmRun } from './vm.js';

// The default lab machine of lab/run.sh, as QEMU builds it and Linux 6.1 reports it
// (test/fixtures/qemu-q35-2node.md has the same facts read straight from sysfs).
const CPUS = [0, 1, 2, 3, 4, 5, 6, 7];
const packageOf = (cpu: number) => (cpu < 4 ? 0 : 1);
const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const BLOCK = 128 * MiB;
const FIXTURE = 'test/fixtures/qemu-q35-2node.tar.gz';
const NVME = '0000:81:00.0';
const NVME_PORT = '0000:80:00.0';
/** Enumeration order under intel-iommu; the ICH9 functions 00:1f.* share a group. */
const IOMMU_GROUPS: Record<string, number> = {
  '0000:00:00.0': 0,
  '0000:00:01.0': 1,
  '0000:00:02.0': 2,
  '0000:00:03.0': 3,
  '0000:00:04.0': 4,
  '0000:00:05.0': 5,
  '0000:00:06.0': 6,
  '0000:00:1f.0': 7,
  '0000:00:1f.2': 7,
  '0000:00:1f.3': 7,
  [NVME_PORT]: 8,
  [NVME]: 9,
};

describe('parker discover inside the q35 2-node lab VM', () => {
  let run: VmRun;
  let topology: Topology;

  beforeAll(async () => {
    assertLabReady();
    run = await runInVm('discover', 'bin/parker.js', ['discover', '-o', 'json', '--machine', 'host']);
    expect(run.exitCode, explainRun(run)).toBe(0);
    topology = JSON.parse(run.stdout) as Topology;
    const t = run.guestTimes;
    console.log(
      `lab discover: ${run.hostSeconds}s on the host; guest: init at ${t.init}s, ` +
        `parker ran ${((t.end ?? NaN) - (t.start ?? NaN)).toFixed(2)}s`,
    );
  });

  it('describes the running kernel as the host machine', () => {
    expect(topology.schema).toBe('parker.topology/v1');
    expect(topology.machine.kind).toBe('host');
    expect(topology.machine.arch).toBe('x86_64');
    expect(topology.kernel.release).toBe(labKernelRelease());
    expect(topology.kernel.cmdline).toContain('memhp_default_state=online_movable');
  });

  it('sees 8 online CPUs, of which only cpu0 cannot be offlined', () => {
    expect(topology.cpus).toEqual({ possible: CPUS, present: CPUS, online: CPUS, offline: [] });
    expect(topology.cpu.map((c) => [c.id, c.online, c.hotpluggable])).toEqual(CPUS.map((id) => [id, true, id !== 0]));
  });

  it('places each CPU in its package, core, node and thread pair', () => {
    expect(
      topology.cpu.map((c) => ({ id: c.id, package: c.package, die: c.die, core: c.core, node: c.node, siblings: c.threadSiblings })),
    ).toEqual(
      CPUS.map((id) => ({
        id,
        package: packageOf(id),
        die: 0,
        core: (id >> 1) & 1,
        node: packageOf(id),
        siblings: [id & ~1, id | 1],
      })),
    );
    expect(topology.packages.map((p) => ({ id: p.id, cpus: p.cpus, dies: p.dies, nodes: p.nodes }))).toEqual([
      { id: 0, cpus: [0, 1, 2, 3], dies: [0], nodes: [0] },
      { id: 1, cpus: [4, 5, 6, 7], dies: [0], nodes: [1] },
    ]);
    expect(topology.cores.map((c) => [c.package, c.coreId, c.cpus, c.node])).toEqual([
      [0, 0, [0, 1], 0],
      [0, 1, [2, 3], 0],
      [1, 0, [4, 5], 1],
      [1, 1, [6, 7], 1],
    ]);
  });

  it('shares L2 per core and L3 per package, and points each CPU at its L3', () => {
    const shared = (level: number) =>
      topology.caches.filter((c) => c.level === level && c.type === 'Unified').map((c) => [c.cpus, c.sizeBytes]);
    expect(shared(2)).toEqual([
      [[0, 1], 4 * MiB],
      [[2, 3], 4 * MiB],
      [[4, 5], 4 * MiB],
      [[6, 7], 4 * MiB],
    ]);
    expect(shared(3)).toEqual([
      [[0, 1, 2, 3], 16 * MiB],
      [[4, 5, 6, 7], 16 * MiB],
    ]);
    for (const cpu of topology.cpu) {
      const llc = topology.caches[cpu.llc ?? -1];
      expect({ cpu: cpu.id, level: llc?.level, cpus: llc?.cpus }).toEqual({
        cpu: cpu.id,
        level: 3,
        cpus: packageOf(cpu.id) === 0 ? [0, 1, 2, 3] : [4, 5, 6, 7],
      });
    }
  });

  it('has two NUMA nodes, node 1 with its boot RAM plus the 1G DIMM', () => {
    expect(topology.nodes.map((n) => ({ id: n.id, cpus: n.cpus, distances: n.distances, hasCpu: n.hasCpu, hasMemory: n.hasMemory }))).toEqual([
      { id: 0, cpus: [0, 1, 2, 3], distances: { '0': 10, '1': 20 }, hasCpu: true, hasMemory: true },
      { id: 1, cpus: [4, 5, 6, 7], distances: { '0': 20, '1': 10 }, hasCpu: true, hasMemory: true },
    ]);
    // MemTotal is the node's RAM less what the kernel reserved at boot.
    const node0 = topology.nodes[0]?.memoryBytes ?? 0;
    const node1 = topology.nodes[1]?.memoryBytes ?? 0;
    expect(node0).toBeGreaterThan(0.85 * GiB);
    expect(node0).toBeLessThanOrEqual(1 * GiB);
    expect(node1).toBeGreaterThan(1.85 * GiB);
    expect(node1).toBeLessThanOrEqual(2 * GiB);
    expect(topology.memory.totalBytes).toBe(node0 + node1);
  });

  it('reports boot RAM in 128 MiB blocks on both nodes and the DIMM as Movable blocks on node 1 at 4 GiB', () => {
    const memory = topology.memory;
    expect(memory.blockSizeBytes).toBe(BLOCK);
    const boot = [...Array(16).keys()];
    const dimm = [32, 33, 34, 35, 36, 37, 38, 39];
    expect(memory.blocks.map((b) => b.index)).toEqual([...boot, ...dimm]);
    expect(memory.blocks.every((b) => b.state === 'online' && b.online === true)).toBe(true);
    expect(memory.blocks.filter((b) => b.index < 16).map((b) => b.node)).toEqual(boot.map((i) => (i < 8 ? 0 : 1)));
    expect(memory.blocks.filter((b) => b.index >= 1 && b.index < 16).every((b) => b.zones.join() === 'DMA32')).toBe(true);
    const dimmBlocks = memory.blocks.filter((b) => b.index >= 32);
    expect(dimmBlocks.map((b) => ({ node: b.node, zones: b.zones, start: b.range.start }))).toEqual(
      dimm.map((i) => ({ node: 1, zones: ['Movable'], start: i * BLOCK })),
    );
    expect(memory.systemRam).toContainEqual({ start: 4 * GiB, end: 5 * GiB - 1 });
  });

  it('finds the NVMe drive on node 1 behind the expander bridge root port', () => {
    const nvme = topology.pci.find((d) => d.address === NVME);
    expect(nvme).toMatchObject({ classCode: 0x010802, vendor: 0x1b36, device: 0x0010, node: 1, driver: 'nvme', parent: NVME_PORT, bridge: false, msix: true });
    const port = topology.pci.find((d) => d.address === NVME_PORT);
    expect(port).toMatchObject({ classCode: 0x060400, node: 1, driver: 'pcieport', bridge: true, parent: null });
    // Devices on the root bus have no NUMA affinity (numa_node -1).
    expect(topology.pci.filter((d) => d.address.startsWith('0000:00:')).map((d) => d.node)).toEqual(Array(10).fill(null));
    expect(topology.pci.find((d) => d.address === '0000:00:04.0')).toMatchObject({ classCode: 0x020000, driver: 'e1000' });
  });

  it('puts every PCI device in its IOMMU group', () => {
    expect(Object.fromEntries(topology.pci.map((d) => [d.address, d.iommuGroup]))).toEqual(IOMMU_GROUPS);
  });

  it(`is the machine ${FIXTURE} recorded (else rerun lab/fixture.sh)`, () => {
    const json = execFileSync(process.execPath, ['bin/parker.js', 'discover', '--from', FIXTURE, '-o', 'json'], { cwd: PROJECT_ROOT, encoding: 'utf8' });
    // Only what differs by design: the machine kind, the run name on the kernel command
    // line, and PCI names (the guest has no pci.ids database). What the kernel itself keeps
    // (its release, MemTotal, reserved ranges) is left out too: when Debian retires the
    // pinned kernel, setup takes the current one, and the machine is still the same.
    const comparable = (t: Topology) => ({
      ...t,
      machine: null,
      kernel: { release: null, cmdline: t.kernel.cmdline?.replace(/ parker\.lab\.run=\S+/, '') },
      nodes: t.nodes.map((n) => ({ ...n, memoryBytes: null })),
      memory: { ...t.memory, systemRam: [], reserved: [], totalBytes: null },
      pci: t.pci.map((d) => ({ ...d, vendorName: null, deviceName: null })),
    });
    expect(comparable(topology)).toEqual(comparable(JSON.parse(json) as Topology));
  });
});
