import type { FileTree } from '../machines/file-tree.js';
import type { Machine } from '../machines/machine.js';
import { parseSyntheticDescription, type SyntheticDescription, type SyntheticPciDevice } from './description.js';
import { SYNTHETIC_NIC, SYNTHETIC_NVME } from './layout.js';
import { syntheticMachine, syntheticTreeWithHardware } from './tree.js';
import type { HardwareStructure } from '../topology/hardware-topology.js';

/**
 * The built-in machine: two 64-core packages with two NUMA nodes each, 256 CPUs (thread
 * siblings n and n+128), 64 GiB per node in 2 GiB blocks, and the PCI devices of
 * docs/synthetic.md ("The default server").
 */
export const DEFAULT_SERVER_DESCRIPTION = 'pack:2 numa:2 l3:4 core:8 pu:2 mem:64G block:2G dist:10,12,32 numbering:linux';

/** The boot kernel's command line: 48 GiB of Parker CMA on each node, IOMMU in pass-through. */
export const DEFAULT_SERVER_CMDLINE =
  'BOOT_IMAGE=/boot/vmlinuz-6.1.0-parker root=/dev/nvme0n1p2 ro console=ttyS0,115200 ' +
  'parker_cma=0:48G,1:48G,2:48G,3:48G iommu=pt';

const ROOT_PORT: Omit<SyntheticPciDevice, 'address' | 'node' | 'iommuGroup' | 'parent' | 'label'> = {
  vendor: 0x8086,
  device: 0x347a,
  subsystemVendor: 0x8086,
  subsystemDevice: 0x0000,
  classCode: 0x060400,
  revision: 0x04,
  driver: 'pcieport',
  msi: true,
  msixVectors: 0,
  sriovTotalVfs: 0,
  link: { gen: 4, width: 4 },
};

const CONNECTX6: Omit<SyntheticPciDevice, 'address' | 'node' | 'iommuGroup' | 'parent' | 'label'> = {
  vendor: 0x15b3,
  device: 0x101b,
  subsystemVendor: 0x15b3,
  subsystemDevice: 0x0007,
  classCode: 0x020000,
  revision: 0x00,
  driver: 'mlx5_core',
  msi: false,
  msixVectors: 128,
  sriovTotalVfs: 8,
  link: { gen: 4, width: 16 },
};

const INTEL_P5510: Omit<SyntheticPciDevice, 'address' | 'node' | 'iommuGroup' | 'parent' | 'label'> = {
  ...SYNTHETIC_NVME,
  vendor: 0x8086,
  device: 0x0b60,
  subsystemVendor: 0x8086,
  subsystemDevice: 0x8008,
  msixVectors: 129,
};

/** One entry per PCI function, in address order. Each node's root bus is 00, 40, 80, c0. */
export const DEFAULT_SERVER_PCI: readonly SyntheticPciDevice[] = [
  { ...ROOT_PORT, address: '0000:00:01.0', node: 0, iommuGroup: 0, parent: null, secondaryBus: 1, subordinateBus: 1, label: 'PCIe root port above the boot NVMe' },
  { ...SYNTHETIC_NIC, address: '0000:00:02.0', node: 0, iommuGroup: 1, parent: null, label: 'boot NIC' },
  { ...SYNTHETIC_NVME, address: '0000:01:00.0', node: 0, iommuGroup: 2, parent: '0000:00:01.0', label: 'boot NVMe (root filesystem)' },
  { ...SYNTHETIC_NVME, address: '0000:40:01.0', node: 1, iommuGroup: 3, parent: null, label: 'NVMe of node 1' },
  { ...SYNTHETIC_NIC, address: '0000:40:02.0', node: 1, iommuGroup: 4, parent: null, label: 'NIC of node 1' },
  { ...SYNTHETIC_NVME, address: '0000:80:01.0', node: 2, iommuGroup: 5, parent: null, label: 'NVMe of node 2' },
  { ...SYNTHETIC_NIC, address: '0000:80:02.0', node: 2, iommuGroup: 6, parent: null, label: 'NIC of node 2' },
  { ...SYNTHETIC_NVME, address: '0000:c0:01.0', node: 3, iommuGroup: 7, parent: null, label: 'NVMe of node 3' },
  { ...SYNTHETIC_NIC, address: '0000:c0:02.0', node: 3, iommuGroup: 8, parent: null, label: 'NIC of node 3' },
  { ...CONNECTX6, address: '0000:c0:03.0', node: 3, iommuGroup: 9, parent: null, label: 'dual-port NIC, port 0' },
  { ...CONNECTX6, address: '0000:c0:03.1', node: 3, iommuGroup: 9, parent: null, label: 'dual-port NIC, port 1' },
  { ...INTEL_P5510, address: '0001:00:01.0', node: 1, iommuGroup: 10, parent: null, label: 'NVMe on PCI domain 1' },
];

