import type { SyntheticPciDevice } from './description.js';

/** PCI Express device/port types (PCIe capability register bits 7:4). */
export const PCIE_TYPE = { endpoint: 0, rootPort: 4, downstreamPort: 6, rootComplexIntegrated: 9 } as const;

export interface PciConfigPlacement {
  /** Function 0 of a device that has other functions: header type bit 7. */
  multiFunction: boolean;
  /** The bus the function sits on (a bridge's primary bus). */
  bus: number;
  pcieType: number;
  /** 64-bit address of BAR 0 (endpoints only). */
  bar0: number;
}

/** Capability ids and their sizes in this layout (the standard sizes of each structure). */
const CAP_PM = { id: 0x01, size: 8 };
const CAP_MSI = { id: 0x05, size: 24 };
const CAP_EXP = { id: 0x10, size: 60 };
const CAP_MSIX = { id: 0x11, size: 12 };
const EXT_AER = 0x0001;
const EXT_SRIOV = 0x0010;
const CONFIG_SIZE = 4096;
const CAP_START = 0x40;

/**
 * A PCI Express function's 4 KiB configuration space, as the sysfs `config` file holds it:
 * the type 0 (device) or type 1 (bridge) header, a capability list of power management,
 * MSI (when the function has it), PCI Express with its port type and link, and MSI-X (when
 * it has a table), then AER and SR-IOV in extended space. Little endian, as PCI is.
 */
export function buildPciConfig(dev: SyntheticPciDevice, at: PciConfigPlacement): Uint8Array {
  const bytes = new Uint8Array(CONFIG_SIZE);
  const v = new DataView(bytes.buffer);
  const bridge = dev.secondaryBus !== undefined;
  const enabled = dev.driver !== null;

  v.setUint16(0x00, dev.vendor, true);
  v.setUint16(0x02, dev.device, true);
  // Memory space and bus master when a driver runs it; INTx off because it uses MSI(-X).
  v.setUint16(0x04, enabled ? 0x0406 : 0x0000, true);
  v.setUint16(0x06, 0x0010, true); // status: capability list present
  v.setUint8(0x08, dev.revision);
  v.setUint8(0x09, dev.classCode & 0xff);
  v.setUint8(0x0a, (dev.classCode >> 8) & 0xff);
  v.setUint8(0x0b, (dev.classCode >> 16) & 0xff);
  v.setUint8(0x0c, 0x10); // cache line size: 64 bytes in dwords
  v.setUint8(0x0e, (bridge ? 0x01 : 0x00) | (at.multiFunction ? 0x80 : 0x00));
  if (bridge) {
    v.setUint8(0x18, at.bus);
    v.setUint8(0x19, dev.secondaryBus!);
    v.setUint8(0x1a, dev.subordinateBus ?? dev.secondaryBus!);
    v.setUint8(0x1c, 0xf0); // I/O window closed: base above limit
    v.setUint16(0x20, 0xfff0, true); // memory window closed
    v.setUint16(0x24, 0xfff1, true); // prefetchable window closed, 64-bit capable
    v.setUint16(0x3e, 0x0000, true);
  } else {
    // BAR 0: 64-bit, non-prefetchable memory.
    v.setUint32(0x10, (at.bar0 % 2 ** 32) | 0x4, true);
    v.setUint32(0x14, Math.floor(at.bar0 / 2 ** 32), true);
    v.setUint16(0x2c, dev.subsystemVendor, true);
    v.setUint16(0x2e, dev.subsystemDevice, true);
  }
  v.setUint8(0x3c, 0xff); // interrupt line: none routed
  v.setUint8(0x3d, bridge ? 0x00 : 0x01); // INTA#

  const caps: { id: number; size: number; fill: (pos: number) => void }[] = [
    { ...CAP_PM, fill: (pos) => v.setUint16(pos + 2, 0x0003, true) },
  ];
  if (dev.msi) {
    // 64-bit addresses, per-vector masking, 32 vectors requested at most.
    caps.push({ ...CAP_MSI, fill: (pos) => v.setUint16(pos + 2, 0x0080 | 0x0100 | (5 << 1), true) });
  }
  caps.push({ ...CAP_EXP, fill: (pos) => fillExpressCapability(v, pos, dev, at.pcieType) });
  if (dev.msixVectors > 0) {
    caps.push({
      ...CAP_MSIX,
      fill: (pos) => {
        v.setUint16(pos + 2, dev.msixVectors - 1, true);
        v.setUint32(pos + 4, 0x00002000, true); // table in BAR 0 at 8 KiB
        v.setUint32(pos + 8, 0x00003000, true); // pending bits in BAR 0 at 12 KiB
      },
    });
  }
  v.setUint8(0x34, CAP_START);
  let pos = CAP_START;
  caps.forEach((cap, i) => {
    const next = i + 1 < caps.length ? pos + alignCap(cap.size) : 0;
    v.setUint8(pos, cap.id);
    v.setUint8(pos + 1, next);
    cap.fill(pos);
    pos = next;
  });

  // Extended capabilities: AER at 0x100, then SR-IOV.
  const sriovAt = 0x150;
  v.setUint32(0x100, EXT_AER | (2 << 16) | ((dev.sriovTotalVfs > 0 ? sriovAt : 0) << 20), true);
  if (dev.sriovTotalVfs > 0) {
    v.setUint32(sriovAt, EXT_SRIOV | (1 << 16), true);
    v.setUint16(sriovAt + 0x0c, dev.sriovTotalVfs, true); // InitialVFs
    v.setUint16(sriovAt + 0x0e, dev.sriovTotalVfs, true); // TotalVFs
    v.setUint16(sriovAt + 0x10, 0, true); // NumVFs
    v.setUint16(sriovAt + 0x14, 0x80, true); // first VF offset
    v.setUint16(sriovAt + 0x16, 1, true); // VF stride
    v.setUint16(sriovAt + 0x1a, dev.device, true); // VF device id
  }
  return bytes;
}

const alignCap = (size: number) => Math.ceil(size / 16) * 16;

function fillExpressCapability(v: DataView, pos: number, dev: SyntheticPciDevice, type: number): void {
  const port = type === PCIE_TYPE.rootPort || type === PCIE_TYPE.downstreamPort;
  // Capability version 2, the device/port type, and "slot implemented" on ports.
  v.setUint16(pos + 0x02, 0x0002 | (type << 4) | (port ? 0x0100 : 0), true);
  v.setUint32(pos + 0x04, 0x00008002, true); // device caps: 512-byte payload, role-based errors
  v.setUint16(pos + 0x08, 0x2020, true); // device control: 256-byte payload, 512-byte reads
  const { gen, width } = dev.link;
  // Link caps: speed, width, ASPM L1, and the port number in the top byte.
  v.setUint32(pos + 0x0c, gen | (width << 4) | (2 << 10), true);
  // Link status: trained at full speed and width; ports also report the data link as active.
  v.setUint16(pos + 0x12, gen | (width << 4) | 0x1000 | (port ? 0x2000 : 0), true);
  v.setUint32(pos + 0x2c, ((1 << gen) - 1) << 1, true); // link caps 2: supported speeds vector
  v.setUint16(pos + 0x30, gen, true); // link control 2: target speed
}
