import type { FileTree } from '../machines/file-tree.js';
import { parsePciAddress } from '../units/pci-address.js';
import type { SyntheticPciDevice } from './description.js';
import type { SyntheticLayout } from './layout.js';
import { buildPciConfig, PCIE_TYPE } from './pci-config.js';
import { CpuSetText, dirAt, hex, link, put, putBytes, relativeTarget, sub } from './tree-files.js';

const LINK_SPEEDS: Record<number, string> = { 1: '2.5 GT/s PCIe', 2: '5.0 GT/s PCIe', 3: '8.0 GT/s PCIe', 4: '16.0 GT/s PCIe', 5: '32.0 GT/s PCIe' };
const hex4 = (n: number) => `0x${hex(n, 4)}`;
const HEX4 = (n: number) => hex(n, 4).toUpperCase();

/**
 * The PCI functions as the kernel shows them: a directory per function under its root bus
 * (nested under its bridge when it has one), sys/bus/pci/devices links to it, driver and
 * IOMMU group links both ways, and the bus directories with their CPU affinity.
 */
export function writePci(tree: FileTree, layout: SyntheticLayout): void {
  const { pci, nodes, counts } = layout;
  const text = new CpuSetText(counts.cpus);
  const allCpus = layout.cpus.map((c) => c.id);
  const byAddress = new Map(pci.map((dev) => [dev.address, dev]));
  const paths = new Map<string, string>();
  const pathOf = (dev: SyntheticPciDevice): string => {
    let path = paths.get(dev.address);
    if (path === undefined) {
      const a = parsePciAddress(dev.address);
      const parent = dev.parent === null ? undefined : byAddress.get(dev.parent);
      const above = parent === undefined ? `sys/devices/pci${hex(a.domain, 4)}:${hex(a.bus, 2)}` : pathOf(parent);
      path = `${above}/${dev.address}`;
      paths.set(dev.address, path);
    }
    return path;
  };
  const rootBuses = new Set<string>();
  const busDevices = dirAt(tree, 'sys/bus/pci/devices');
  const bus = dirAt(tree, 'sys/bus/pci');
  put(bus, 'drivers_autoprobe', 1);
  bus.set('rescan', { type: 'file', data: '' });
  const drivers = sub(bus, 'drivers');
  const groups = dirAt(tree, 'sys/kernel/iommu_groups');
  const passThrough = /(^|\s)iommu=pt(\s|$)/.test(layout.description.cmdline);
  const classBus = dirAt(tree, 'sys/class/pci_bus');

  const writeBusDir = (deviceDir: string, domain: number, busNumber: number, cpus: number[]) => {
    const name = `${hex(domain, 4)}:${hex(busNumber, 2)}`;
    const dir = sub(dirAt(tree, `${deviceDir}/pci_bus`), name);
    put(dir, 'cpuaffinity', text.mask(cpus));
    put(dir, 'cpulistaffinity', text.list(cpus));
    link(classBus, name, relativeTarget('sys/class/pci_bus', `${deviceDir}/pci_bus/${name}`));
  };

  pci.forEach((dev, index) => {
    const a = parsePciAddress(dev.address);
    const path = pathOf(dev);
    const dir = dirAt(tree, path);
    const localCpus = dev.node === null ? allCpus : nodes[dev.node]?.cpus ?? allCpus;
    const bridge = dev.secondaryBus !== undefined;
    const rootBus = `sys/devices/pci${hex(a.domain, 4)}:${hex(a.bus, 2)}`;
    if (dev.parent === null && !rootBuses.has(rootBus)) {
      rootBuses.add(rootBus);
      writeBusDir(rootBus, a.domain, a.bus, localCpus);
    }
    if (bridge) writeBusDir(path, a.domain, dev.secondaryBus!, localCpus);

    const siblings = pci.some((o) => o !== dev && o.address.startsWith(dev.address.slice(0, -1)));
    const pcieType = bridge
      ? dev.parent === null
        ? PCIE_TYPE.rootPort
        : PCIE_TYPE.downstreamPort
      : dev.parent === null
        ? PCIE_TYPE.rootComplexIntegrated
        : PCIE_TYPE.endpoint;
    // BARs get 16 MiB each, far above RAM.
    const bar0 = 2 ** 45 + index * 2 ** 24;
    putBytes(dir, 'config', buildPciConfig(dev, { multiFunction: siblings && a.fn === 0, bus: a.bus, pcieType, bar0 }));
    put(dir, 'vendor', hex4(dev.vendor));
    put(dir, 'device', hex4(dev.device));
    put(dir, 'subsystem_vendor', hex4(dev.subsystemVendor));
    put(dir, 'subsystem_device', hex4(dev.subsystemDevice));
    put(dir, 'class', `0x${hex(dev.classCode, 6)}`);
    put(dir, 'revision', `0x${hex(dev.revision, 2)}`);
    put(dir, 'numa_node', dev.node ?? -1);
    put(dir, 'enable', dev.driver === null ? 0 : 1);
    put(dir, 'local_cpus', text.mask(localCpus));
    put(dir, 'local_cpulist', text.list(localCpus));
    put(dir, 'irq', 24 + index);
    put(dir, 'msi_bus', 1);
    put(dir, 'driver_override', '(null)');
    put(dir, 'current_link_speed', LINK_SPEEDS[dev.link.gen] ?? 'Unknown');
    put(dir, 'max_link_speed', LINK_SPEEDS[dev.link.gen] ?? 'Unknown');
    put(dir, 'current_link_width', dev.link.width);
    put(dir, 'max_link_width', dev.link.width);
    const sub8 = (n: number) => hex((dev.classCode >> n) & 0xff, 2).toUpperCase();
    const modalias =
      `pci:v0000${HEX4(dev.vendor)}d0000${HEX4(dev.device)}sv0000${HEX4(dev.subsystemVendor)}` +
      `sd0000${HEX4(dev.subsystemDevice)}bc${sub8(16)}sc${sub8(8)}i${sub8(0)}`;
    put(dir, 'modalias', modalias);
    const uevent = [
      ...(dev.driver === null ? [] : [`DRIVER=${dev.driver}`]),
      `PCI_CLASS=${dev.classCode.toString(16).toUpperCase()}`,
      `PCI_ID=${HEX4(dev.vendor)}:${HEX4(dev.device)}`,
      `PCI_SUBSYS_ID=${HEX4(dev.subsystemVendor)}:${HEX4(dev.subsystemDevice)}`,
      `PCI_SLOT_NAME=${dev.address}`,
      `MODALIAS=${modalias}`,
    ];
    put(dir, 'uevent', uevent.join('\n'));
    if (dev.sriovTotalVfs > 0) {
      put(dir, 'sriov_totalvfs', dev.sriovTotalVfs);
      put(dir, 'sriov_numvfs', 0);
      put(dir, 'sriov_offset', 128);
      put(dir, 'sriov_stride', 1);
      put(dir, 'sriov_vf_device', dev.device.toString(16));
      put(dir, 'sriov_drivers_autoprobe', 1);
    }
    link(dir, 'subsystem', relativeTarget(path, 'sys/bus/pci'));
    link(busDevices, dev.address, relativeTarget('sys/bus/pci/devices', path));

    if (dev.driver !== null) {
      const driverDir = `sys/bus/pci/drivers/${dev.driver}`;
      const driver = sub(drivers, dev.driver);
      for (const file of ['bind', 'unbind', 'new_id', 'remove_id']) driver.set(file, { type: 'file', data: '' });
      put(driver, 'uevent', `DRIVER=${dev.driver}`);
      link(driver, dev.address, relativeTarget(driverDir, path));
      link(dir, 'driver', relativeTarget(path, driverDir));
    }

    const groupPath = `sys/kernel/iommu_groups/${dev.iommuGroup}`;
    const group = sub(groups, String(dev.iommuGroup));
    put(group, 'type', passThrough ? 'identity' : 'DMA-FQ');
    put(group, 'reserved_regions', '0x00000000fee00000 0x00000000feefffff msi');
    link(sub(group, 'devices'), dev.address, relativeTarget(`${groupPath}/devices`, path));
    link(dir, 'iommu_group', relativeTarget(path, groupPath));
  });
}
