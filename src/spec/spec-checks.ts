import { parseCpuList } from '../units/cpulist.js';
import { ParkerError } from '../units/parker-error.js';
import { normalizePciAddress } from '../units/pci-address.js';
import { formatSize, parseSize } from '../units/size.js';
import type { Diagnostic } from './diagnostic.js';
import { parseDuration } from './duration.js';
import type { KernelSpec, LayoutSpec } from './spec-schema.js';

const GiB = 2 ** 30;

/**
 * Checks a schema-valid spec needs no machine for: values that parse, sizes Parker can
 * allocate, names and devices given once. Everything about the machine is src/validate/'s.
 */
export function specDiagnostics(spec: LayoutSpec): Diagnostic[] {
  const out: Diagnostic[] = [];
  if (typeof spec.boot.cpus === 'string') out.push(...cpuListDiagnostics(spec.boot.cpus, ['boot', 'cpus'], ['boot']));
  out.push(...duplicateDevices(spec.boot.devices, ['boot', 'devices'], ['boot']));
  spec.kernels.forEach((kernel, i) => out.push(...kernelDiagnostics(kernel, ['kernels', i])));
  out.push(...nameDiagnostics(spec));
  return out;
}

function kernelDiagnostics(kernel: KernelSpec, at: (string | number)[]): Diagnostic[] {
  const kernels = [kernel.name];
  const out: Diagnostic[] = [];
  if (typeof kernel.cpus === 'string') out.push(...cpuListDiagnostics(kernel.cpus, [...at, 'cpus'], kernels));
  else out.push(...placementDiagnostics(kernel.cpus, [...at, 'cpus'], kernels));
  out.push(...memoryDiagnostics(kernel.memory, [...at, 'memory'], kernels));
  const addresses = kernel.devices.map((d) => (typeof d === 'string' ? d : 'address' in d ? d.address : undefined));
  out.push(...duplicateDevices(addresses, [...at, 'devices'], kernels));
  out.push(...durationDiagnostics(kernel.bootTimeout, [...at, 'bootTimeout'], kernels));
  if (kernel.stop) out.push(...durationDiagnostics(kernel.stop.timeout, [...at, 'stop', 'timeout'], kernels));
  return out;
}

function cpuListDiagnostics(text: string, path: (string | number)[], kernels: string[]): Diagnostic[] {
  let cpus: number[];
  try {
    cpus = parseCpuList(text);
  } catch (error) {
    return [{ severity: 'error', rule: 'cpu-list', message: messageOf(error), fix: 'write CPUs as numbers and ranges, such as "8-15,136-143"', path, kernels }];
  }
  if (cpus.length === 0) {
    return [{ severity: 'error', rule: 'cpu-list', message: `the CPU list ${JSON.stringify(text)} is empty`, fix: 'list at least one CPU, or give a count: `cpus: { count: 8 }`', path, kernels }];
  }
  return [];
}

/** `nodes` also narrows `packed` and `spread` (the placer honours it); only `placement: nodes` needs it. */
function placementDiagnostics(cpus: Exclude<KernelSpec['cpus'], string>, path: (string | number)[], kernels: string[]): Diagnostic[] {
  if (cpus.placement !== 'nodes' || cpus.nodes !== undefined) return [];
  return [
    {
      severity: 'error',
      rule: 'placement-nodes',
      message: '`placement: nodes` needs the list of NUMA nodes to place on',
      fix: 'add `nodes: [1]` (the node numbers) next to `placement: nodes`',
      path: [...path, 'placement'],
      kernels,
    },
  ];
}

function memoryDiagnostics(text: string, path: (string | number)[], kernels: string[]): Diagnostic[] {
  let bytes: number;
  try {
    bytes = parseSize(text);
  } catch (error) {
    return [{ severity: 'error', rule: 'memory-size', message: messageOf(error), fix: 'write whole GiB such as "16G"', path, kernels }];
  }
  if (bytes === 0) {
    return [{ severity: 'error', rule: 'memory-size', message: `memory ${JSON.stringify(text)} is zero`, fix: 'give at least 1G', path, kernels }];
  }
  if (bytes % GiB !== 0) {
    const roundedUp = Math.ceil(bytes / GiB);
    return [
      {
        severity: 'error',
        rule: 'memory-gib',
        message: `memory ${JSON.stringify(text)} (${formatSize(bytes)}) is not a whole number of GiB: Parker allocates partition memory in 1 GiB units`,
        fix: `round up to ${roundedUp}G`,
        path,
        kernels,
      },
    ];
  }
  return [];
}

function durationDiagnostics(text: string, path: (string | number)[], kernels: string[]): Diagnostic[] {
  let ms: number;
  try {
    ms = parseDuration(text);
  } catch (error) {
    return [{ severity: 'error', rule: 'duration', message: messageOf(error), fix: 'write a duration such as "90s"', path, kernels }];
  }
  if (ms === 0) return [{ severity: 'error', rule: 'duration', message: `the duration ${JSON.stringify(text)} is zero: nothing can finish in no time`, fix: 'give a time such as "90s"', path, kernels }];
  return [];
}

/** The same function named twice in one list: the second mention is the error. */
function duplicateDevices(addresses: readonly (string | undefined)[], path: (string | number)[], kernels: string[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  const first = new Map<string, number>();
  addresses.forEach((address, i) => {
    if (address === undefined) return;
    let canonical: string;
    try {
      canonical = normalizePciAddress(address);
    } catch (error) {
      out.push({ severity: 'error', rule: 'pci-address', message: messageOf(error), fix: 'write the address as lspci -D prints it, such as "0000:41:00.0"', path: [...path, i], kernels });
      return;
    }
    const earlier = first.get(canonical);
    if (earlier === undefined) first.set(canonical, i);
    else {
      out.push({
        severity: 'error',
        rule: 'duplicate-device',
        message: `device ${canonical} is listed twice (entries ${earlier} and ${i})`,
        fix: 'remove the second entry',
        path: [...path, i],
        kernels,
      });
    }
  });
  return out;
}

/** Names are unique, and "boot" stays free: diagnostics call the boot kernel that. */
function nameDiagnostics(spec: LayoutSpec): Diagnostic[] {
  const first = new Map<string, number>();
  const out: Diagnostic[] = [];
  spec.kernels.forEach((kernel, i) => {
    if (kernel.name === 'boot') {
      out.push({
        severity: 'error',
        rule: 'reserved-name',
        message: 'the name "boot" is reserved for the boot kernel',
        fix: 'choose another name',
        path: ['kernels', i, 'name'],
        kernels: [kernel.name],
      });
    }
    const earlier = first.get(kernel.name);
    if (earlier === undefined) first.set(kernel.name, i);
    else {
      out.push({
        severity: 'error',
        rule: 'unique-names',
        message: `kernel name "${kernel.name}" is already used by kernels[${earlier}]`,
        fix: 'give each kernel its own name',
        path: ['kernels', i, 'name'],
        kernels: [kernel.name],
      });
    }
  });
  return out;
}

function messageOf(error: unknown): string {
  if (error instanceof ParkerError) return error.message;
  throw error;
}
