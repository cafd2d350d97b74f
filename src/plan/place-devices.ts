import type { Diagnostic } from '../spec/diagnostic.js';
import type { DeviceRequest, LayoutSpec } from '../spec/spec-schema.js';
import type { PciDevice, Topology } from '../topology/model.js';
import { comparePciAddresses, normalizePciAddress } from '../units/pci-address.js';

export type DeviceClass = 'nvme' | 'net' | 'storage' | 'gpu' | 'accelerator' | 'any';

/** Which 24-bit class codes each selector class takes. */
const CLASS_MATCH: Record<DeviceClass, (code: number | null) => boolean> = {
  nvme: (code) => code === 0x010802,
  storage: (code) => code !== null && code >>> 16 === 0x01,
  net: (code) => code !== null && code >>> 16 === 0x02,
  gpu: (code) => code !== null && code >>> 16 === 0x03,
  accelerator: (code) => code !== null && code >>> 16 === 0x12,
  any: () => true,
};

export interface DeviceOptions {
  /** Memory node of each kernel (index as in spec.kernels); selectors with local: true use it. */
  memoryNodes: readonly (number | null)[];
  /** false for the first-fit baseline: selectors ignore `local`. */
  localityAware: boolean;
  /** PCI address -> what of the boot kernel it backs: selectors never pick these. */
  bootDependencies?: ReadonlyMap<string, string>;
}

export interface DeviceAssignment {
  /** Resolved addresses per kernel, sorted. */
  kernels: string[][];
  /** Everything the boot kernel keeps: every device no kernel took, and boot.devices. */
  boot: string[];
  diagnostics: Diagnostic[];
}

/**
 * Explicit addresses first (every kernel's, so selectors never take a device someone named),
 * then selectors in spec order. A selector takes devices that are not bridges, on PCI domain 0,
 * not known to lack MSI and MSI-X, not kept by the boot kernel, not taken, of its class and,
 * when local, on the kernel's memory node. It never takes a device whose IOMMU group has a
 * function elsewhere, takes whole groups first, and goes by lowest address.
 */
export function assignDevices(spec: LayoutSpec, topology: Topology, options: DeviceOptions): DeviceAssignment {
  const diagnostics: Diagnostic[] = [];
  const kernels: string[][] = spec.kernels.map(() => []);
  /** Address -> kernel index that has it. */
  const owner = new Map<string, number>();

  const bootKept = new Set<string>(options.bootDependencies?.keys() ?? []);
  for (const [j, text] of spec.boot.devices.entries()) {
    const address = normalizeOr(text, diagnostics, ['boot', 'devices', j], 'boot');
    if (address !== null) bootKept.add(address);
  }

  spec.kernels.forEach((kernel, i) => {
    kernel.devices.forEach((request, j) => {
      const text = typeof request === 'string' ? request : 'address' in request ? request.address : null;
      if (text === null) return;
      const address = normalizeOr(text, diagnostics, ['kernels', i, 'devices', j], kernel.name);
      if (address === null) return;
      kernels[i]!.push(address);
      if (!owner.has(address)) owner.set(address, i);
    });
  });

  const groups = new GroupIndex(topology.pci);
  spec.kernels.forEach((kernel, i) => {
    kernel.devices.forEach((request, j) => {
      if (!isSelector(request)) return;
      const memoryNode = options.memoryNodes[i] ?? null;
      const local = request.local && options.localityAware;
      const eligible = (d: PciDevice) =>
        !d.bridge &&
        d.address.startsWith('0000:') &&
        !(d.msi === false && d.msix === false) &&
        !bootKept.has(d.address) &&
        !owner.has(d.address) &&
        CLASS_MATCH[request.class](d.classCode) &&
        groups.freeFor(d, i, owner, bootKept);
      const candidates = topology.pci.filter((d) => eligible(d) && (!local || (memoryNode !== null && d.node === memoryNode)));
      const picked = pickWholeGroupsFirst(candidates, request.count, groups);
      for (const address of picked) {
        owner.set(address, i);
        kernels[i]!.push(address);
      }
      if (picked.length < request.count) {
        const elsewhere = local ? topology.pci.filter((d) => eligible(d) && d.node !== memoryNode).length : 0;
        diagnostics.push(selectorDiagnostic(kernel.name, ['kernels', i, 'devices', j], request, picked, memoryNode, local, elsewhere));
      }
    });
  });

  const taken = new Set(owner.keys());
  const boot = [...new Set([...topology.pci.map((d) => d.address).filter((a) => !taken.has(a)), ...[...bootKept].filter((a) => !taken.has(a))])];
  return {
    kernels: kernels.map((list) => [...new Set(list)].sort(comparePciAddresses)),
    boot: boot.sort(comparePciAddresses),
    diagnostics,
  };
}

