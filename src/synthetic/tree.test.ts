import { describe, expect, it } from 'vitest';
import { TreeFs, type FileTree } from '../machines/file-tree.js';
import { buildDefaultServerTree } from './default-server.js';
import { parsePciConfig } from '../topology/pci-config.js';
import { parseSyntheticDescription } from './description.js';
import { buildSyntheticTree, relativeTarget, syntheticMachine } from './tree.js';

const fromText = (text: string) => buildSyntheticTree(parseSyntheticDescription(text));
const server = new TreeFs(buildDefaultServerTree());
const CPU = 'sys/devices/system/cpu';
const NODE = 'sys/devices/system/node';
const MEM = 'sys/devices/system/memory';
const PCI = 'sys/bus/pci/devices';

describe('CPU files', () => {
  it('lists the CPU sets; every CPU but the boot CPU can go offline', () => {
    expect(server.read(`${CPU}/possible`)).toBe('0-255\n');
    expect(server.read(`${CPU}/present`)).toBe('0-255\n');
    expect(server.read(`${CPU}/online`)).toBe('0-255\n');
    expect(server.read(`${CPU}/offline`)).toBe('\n');
    expect(server.read(`${CPU}/kernel_max`)).toBe('8191\n');
    expect(server.exists(`${CPU}/cpu0/online`)).toBe(false);
    expect(server.read(`${CPU}/cpu1/online`)).toBe('1\n');
    expect(server.read(`${CPU}/cpu255/online`)).toBe('1\n');
    expect(server.exists(`${CPU}/cpu256`)).toBe(false);
    expect(server.read(`${CPU}/smt/control`)).toBe('on\n');
  });

  it('writes the topology of a CPU as lists and 256-bit masks', () => {
    const t = `${CPU}/cpu130/topology`;
    const files = Object.fromEntries(server.list(t).map((f) => [f, server.read(`${t}/${f}`)]));
    expect(files).toEqual({
      physical_package_id: '0\n',
      die_id: '0\n',
      cluster_id: '2\n',
      core_id: '2\n',
      thread_siblings_list: '2,130\n',
      thread_siblings: '00000000,00000000,00000000,00000004,00000000,00000000,00000000,00000004\n',
      core_cpus_list: '2,130\n',
      core_cpus: '00000000,00000000,00000000,00000004,00000000,00000000,00000000,00000004\n',
      cluster_cpus_list: '2,130\n',
      cluster_cpus: '00000000,00000000,00000000,00000004,00000000,00000000,00000000,00000004\n',
      core_siblings_list: '0-63,128-191\n',
      core_siblings: '00000000,00000000,ffffffff,ffffffff,00000000,00000000,ffffffff,ffffffff\n',
      package_cpus_list: '0-63,128-191\n',
      package_cpus: '00000000,00000000,ffffffff,ffffffff,00000000,00000000,ffffffff,ffffffff\n',
      die_cpus_list: '0-63,128-191\n',
      die_cpus: '00000000,00000000,ffffffff,ffffffff,00000000,00000000,ffffffff,ffffffff\n',
    });
    // core_id is per package: the first core of package 1 is core 0 again.
    expect(server.read(`${CPU}/cpu64/topology/core_id`)).toBe('0\n');
    expect(server.read(`${CPU}/cpu64/topology/physical_package_id`)).toBe('1\n');
  });

  it('writes L1d, L1i, L2 and L3 with sizes, geometry and sharing', () => {
    const cache = (i: number) => {
      const dir = `${CPU}/cpu9/cache/index${i}`;
      return Object.fromEntries(server.list(dir).map((f) => [f, server.read(`${dir}/${f}`).trimEnd()]));
    };
    expect(cache(0)).toMatchObject({ level: '1', type: 'Data', size: '48K', ways_of_associativity: '12', number_of_sets: '64', shared_cpu_list: '9,137', id: '9' });
    expect(cache(1)).toMatchObject({ level: '1', type: 'Instruction', size: '32K', shared_cpu_list: '9,137' });
    expect(cache(2)).toMatchObject({ level: '2', type: 'Unified', size: '2048K', number_of_sets: '2048', shared_cpu_list: '9,137', id: '9' });
    expect(cache(3)).toEqual({
      level: '3',
      type: 'Unified',
      size: '32768K',
      id: '1',
      shared_cpu_list: '8-15,136-143',
      shared_cpu_map: '00000000,00000000,00000000,0000ff00,00000000,00000000,00000000,0000ff00',
      coherency_line_size: '64',
      ways_of_associativity: '16',
      number_of_sets: '32768',
      physical_line_partition: '1',
    });
  });

  it('links each CPU to its node, and the bus to each CPU', () => {
    expect(server.readlink(`${CPU}/cpu230/node3`)).toBe('../../node/node3');
    expect(server.readlink('sys/bus/cpu/devices/cpu230')).toBe('../../../devices/system/cpu/cpu230');
  });

  it('uses masks as wide as the possible CPUs, as the kernel prints them', () => {
    const small = new TreeFs(fromText('pack:1 core:2 pu:2'));
    expect(small.read(`${CPU}/cpu0/topology/thread_siblings_list`)).toBe('0,2\n');
    expect(small.read(`${CPU}/cpu0/topology/thread_siblings`)).toBe('5\n');
    expect(small.read(`${CPU}/cpu0/topology/package_cpus_list`)).toBe('0-3\n');
    expect(small.read(`${CPU}/cpu1/cache/index3/shared_cpu_map`)).toBe('f\n');
    const wide = new TreeFs(fromText('pack:2 core:9 pu:2'));
    expect(wide.read(`${CPU}/cpu0/topology/package_cpus`)).toBe('0,07fc01ff\n'); // CPUs 0-8 and 18-26 of 36
  });
});

