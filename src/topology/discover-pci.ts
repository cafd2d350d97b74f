import { comparePciAddresses } from '../units/pci-address.js';
import type { KernelFiles } from './kernel-files.js';
import type { PciDevice } from './model.js';
import { pciClassName } from './pci-class.js';
import { isPciBridge, parsePciConfig, type PciConfigFacts } from './pci-config.js';
import { loadPciIds, type PciIds } from './pci-ids.js';

export const PCI_DEVICES_DIR = 'sys/bus/pci/devices';

/** A function address as sysfs spells it: "0000:41:00.0" (domains may be wider: VMD's "10000"). */
const SYSFS_PCI_ADDRESS = /^[0-9a-f]{4,8}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/;

const UNREADABLE_CONFIG: PciConfigFacts = { headerType: null, msi: null, msix: null, pcieType: null };

/**
 * Every PCI function under sys/bus/pci/devices, by address. Each entry links to the device's
 * place in the hierarchy (../../../devices/pci0000:00/0000:00:01.0/0000:01:00.0): the
 * component before the device, when it is a function address, is the upstream bridge.
 * `names` gives vendor and device names; by default the pci.ids database, read only when
 * there are devices to name.
 */
export function discoverPci(files: KernelFiles, names?: PciIds): PciDevice[] {
  const addresses = files.list(PCI_DEVICES_DIR).filter((name) => SYSFS_PCI_ADDRESS.test(name));
  if (addresses.length === 0) return [];
  addresses.sort(comparePciAddresses);
  const ids = names ?? loadPciIds();
  return addresses.map((address) => readDevice(files, address, ids));
}

function readDevice(files: KernelFiles, address: string, names: PciIds): PciDevice {
  const dir = `${PCI_DEVICES_DIR}/${address}`;
  const vendor = files.hex(`${dir}/vendor`);
  const device = files.hex(`${dir}/device`);
  const classCode = files.hex(`${dir}/class`);
  const enable = files.int(`${dir}/enable`);
  const totalVfs = files.int(`${dir}/sriov_totalvfs`);
  const group = files.linkName(`${dir}/iommu_group`);
  const config = files.bytes(`${dir}/config`);
  const facts = config === null ? UNREADABLE_CONFIG : parsePciConfig(config);
  return {
    address,
    vendor,
    device,
    vendorName: vendor === null ? null : names.vendorName(vendor),
    deviceName: vendor === null || device === null ? null : names.deviceName(vendor, device),
    classCode,
    className: classCode === null ? null : pciClassName(classCode),
    node: files.id(`${dir}/numa_node`),
    iommuGroup: group !== null && /^\d+$/.test(group) ? Number(group) : null,
    driver: files.linkName(`${dir}/driver`),
    enabled: enable === null ? null : enable !== 0,
    msi: facts.msi,
    msix: facts.msix,
    sriov: totalVfs === null ? null : { totalVfs, numVfs: files.int(`${dir}/sriov_numvfs`) ?? 0 },
    bridge: isPciBridge(classCode, facts),
    parent: parentOf(files.fs.readlink(dir)),
  };
}

/** The upstream bridge named in a device link's target, or null on a root bus. */
function parentOf(target: string | null): string | null {
  if (target === null) return null;
  const parts = target.split('/').filter((p) => p !== '');
  const parent = parts[parts.length - 2];
  return parent !== undefined && SYSFS_PCI_ADDRESS.test(parent) ? parent : null;
}