/** The default server as a description object; `cmdline` replaces the boot command line. */
export function defaultServerDescription(options: { cmdline?: string } = {}): SyntheticDescription {
  return {
    ...parseSyntheticDescription(DEFAULT_SERVER_DESCRIPTION),
    cmdline: options.cmdline ?? DEFAULT_SERVER_CMDLINE,
    pciDevices: DEFAULT_SERVER_PCI.map((dev) => ({ ...dev, link: { ...dev.link } })),
  };
}

export function buildDefaultServerTree(options: { cmdline?: string } = {}): FileTree {
  return defaultServerTreeWithHardware(options).tree;
}

/** The default server's tree with its hardware's structure (syntheticTreeWithHardware). */
export function defaultServerTreeWithHardware(options: { cmdline?: string } = {}): { tree: FileTree; hardware: () => HardwareStructure } {
  const made = syntheticTreeWithHardware(defaultServerDescription(options));
  return { tree: addBootDevices(made.tree), hardware: made.hardware };
}

/**
 * What the boot kernel of the default server runs on: its root filesystem on the boot NVMe
 * (0000:01:00.0) and its default route over the first NIC (0000:00:02.0), as /proc and sysfs
 * show them. Validation refuses to hand these over (H22) unless forced.
 */
function addBootDevices(tree: FileTree): FileTree {
  const nvme = 'devices/pci0000:00/0000:00:01.0/0000:01:00.0/nvme/nvme0/nvme0n1';
  tree
    .file('proc/mounts', '/dev/nvme0n1p2 / ext4 rw,relatime 0 0\n/dev/nvme0n1p1 /boot/efi vfat rw,relatime 0 0\nproc /proc proc rw,nosuid,nodev,noexec,relatime 0 0\nsysfs /sys sysfs rw,nosuid,nodev,noexec,relatime 0 0\n')
    .file('proc/swaps', 'Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n')
    .file(
      'proc/net/route',
      'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n' +
        'eth0\t00000000\t0100A8C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n' +
        'eth0\t0000A8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n',
    )
    .file(`sys/${nvme}/nvme0n1p1/partition`, '1\n')
    .file(`sys/${nvme}/nvme0n1p2/partition`, '2\n')
    .link('sys/class/block/nvme0n1', `../../${nvme}`)
    .link('sys/class/block/nvme0n1p1', `../../${nvme}/nvme0n1p1`)
    .link('sys/class/block/nvme0n1p2', `../../${nvme}/nvme0n1p2`)
    .dir('sys/devices/pci0000:00/0000:00:02.0/net/eth0')
    .link('sys/devices/pci0000:00/0000:00:02.0/net/eth0/device', '../../../0000:00:02.0')
    .link('sys/class/net/eth0', '../../devices/pci0000:00/0000:00:02.0/net/eth0');
  return tree;
}

export function defaultServerMachine(options: { cmdline?: string } = {}): Machine {
  const machine = syntheticMachine(defaultServerDescription(options));
  return { ...machine, description: 'synthetic default server' };
}