describe('NUMA node files', () => {
  it('lists the nodes and what each has', () => {
    for (const file of ['possible', 'online', 'has_cpu', 'has_memory', 'has_normal_memory']) {
      expect(server.read(`${NODE}/${file}`)).toBe('0-3\n');
    }
    expect(server.read(`${NODE}/node2/cpulist`)).toBe('64-95,192-223\n');
    expect(server.read(`${NODE}/node2/cpumap`)).toBe('00000000,ffffffff,00000000,00000000,00000000,ffffffff,00000000,00000000\n');
    expect(server.read(`${NODE}/node0/distance`)).toBe('10 12 32 32\n');
    expect(server.read(`${NODE}/node3/distance`)).toBe('32 32 12 10\n');
    expect(server.readlink(`${NODE}/node1/cpu33`)).toBe('../../cpu/cpu33');
    expect(server.readlink(`${NODE}/node1/memory33`)).toBe('../../memory/memory33');
  });

  it('writes meminfo in the kernel format, MemTotal being the node memory', () => {
    const lines = server.read(`${NODE}/node1/meminfo`).split('\n');
    expect(lines.slice(0, 4)).toEqual([
      'Node 1 MemTotal:       67108864 kB',
      'Node 1 MemFree:        66060288 kB',
      'Node 1 MemUsed:         1048576 kB',
      'Node 1 SwapCached:            0 kB',
    ]);
    expect(lines).toContain('Node 1 Inactive(anon):    32768 kB');
    expect(lines.slice(-4)).toEqual(['Node 1 HugePages_Total:     0', 'Node 1 HugePages_Free:      0', 'Node 1 HugePages_Surp:      0', '']);
  });

  it('marks memory-only nodes as having no CPUs and no normal memory', () => {
    const fs = new TreeFs(fromText('pack:2 core:1 memnodes:1 memnode-mem:4G'));
    expect(fs.read(`${NODE}/has_cpu`)).toBe('0-1\n');
    expect(fs.read(`${NODE}/has_memory`)).toBe('0-2\n');
    expect(fs.read(`${NODE}/has_normal_memory`)).toBe('0-1\n');
    expect(fs.read(`${NODE}/node2/cpulist`)).toBe('\n');
    expect(fs.read(`${NODE}/node2/cpumap`)).toBe('0\n');
    expect(fs.read(`${NODE}/node2/distance`)).toBe('20 42 10\n');
  });
});

