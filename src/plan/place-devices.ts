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
  /** false for the first-fit baseline: selectors ignore `local`. */
  localityAware: boolean;
  /** PCI address -> what of the boot kernel it backs: selectors never pick these. */
  bootDependencies?: ReadonlyMap<string, string> | undefined;
}

export interface DeviceAssignment {
  /** Resolved addresses per kernel, sorted. */
  kernels: string[][];
  /** Everything the boot kernel keeps: every device no kernel took, and boot.devices. */
  boot: string[];
  diagnostics: Diagnostic[];
}

/**
 * The machine's PCI functions as kernels get them. Explicit addresses are reserved first
 * (every kernel's, so selectors never take a device someone named); then each kernel's
 * selectors run, in spec order, once its memory node is known. A selector takes devices that
 * are not bridges, on PCI domain 0, not known to lack MSI and MSI-X, not kept by the boot
 * kernel, not taken, of its class and, when local, on the kernel's memory node. It never takes
 * a device whose IOMMU group has a function elsewhere, takes whole groups first, and goes by
 * lowest address.
 */
export class DevicePool {
  private readonly diagnostics: Diagnostic[] = [];
  private readonly kernels: string[][];
  /** Address -> index of the kernel that has it. */
  private readonly owner = new Map<string, number>();
  private readonly bootKept: Set<string>;
  private readonly groups: GroupIndex;
  private readonly deviceNode = new Map<string, number | null>();

  constructor(
    private readonly spec: LayoutSpec,
    private readonly topology: Topology,
    private readonly options: DeviceOptions,
  ) {
    this.kernels = spec.kernels.map(() => []);
    this.groups = new GroupIndex(topology.pci);
    for (const d of topology.pci) this.deviceNode.set(d.address, d.node);
    this.bootKept = new Set<string>(options.bootDependencies?.keys() ?? []);
    for (const [j, text] of spec.boot.devices.entries()) {
      const address = this.normalize(text, ['boot', 'devices', j], 'boot');
      if (address !== null) this.bootKept.add(address);
    }
    spec.kernels.forEach((kernel, i) => {
      kernel.devices.forEach((request, j) => {
        const text = typeof request === 'string' ? request : 'address' in request ? request.address : null;
        if (text === null) return;
        const address = this.normalize(text, ['kernels', i, 'devices', j], kernel.name);
        if (address === null) return;
        this.kernels[i]!.push(address);
        if (!this.owner.has(address)) this.owner.set(address, i);
      });
    });
  }

  /**
   * What taking kernel `i`'s memory from `node` would cost in devices: the number of its devices
   * (named, or picked by its selectors now) that would be on another node, or null when its
   * local selectors cannot all be met there. Null for every node means the kernel has no
   * device to place by (or locality is ignored).
   */
  remoteDevicesIf(i: number, node: number): number | null {
    if (!this.options.localityAware) return 0;
    const owner = new TentativeOwners(this.owner);
    let remote = 0;
    for (const { request } of this.selectorsOf(i)) {
      const picked = this.pick(i, request, node, owner);
      if (request.local && picked.length < request.count) return null;
      remote += picked.filter((a) => this.isRemote(a, node)).length;
    }
    for (const address of this.kernels[i]!) if (this.isRemote(address, node)) remote++;
    return remote;
  }

  /** Whether kernel `i` has devices whose place depends on its memory node. */
  hasDevices(i: number): boolean {
    return this.options.localityAware && this.spec.kernels[i]!.devices.length > 0;
  }

  private isRemote(address: string, node: number): boolean {
    const n = this.deviceNode.get(address);
    return n !== undefined && n !== null && n !== node;
  }

  /** Runs kernel `i`'s selectors for its memory node (null: unknown). */
  assign(i: number, memoryNode: number | null): void {
    const kernel = this.spec.kernels[i]!;
    for (const { request, j } of this.selectorsOf(i)) {
      const local = request.local && this.options.localityAware;
      const picked = this.pick(i, request, memoryNode, this.owner);
      this.kernels[i]!.push(...picked);
      if (picked.length < request.count) {
        const elsewhere = local ? this.topology.pci.filter((d) => this.eligible(d, i, request, this.owner) && d.node !== memoryNode).length : 0;
        this.diagnostics.push(selectorDiagnostic(kernel.name, ['kernels', i, 'devices', j], request, picked, memoryNode, local, elsewhere));
      }
    }
  }

  result(): DeviceAssignment {
    const taken = new Set(this.owner.keys());
    const kept = [...this.topology.pci.map((d) => d.address), ...this.bootKept].filter((a) => !taken.has(a));
    return {
      kernels: this.kernels.map((list) => [...new Set(list)].sort(comparePciAddresses)),
      boot: [...new Set(kept)].sort(comparePciAddresses),
      diagnostics: this.diagnostics,
    };
  }

  private selectorsOf(i: number): { request: Selector; j: number }[] {
    return this.spec.kernels[i]!.devices.flatMap((request, j) => (isSelector(request) ? [{ request, j }] : []));
  }

  /**
   * Picks for one selector and records the picks in `owner`: devices on the memory node first
   * (only those when local), then, for `local: false`, the others.
   */
  private pick(i: number, request: Selector, memoryNode: number | null, owner: Owners): string[] {
    const local = request.local && this.options.localityAware;
    const eligible = this.topology.pci.filter((d) => this.eligible(d, i, request, owner));
    const near = eligible.filter((d) => memoryNode !== null && d.node === memoryNode);
    let picked = pickWholeGroupsFirst(this.options.localityAware ? near : eligible, request.count, this.groups);
    if (!local && this.options.localityAware && picked.length < request.count) {
      const taken = new Set(picked);
      const far = eligible.filter((d) => !taken.has(d.address) && !near.includes(d));
      picked = [...picked, ...pickWholeGroupsFirst(far, request.count - picked.length, this.groups)].sort(comparePciAddresses);
    }
    for (const address of picked) owner.set(address, i);
    return picked;
  }

  private eligible(d: PciDevice, i: number, request: Selector, owner: Owners): boolean {
    return (
      !d.bridge &&
      d.address.startsWith('0000:') &&
      !(d.msi === false && d.msix === false) &&
      !this.bootKept.has(d.address) &&
      !owner.has(d.address) &&
      CLASS_MATCH[request.class](d.classCode) &&
      this.groups.freeFor(d, i, owner, this.bootKept)
    );
  }

  private normalize(text: string, path: (string | number)[], kernel: string): string | null {
    try {
      return normalizePciAddress(text);
    } catch (error) {
      this.diagnostics.push({
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
}

type Selector = Extract<DeviceRequest, { class: string }>;

/** Address -> index of the kernel that has it. */
interface Owners {
  has(address: string): boolean;
  get(address: string): number | undefined;
  set(address: string, kernel: number): unknown;
}

/** The owners as they would be after some trial picks, without copying the real ones. */
class TentativeOwners implements Owners {
  private readonly added = new Map<string, number>();
  constructor(private readonly base: ReadonlyMap<string, number>) {}
  has(address: string): boolean {
    return this.added.has(address) || this.base.has(address);
  }
  get(address: string): number | undefined {
    return this.added.get(address) ?? this.base.get(address);
  }
  set(address: string, kernel: number): void {
    this.added.set(address, kernel);
  }
}

function isSelector(request: DeviceRequest): request is Selector {
  return typeof request !== 'string' && 'class' in request;
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
  freeFor(d: PciDevice, kernel: number, owner: Owners, bootKept: ReadonlySet<string>): boolean {
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
