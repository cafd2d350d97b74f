import type { PciDevice } from '../../topology/model.js';
import { BOOT, normalizeOrNull, quoted, requestedAddress, type SpecPath } from '../layout-lookup.js';
import type { Finding, Rule } from '../rule.js';

/** How many of the machine's addresses a fix lists before it stops. */
const LISTED = 8;

/** Every PCI address in the spec (kernel devices and boot.devices) is a function the machine has. */
export const deviceExistsRule: Rule = {
  id: 'device-exists',
  description: 'every PCI address in the spec names a device of the machine',
  // The spec's own lists against the machine: judged when no kernel could be placed too.
  needsPlacement: false,
  check(ctx) {
    const known = new Set(ctx.topology.pci.map((d) => d.address));
    const endpoints = ctx.topology.pci.filter((d) => !d.bridge);
    const out: Finding[] = [];
    ctx.spec.kernels.forEach((kernel, index) => {
      kernel.devices.forEach((request, j) => {
        const text = requestedAddress(request);
        if (text !== null) out.push(...checkAddress(text, known, endpoints, ['kernels', index, 'devices', j], kernel.name));
      });
    });
    ctx.spec.boot.devices.forEach((text, j) => out.push(...checkAddress(text, known, endpoints, ['boot', 'devices', j], BOOT)));
    return out;
  },
};

function checkAddress(text: string, known: Set<string>, endpoints: PciDevice[], path: SpecPath, kernel: string): Finding[] {
  const who = kernel === BOOT ? 'boot.devices' : `kernel ${quoted(kernel)}`;
  const address = normalizeOrNull(text);
  // An unreadable address is placement's finding ("device-address").
  if (address === null || known.has(address)) return [];
  return [{ severity: 'error', message: `${who} names PCI device ${address}, which the machine does not have`, fix: suggestion(endpoints), path, kernels: [kernel] }];
}

function suggestion(endpoints: PciDevice[]): string {
  if (endpoints.length === 0) return 'the machine shows no PCI devices: remove the entry';
  const shown = endpoints.slice(0, LISTED).map((d) => (d.className === null ? d.address : `${d.address} (${d.className})`));
  const more = endpoints.length > LISTED ? `, ... (${endpoints.length} in all; see \`parker discover\`)` : '';
  return `use an address the machine has: ${shown.join(', ')}${more}`;
}