describe('memory block files', () => {
  it('writes the block size in hex and every block with its node and zone', () => {
    expect(server.read(`${MEM}/block_size_bytes`)).toBe('80000000\n');
    const blocks = server.list(MEM).filter((name) => name.startsWith('memory'));
    expect(blocks).toHaveLength(33 + 3 * 32);
    const block = (n: number) => Object.fromEntries(['state', 'online', 'phys_index', 'phys_device', 'removable', 'valid_zones'].map((f) => [f, server.read(`${MEM}/memory${n}/${f}`)]));
    expect(block(0)).toEqual({ state: 'online\n', online: '1\n', phys_index: '00000000\n', phys_device: '0\n', removable: '1\n', valid_zones: 'none\n' });
    expect(block(1).valid_zones).toBe('DMA32\n');
    expect(block(128)).toMatchObject({ phys_index: '00000080\n', valid_zones: 'Normal\n' });
    expect(server.readlink(`${MEM}/memory32/node0`)).toBe('../../node/node0');
    expect(server.readlink(`${MEM}/memory33/node1`)).toBe('../../node/node1');
    expect(server.exists(`${MEM}/memory161`)).toBe(false);
  });
});

describe('procfs files', () => {
  it('prints /proc/iomem with System RAM around the holes, children indented', () => {
    expect(new TreeFs(fromText('pack:2 core:1 mem:1G block:1G')).read('proc/iomem')).toBe(
      [
        '00000000-00000fff : Reserved',
        '00001000-0009ffff : System RAM',
        '000a0000-000fffff : Reserved',
        '  000a0000-000bffff : PCI Bus 0000:00',
        '  000f0000-000fffff : System ROM',
        '00100000-40060fff : System RAM',
        '  01000000-01e02fff : Kernel code',
        '  02000000-0249bfff : Kernel rodata',
        '  02600000-0285f7ff : Kernel data',
        '  02d9e000-02ffffff : Kernel bss',
        'c0000000-dfffffff : PCI Bus 0000:00',
        'e0000000-efffffff : Reserved',
        '  e0000000-efffffff : PCI ECAM 0000 [bus 00-ff]',
        'fec00000-fec003ff : IOAPIC 0',
        'fed00000-fed003ff : HPET 0',
        'fee00000-fee00fff : Local APIC',
        'ff000000-ffffffff : Reserved',
        '100000000-13fffffff : System RAM',
        '',
      ].join('\n'),
    );
  });

  it('writes meminfo, cmdline, osrelease and per-CPU APIC ids', () => {
    const meminfo = server.read('proc/meminfo').split('\n');
    expect(meminfo[0]).toBe('MemTotal:       268435456 kB');
    expect(meminfo).toContain('CmaTotal:       201326592 kB');
    expect(meminfo).toContain('Hugepagesize:       2048 kB');
    expect(server.read('proc/cmdline')).toBe(
      'BOOT_IMAGE=/boot/vmlinuz-6.1.0-parker root=/dev/nvme0n1p2 ro console=ttyS0,115200 parker_cma=0:48G,1:48G,2:48G,3:48G iommu=pt\n',
    );
    expect(server.read('proc/sys/kernel/osrelease')).toBe('6.1.0-parker\n');
    const cpuinfo = server.read('proc/cpuinfo').split('\n\n');
    expect(cpuinfo).toHaveLength(257);
    // CPU 129: second thread of core 1 of package 0 (64 cores need 6 bits, threads 1).
    expect(cpuinfo[129]).toMatch(/^processor\t: 129\n[^]*\nphysical id\t: 0\nsiblings\t: 128\ncore id\t\t: 1\ncpu cores\t: 64\napicid\t\t: 3\n/);
  });
});

