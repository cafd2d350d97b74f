import { describe, expect, test } from 'vitest';
import { FileTree, TreeFs } from '../src/machines/file-tree.js';
import { discoverBootDependencies } from '../src/topology/boot-dependencies.js';
import { buildDefaultServerTree } from '../src/synthetic/default-server.js';

const NVME_DIR = 'devices/pci0000:40/0000:40:01.1/0000:41:00.0/nvme/nvme0/nvme0n1';
const SATA_DIR = 'devices/pci0000:00/0000:00:17.0/ata1/host0/target0:0:0/0:0:0:0/block/sda';
const SWAPS_HEADER = 'Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n';
const ROUTE_HEADER = 'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n';

/** A block device (disk or partition) whose sysfs directory is `sys/<dir>`, linked from sys/class/block. */
function block(tree: FileTree, name: string, dir: string, partition = false): FileTree {
  tree.dir(`sys/${dir}`).link(`sys/class/block/${name}`, `../../${dir}`);
  if (partition) tree.file(`sys/${dir}/partition`, '1\n');
  return tree;
}

/** A network interface on a PCI function, linked as the kernel does. */
function nic(tree: FileTree, iface: string, pciPath: string): FileTree {
  const function_ = pciPath.split('/').pop()!;
  return tree
    .dir(`sys/${pciPath}/net/${iface}`)
    .link(`sys/${pciPath}/net/${iface}/device`, `../../../${function_}`)
    .link(`sys/class/net/${iface}`, `../../${pciPath}/net/${iface}`);
}

function nvmeRootServer(): FileTree {
  const tree = new FileTree()
    .file('proc/mounts', 'sysfs /sys sysfs rw 0 0\n/dev/nvme0n1p2 / ext4 rw,relatime 0 0\n/dev/nvme0n1p1 /boot/efi vfat rw 0 0\ntmpfs /run tmpfs rw 0 0\n')
    .file('proc/swaps', `${SWAPS_HEADER}/dev/nvme0n1p3                          partition\t8388604\t\t0\t\t-2\n`)
    .file(
      'proc/net/route',
      `${ROUTE_HEADER}eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\neth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\neth1\t0000A8C0\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0\n`,
    );
  block(tree, 'nvme0n1', NVME_DIR);
  for (const p of ['nvme0n1p1', 'nvme0n1p2', 'nvme0n1p3']) block(tree, p, `${NVME_DIR}/${p}`, true);
  nic(tree, 'eth0', 'devices/pci0000:00/0000:00:1c.0/0000:02:00.0');
  nic(tree, 'eth1', 'devices/pci0000:00/0000:00:1c.1/0000:03:00.0');
  return tree;
}

