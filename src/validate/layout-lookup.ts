import type { KernelPlacement } from '../plan/resolved-layout.js';
import type { DeviceRequest, KernelSpec } from '../spec/spec-schema.js';
import type { PciDevice, Topology } from '../topology/model.js';
import type { RuleContext } from './rule.js';
import { normalizePciAddress } from '../units/pci-address.js';

/** Shared look-ups for validation rules: from resolved resources back to the spec lines that asked for them. */

export type SpecPath = (string | number)[];

/** The name diagnostics use for the boot kernel in `kernels`. */
export const BOOT = 'boot';

export function kernelPath(kernel: Pick<KernelPlacement, 'index'>, ...rest: (string | number)[]): SpecPath {
  return ['kernels', kernel.index, ...rest];
}

/** Canonical address, or null when the text is not a PCI address at all. */
export function normalizeOrNull(text: string): string | null {
  try {
    return normalizePciAddress(text);
  } catch {
    return null;
  }
}

/** The address a device entry names, as written; null for a selector. */
export function requestedAddress(request: DeviceRequest): string | null {
  if (typeof request === 'string') return request;
  return 'address' in request ? request.address : null;
}

export function pciByAddress(topology: Topology): Map<string, PciDevice> {
  return new Map(topology.pci.map((d) => [d.address, d]));
}

/** Where a resolved device came from: the entry naming its address, else the first selector. */
export interface DeviceOrigin {
  path: SpecPath;
  /** `force: true` on an address entry. */
  force: boolean;
  byAddress: boolean;
}

export function deviceOrigin(spec: KernelSpec | undefined, index: number, address: string): DeviceOrigin {
  const entries = spec?.devices ?? [];
  const named = entries.findIndex((e) => {
    const text = requestedAddress(e);
    return text !== null && normalizeOrNull(text) === address;
  });
  if (named >= 0) {
    const entry = entries[named]!;
    return { path: ['kernels', index, 'devices', named], force: typeof entry === 'object' && 'force' in entry && entry.force, byAddress: true };
  }
  const selector = entries.findIndex((e) => requestedAddress(e) === null);
  return { path: selector >= 0 ? ['kernels', index, 'devices', selector] : ['kernels', index, 'devices'], force: false, byAddress: false };
}

/** Each CPU's owner among the application kernels (the first one listed when several claim it). */
export function cpuOwners(kernels: readonly KernelPlacement[]): Map<number, KernelPlacement> {
  const owners = new Map<number, KernelPlacement>();
  for (const kernel of kernels) {
    for (const cpu of kernel.cpus) if (!owners.has(cpu)) owners.set(cpu, kernel);
  }
  return owners;
}

/** Each device's owner among the application kernels (the first one listed when several claim it). */
export function deviceOwners(kernels: readonly KernelPlacement[]): Map<string, KernelPlacement> {
  const owners = new Map<string, KernelPlacement>();
  for (const kernel of kernels) {
    for (const device of kernel.devices) if (!owners.has(device)) owners.set(device, kernel);
  }
  return owners;
}

export function quoted(name: string): string {
  return `"${name}"`;
}

/** "a", "a and b", "a, b and c". */
export function listWords(words: readonly string[]): string {
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}

/** One device an application kernel was given, with the spec line that asked for it. */
export interface AssignedDevice {
  kernel: KernelPlacement;
  address: string;
  /** Undefined when the machine has no such device (device-exists reports it). */
  device: PciDevice | undefined;
  path: SpecPath;
}

/** Every device of every application kernel, for the rules that judge devices one by one. */
export function assignedDevices(ctx: RuleContext): AssignedDevice[] {
  const pci = pciByAddress(ctx.topology);
  return ctx.placement.kernels.flatMap((kernel) =>
    kernel.devices.map((address) => ({ kernel, address, device: pci.get(address), path: deviceOrigin(ctx.spec.kernels[kernel.index], kernel.index, address).path })),
  );
}