type Selector = Extract<DeviceRequest, { class: string }>;

function isSelector(request: DeviceRequest): request is Selector {
  return typeof request !== 'string' && 'class' in request;
}

function normalizeOr(text: string, diagnostics: Diagnostic[], path: (string | number)[], kernel: string): string | null {
  try {
    return normalizePciAddress(text);
  } catch (error) {
    diagnostics.push({
      severity: 'error',
      rule: 'device-address',
      message: error instanceof Error ? error.message : `invalid PCI address ${JSON.stringify(text)}`,
      fix: 'write the address as lspci -D prints it, DDDD:BB:DD.F such as "0000:41:00.0"',
      path,
      kernels: [kernel],
    });
    return null;
  }
}

/** Devices (not bridges) by IOMMU group; a device without a group is a group of its own. */
class GroupIndex {
  private readonly members = new Map<number, PciDevice[]>();

  constructor(devices: readonly PciDevice[]) {
    for (const d of devices) {
      if (d.iommuGroup === null || d.bridge) continue;
      const list = this.members.get(d.iommuGroup) ?? [];
      list.push(d);
      this.members.set(d.iommuGroup, list);
    }
  }

  of(d: PciDevice): PciDevice[] {
    return d.iommuGroup === null ? [d] : (this.members.get(d.iommuGroup) ?? [d]);
  }

  /** No function of the device's group belongs to another kernel or is kept by the boot kernel. */
  freeFor(d: PciDevice, kernel: number, owner: ReadonlyMap<string, number>, bootKept: ReadonlySet<string>): boolean {
    return this.of(d).every((m) => m === d || (!bootKept.has(m.address) && (owner.get(m.address) ?? kernel) === kernel));
  }
}

/** Whole IOMMU groups that fit first (lowest address first), then single functions by address. */
function pickWholeGroupsFirst(candidates: readonly PciDevice[], count: number, groups: GroupIndex): string[] {
  const isCandidate = new Set(candidates.map((d) => d.address));
  const sorted = [...candidates].sort((a, b) => comparePciAddresses(a.address, b.address));
  const picked = new Set<string>();
  for (const d of sorted) {
    if (picked.size >= count || picked.has(d.address)) continue;
    const group = groups.of(d).map((m) => m.address);
    if (group.length <= count - picked.size && group.every((a) => isCandidate.has(a))) for (const a of group) picked.add(a);
  }
  for (const d of sorted) {
    if (picked.size >= count) break;
    picked.add(d.address);
  }
  return [...picked].sort(comparePciAddresses);
}

function selectorDiagnostic(
  kernel: string,
  path: (string | number)[],
  request: Selector,
  picked: readonly string[],
  memoryNode: number | null,
  local: boolean,
  elsewhere: number,
): Diagnostic {
  const what = `${request.count} ${request.class === 'any' ? '' : `${request.class} `}device${request.count === 1 ? '' : 's'}`;
  const found = picked.length === 0 ? 'none is free' : `only ${picked.length} ${picked.length === 1 ? 'is' : 'are'} free (${picked.join(', ')})`;
  if (local && memoryNode === null) {
    return {
      severity: 'error',
      rule: 'device-selector',
      message: `kernel "${kernel}" asks for ${what} local to its memory node, but that node is unknown (its first CPU is not placed on a known node)`,
      fix: 'fix the kernel\'s cpus first, set local: false, or name devices by address',
      path,
      kernels: [kernel],
    };
  }
  const where = local ? ` on node ${memoryNode} (its memory node)` : '';
  const lower = picked.length > 0 ? `lower count to ${picked.length}` : 'remove this selector';
  const widen = local ? `, set local: false (${elsewhere} more on other nodes)` : '';
  return {
    severity: 'error',
    rule: 'device-selector',
    message: `kernel "${kernel}" asks for ${what}${where}, but ${found}; devices kept by the boot kernel, bridges, devices off PCI domain 0 and functions of IOMMU groups used elsewhere are not chosen`,
    fix: `${lower}${widen}, free devices listed in boot.devices or by earlier kernels, or name devices by address`,
    path,
    kernels: [kernel],
  };
}