describe('discoverBootDependencies', () => {
  test('NVMe root, EFI partition and swap partition on one drive; default route over a NIC', () => {
    expect(discoverBootDependencies(new TreeFs(nvmeRootServer()))).toEqual(
      new Map([
        ['0000:02:00.0', 'default route via eth0'],
        ['0000:41:00.0', 'root filesystem /, filesystem /boot/efi, swap /dev/nvme0n1p3'],
      ]),
    );
  });

  test('a device-mapper root over two disks, a swap file on it, a second filesystem escaped in /proc/mounts', () => {
    const tree = new FileTree()
      .file('proc/mounts', '/dev/mapper/vg0-root / xfs rw 0 0\n/dev/sdb1 /srv/my\\040data ext4 rw 0 0\n')
      .file('proc/swaps', `${SWAPS_HEADER}/swapfile file 1048572 0 -2\n`)
      .file('sys/devices/virtual/block/dm-0/dm/name', 'vg0-root\n')
      .link('sys/devices/virtual/block/dm-0/slaves/sda2', `../../../../pci0000:00/0000:00:17.0/ata1/host0/target0:0:0/0:0:0:0/block/sda/sda2`)
      .link('sys/devices/virtual/block/dm-0/slaves/nvme0n1', `../../../../pci0000:40/0000:40:01.1/0000:41:00.0/nvme/nvme0/nvme0n1`)
      .link('sys/block/dm-0', '../devices/virtual/block/dm-0')
      .link('sys/class/block/dm-0', '../../devices/virtual/block/dm-0');
    block(tree, 'sda2', `${SATA_DIR}/sda2`, true);
    block(tree, 'nvme0n1', NVME_DIR);
    block(tree, 'sdb1', 'devices/pci0000:00/0000:00:1f.2/ata3/host2/target2:0:0/2:0:0:0/block/sdb/sdb1', true);
    expect(discoverBootDependencies(new TreeFs(tree))).toEqual(
      new Map([
        ['0000:00:17.0', 'root filesystem /, swap /swapfile'],
        ['0000:00:1f.2', 'filesystem /srv/my data'],
        ['0000:41:00.0', 'root filesystem /, swap /swapfile'],
      ]),
    );
  });

  test('follows /dev links when the machine has them, and /dev/root through root=PARTUUID=', () => {
    const tree = nvmeRootServer()
      .file('proc/mounts', '/dev/root / ext4 rw 0 0\n')
      .file('proc/swaps', SWAPS_HEADER)
      .file('proc/cmdline', 'BOOT_IMAGE=/vmlinuz root=PARTUUID=1234-02 ro quiet\n')
      .link('dev/disk/by-partuuid/1234-02', '../../nvme0n1p2');
    expect(discoverBootDependencies(new TreeFs(tree)).get('0000:41:00.0')).toBe('root filesystem /');
  });

  test('an md partition is followed to its disk and the disks below it', () => {
    const tree = new FileTree().file('proc/mounts', '/dev/md0p1 / ext4 rw 0 0\n');
    block(tree, 'md0', 'devices/virtual/block/md0');
    block(tree, 'md0p1', 'devices/virtual/block/md0/md0p1', true);
    tree.link('sys/devices/virtual/block/md0/slaves/sda2', '../../../../pci0000:00/x/sda2');
    block(tree, 'sda2', `${SATA_DIR}/sda2`, true);
    expect(discoverBootDependencies(new TreeFs(tree))).toEqual(new Map([['0000:00:17.0', 'root filesystem /']]));
  });

  test('a native-multipath NVMe namespace is served by every controller of its subsystem', () => {
    const tree = new FileTree().file('proc/mounts', '/dev/nvme0n1p2 / ext4 rw 0 0\n');
    block(tree, 'nvme0n1p2', 'devices/virtual/nvme-subsystem/nvme-subsys0/nvme0n1/nvme0n1p2', true);
    tree
      .link('sys/class/nvme-subsystem/nvme-subsys0', '../../devices/virtual/nvme-subsystem/nvme-subsys0')
      .link('sys/devices/virtual/nvme-subsystem/nvme-subsys0/nvme0', '../../../pci0000:40/0000:40:01.1/0000:41:00.0/nvme/nvme0')
      .link('sys/devices/virtual/nvme-subsystem/nvme-subsys0/nvme1', '../../../pci0000:80/0000:80:01.1/0000:81:00.0/nvme/nvme1');
    expect([...discoverBootDependencies(new TreeFs(tree)).keys()]).toEqual(['0000:41:00.0', '0000:81:00.0']);
  });

  test('an IPv6 default route over a VLAN on a bond reaches both NICs; reject routes on lo do not count', () => {
    const zero = '0'.repeat(32);
    const tree = new FileTree().file(
      'proc/net/ipv6_route',
      `${zero} 00 ${zero} 00 fd000000000000000000000000000001 00000400 00000002 00000000 00000003     bond0.100\n` +
        `${zero} 00 ${zero} 00 ${zero} ffffffff 00000001 00000000 00200200       lo\n`,
    );
    nic(tree, 'eth0', 'devices/pci0000:00/0000:00:1c.0/0000:02:00.0');
    nic(tree, 'eth1', 'devices/pci0000:00/0000:00:1c.0/0000:02:00.1');
    tree
      .dir('sys/devices/virtual/net/bond0')
      .link('sys/devices/virtual/net/bond0/lower_eth0', '../../../pci0000:00/0000:00:1c.0/0000:02:00.0/net/eth0')
      .link('sys/devices/virtual/net/bond0/lower_eth1', '../../../pci0000:00/0000:00:1c.0/0000:02:00.1/net/eth1')
      .link('sys/class/net/bond0', '../../devices/virtual/net/bond0')
      .link('sys/devices/virtual/net/bond0.100/lower_bond0', '../bond0')
      .link('sys/class/net/bond0.100', '../../devices/virtual/net/bond0.100');
    expect(discoverBootDependencies(new TreeFs(tree))).toEqual(
      new Map([
        ['0000:02:00.0', 'default route via bond0.100'],
        ['0000:02:00.1', 'default route via bond0.100'],
      ]),
    );
  });

  test('a virtio disk and NIC: the PCI function sits above the virtio device', () => {
    const tree = new FileTree().file('proc/mounts', '/dev/vda / ext4 rw 0 0\n').file('proc/net/route', `${ROUTE_HEADER}eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n`);
    block(tree, 'vda', 'devices/pci0000:00/0000:00:02.0/virtio1/block/vda');
    tree.dir('sys/devices/pci0000:00/0000:00:03.0/virtio2/net/eth0').link('sys/devices/pci0000:00/0000:00:03.0/virtio2/net/eth0/device', '../../../virtio2');
    tree.link('sys/class/net/eth0', '../../devices/pci0000:00/0000:00:03.0/virtio2/net/eth0');
    expect(discoverBootDependencies(new TreeFs(tree))).toEqual(
      new Map([
        ['0000:00:02.0', 'root filesystem /'],
        ['0000:00:03.0', 'default route via eth0'],
      ]),
    );
  });

  test('returns what it can: nothing from an empty machine, nothing for devices it cannot place', () => {
    expect(discoverBootDependencies(new TreeFs(new FileTree()))).toEqual(new Map());
    const tree = new FileTree()
      .file('proc/mounts', '/dev/sdz1 / ext4 rw 0 0\n/dev/mapper/gone /x ext4 rw 0 0\n/dev/root /y ext4 rw 0 0\n')
      .file('proc/swaps', `${SWAPS_HEADER}/swapfile file 1 0 -2\n`)
      .file('proc/net/route', `${ROUTE_HEADER}wg0\t00000000\t00000000\t0001\t0\t0\t0\t00000000\t0\t0\t0\n`);
    expect(discoverBootDependencies(new TreeFs(tree))).toEqual(new Map());
  });
});