describe('PCI files', () => {
  it('writes identity, locality and state of a function', () => {
    const dir = `${PCI}/0000:40:02.0`;
    const read = (f: string) => server.read(`${dir}/${f}`);
    expect([read('vendor'), read('device'), read('subsystem_vendor'), read('subsystem_device'), read('class')]).toEqual([
      '0x8086\n',
      '0x1593\n',
      '0x8086\n',
      '0x0002\n',
      '0x020000\n',
    ]);
    expect([read('numa_node'), read('enable'), read('local_cpulist'), read('sriov_totalvfs'), read('sriov_numvfs')]).toEqual([
      '1\n',
      '1\n',
      '32-63,160-191\n',
      '64\n',
      '0\n',
    ]);
    expect(read('local_cpus')).toBe('00000000,00000000,ffffffff,00000000,00000000,00000000,ffffffff,00000000\n');
    expect(read('current_link_speed')).toBe('16.0 GT/s PCIe\n');
    expect(server.exists(`${PCI}/0000:40:01.0/sriov_totalvfs`)).toBe(false);
  });

  it('nests functions under their bridge, with links relative to where they sit', () => {
    expect(server.readlink(`${PCI}/0000:01:00.0`)).toBe('../../../devices/pci0000:00/0000:00:01.0/0000:01:00.0');
    expect(server.readlink(`${PCI}/0001:00:01.0`)).toBe('../../../devices/pci0001:00/0001:00:01.0');
    const nested = 'sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0';
    expect(server.readlink(`${nested}/driver`)).toBe('../../../../bus/pci/drivers/nvme');
    expect(server.readlink(`${nested}/iommu_group`)).toBe('../../../../kernel/iommu_groups/2');
    expect(server.readlink('sys/devices/pci0000:40/0000:40:01.0/driver')).toBe('../../../bus/pci/drivers/nvme');
    expect(server.readlink('sys/bus/pci/drivers/nvme/0000:01:00.0')).toBe('../../../../devices/pci0000:00/0000:00:01.0/0000:01:00.0');
    expect(server.list('sys/kernel/iommu_groups/9/devices')).toEqual(['0000:c0:03.0', '0000:c0:03.1']);
    expect(server.readlink('sys/kernel/iommu_groups/9/devices/0000:c0:03.1')).toBe('../../../../devices/pci0000:c0/0000:c0:03.1');
    expect(server.read('sys/kernel/iommu_groups/9/type')).toBe('identity\n');
    expect(server.list('sys/bus/pci/drivers')).toEqual(['ice', 'mlx5_core', 'nvme', 'pcieport']);
    expect(server.read('sys/class/pci_bus/0000:01/cpulistaffinity')).toBe('0-31,128-159\n');
  });

  it('holds a config space with header, capability list and extended capabilities', () => {
    const nvme = server.readBytes(`${PCI}/0000:01:00.0/config`);
    expect(nvme).toHaveLength(4096);
    const v = new DataView(nvme.buffer, nvme.byteOffset);
    expect([v.getUint16(0x00, true), v.getUint16(0x02, true)]).toEqual([0x144d, 0xa80a]);
    expect(v.getUint16(0x06, true) & 0x10).toBe(0x10);
    expect([nvme[0x0b], nvme[0x0a], nvme[0x09], nvme[0x0e]]).toEqual([0x01, 0x08, 0x02, 0x00]);
    expect([v.getUint16(0x2c, true), v.getUint16(0x2e, true), nvme[0x34]]).toEqual([0x144d, 0xa801, 0x40]);
    // PM at 0x40, MSI at 0x50, PCI Express at 0x70 (an endpoint behind a port), MSI-X at 0xb0.
    expect([nvme[0x40], nvme[0x41], nvme[0x50], nvme[0x51], nvme[0x70], nvme[0x71], nvme[0xb0], nvme[0xb1]]).toEqual([
      0x01, 0x50, 0x05, 0x70, 0x10, 0xb0, 0x11, 0x00,
    ]);
    expect(v.getUint16(0x72, true)).toBe(0x0002);
    expect(v.getUint16(0xb2, true)).toBe(129); // 130 MSI-X vectors, stored minus one
    expect(v.getUint16(0x82, true) & 0x3ff).toBe(0x44); // link status: 16 GT/s, x4
    expect(parsePciConfig(nvme)).toEqual({ headerType: 0, msi: true, msix: true, pcieType: 0 });

    const port = server.readBytes(`${PCI}/0000:00:01.0/config`);
    expect([port[0x0e], port[0x18], port[0x19], port[0x1a], port[0x3d]]).toEqual([0x01, 0x00, 0x01, 0x01, 0x00]);
    expect(parsePciConfig(port)).toEqual({ headerType: 1, msi: true, msix: false, pcieType: 4 });

    const rootBusNic = server.readBytes(`${PCI}/0000:00:02.0/config`);
    expect(parsePciConfig(rootBusNic)).toEqual({ headerType: 0, msi: true, msix: true, pcieType: 9 });
    const sriov = new DataView(rootBusNic.buffer, rootBusNic.byteOffset);
    expect(sriov.getUint32(0x100, true)).toBe(0x15020001); // AER v2, next at 0x150
    expect([sriov.getUint16(0x150, true), sriov.getUint16(0x15e, true)]).toEqual([0x0010, 64]); // SR-IOV, TotalVFs

    const port0 = server.readBytes(`${PCI}/0000:c0:03.0/config`);
    const port1 = server.readBytes(`${PCI}/0000:c0:03.1/config`);
    expect([port0[0x0e], port1[0x0e]]).toEqual([0x80, 0x00]); // function 0 says "multi-function"
    expect(parsePciConfig(port0)).toEqual({ headerType: 0, msi: false, msix: true, pcieType: 9 });
  });

  it('has an empty PCI bus when there are no devices', () => {
    const fs = new TreeFs(fromText('pack:1 core:1'));
    expect(fs.list(PCI)).toEqual([]);
    expect(fs.list('sys/bus/pci/drivers')).toEqual([]);
  });
});