describe('the default server', () => {
  /** The files the synthetic default server needs so its boot NVMe backs "/" and its boot NIC holds the default route. */
  function withBootDependencies(tree: FileTree): FileTree {
    const nvme = 'devices/pci0000:00/0000:00:01.0/0000:01:00.0/nvme/nvme0/nvme0n1';
    tree
      .file('proc/mounts', 'sysfs /sys sysfs rw,nosuid,nodev,noexec,relatime 0 0\nproc /proc proc rw,nosuid,nodev,noexec,relatime 0 0\n/dev/nvme0n1p2 / ext4 rw,relatime 0 0\n/dev/nvme0n1p1 /boot/efi vfat rw,relatime 0 0\n')
      .file('proc/swaps', SWAPS_HEADER)
      .file('proc/net/route', `${ROUTE_HEADER}eth0\t00000000\t0100A8C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\neth0\t0000A8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n`);
    block(tree, 'nvme0n1', nvme);
    block(tree, 'nvme0n1p1', `${nvme}/nvme0n1p1`, true);
    block(tree, 'nvme0n1p2', `${nvme}/nvme0n1p2`, true);
    return nic(tree, 'eth0', 'devices/pci0000:00/0000:00:02.0');
  }

  test('with these files its boot NVMe backs "/" and its boot NIC the default route', () => {
    const tree = withBootDependencies(buildDefaultServerTree());
    expect(discoverBootDependencies(new TreeFs(tree))).toEqual(
      new Map([
        ['0000:00:02.0', 'default route via eth0'],
        ['0000:01:00.0', 'root filesystem /, filesystem /boot/efi'],
      ]),
    );
  });
});