describe('CMA areas', () => {
  it('writes sys/kernel/mm/cma/parker<nid> from parker_cma=', () => {
    const dir = 'sys/kernel/mm/cma/parker3';
    expect(server.list('sys/kernel/mm/cma')).toEqual(['parker0', 'parker1', 'parker2', 'parker3']);
    expect(Object.fromEntries(server.list(dir).map((f) => [f, server.read(`${dir}/${f}`)]))).toEqual({
      alloc_pages_success: '0\n',
      alloc_pages_fail: '0\n',
      release_pages_success: '0\n',
      total_pages: '12582912\n',
      available_pages: '12582912\n',
    });
  });

  it('writes none without parker_cma=', () => {
    expect(new TreeFs(fromText('pack:1 core:1')).exists('sys/kernel/mm/cma')).toBe(false);
  });
});

function danglingLinks(tree: FileTree): string[] {
  const dangling: string[] = [];
  for (const [path, entry] of tree.walk()) {
    if (entry.type === 'link' && tree.get(path) === undefined) dangling.push(`${path} -> ${entry.target}`);
  }
  return dangling;
}

describe('the whole tree', () => {
  it('has no dangling links', () => {
    expect(danglingLinks(buildDefaultServerTree())).toEqual([]);
    expect(danglingLinks(fromText('pack:2 die:2 l3:2 l2:2 core:2 pu:2 memnodes:2 nvme:2 nic:2'))).toEqual([]);
  });

  it('relativeTarget climbs to the common directory', () => {
    expect(relativeTarget('sys/devices/pci0000:00/0000:00:04.0', 'sys/bus/pci/drivers/nvme')).toBe('../../../bus/pci/drivers/nvme');
    expect(relativeTarget('sys/devices/system/node/node0', 'sys/devices/system/cpu/cpu1')).toBe('../../cpu/cpu1');
  });

  it('syntheticMachine names the description it came from', () => {
    const machine = syntheticMachine(' pack:1 core:2 ');
    expect([machine.kind, machine.description, machine.arch]).toEqual(['synthetic', 'synthetic "pack:1 core:2"', 'x86_64']);
    expect(machine.fs.read(`${CPU}/online`)).toBe('0-1\n');
  });

  it('builds a 4096-CPU, 16-node machine in well under a second', () => {
    const d = parseSyntheticDescription('pack:8 numa:2 l3:4 core:32 pu:2 mem:16G');
    buildSyntheticTree(d); // warm up the JIT
    // CPU time, not wall time: the test machine is shared and wall time says little.
    const start = process.cpuUsage();
    const tree = buildSyntheticTree(d);
    const used = process.cpuUsage(start);
    expect(new TreeFs(tree).read(`${CPU}/online`)).toBe('0-4095\n');
    expect((used.user + used.system) / 1000).toBeLessThan(1000);
  });
});
