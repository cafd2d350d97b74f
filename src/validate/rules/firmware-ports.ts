import { hasParam, listOptions } from '../../plan/cmdline-params.js';
import { consolePortsOf, serialPortsOf } from '../../plan/serial-ports.js';
import { BOOT, listWords, quoted } from '../layout-lookup.js';
import type { Finding, Rule } from '../rule.js';
import { allLines, cmdlinePath, kernelLabel, type KernelLine } from '../kernel-lines.js';

/**
 * H17: firmware services and legacy ports are global and not re-entrant. Two kernels driving
 * one serial port (console=, earlyprintk=, earlycon=) garble each other and fight over its
 * registers (error). An application kernel also probes the legacy serial ports as it boots and
 * claims ttyS0 whatever its own console (measured on the Parker kernel): when ttyS0 is the boot
 * kernel's, each start touches its UART (info; the simulator reports it at each start). EFI
 * runtime services called from two kernels at once corrupt firmware state, so application
 * kernels run with `efi=noruntime` (or `noefi`) (error).
 */
export const firmwarePortsRule: Rule = {
  id: 'firmware-ports',
  hazard: 'H17',
  description: 'each kernel has a serial port of its own; application kernels do not call EFI runtime services',
  needsPlacement: false,
  check(ctx) {
    const out: Finding[] = [];
    const lines = allLines(ctx);
    const users = new Map<string, KernelLine[]>();
    for (const line of lines) for (const port of serialPortsOf(line.params)) users.set(port, [...(users.get(port) ?? []), line]);
    const used = new Set(users.keys());
    let free = 1;
    const nextFree = () => {
      while (used.has(`ttyS${free}`)) free++;
      used.add(`ttyS${free}`);
      return `ttyS${free}`;
    };
    for (const [port, sharing] of users) {
      // Two kernels of one name are unique-names' error; their lines are not two kernels' ports.
      if (new Set(sharing.map((l) => l.name)).size < 2) continue;
      const last = sharing[sharing.length - 1]!;
      const spec = last.index === null ? undefined : ctx.spec.kernels[last.index];
      const fromCmdline = last.params.some((p) => p.fromSpec && serialPortsOf([p]).includes(port));
      const suggestion = nextFree();
      out.push({
        severity: 'error',
        message: `${sharing.map(kernelLabel).join(' and ')} both drive serial port ${port}: their output mixes and they reprogram the same UART under each other`,
        fix: fromCmdline
          ? `remove ${port} from the cmdline of ${kernelLabel(last)} and set console: ${suggestion}`
          : `give ${kernelLabel(last)} a port of its own: console: ${suggestion}`,
        path: fromCmdline || last.index === null ? cmdlinePath(last) : spec?.console !== undefined ? ['kernels', last.index, 'console'] : ['kernels', last.index],
        kernels: sharing.map((l) => l.name),
      });
    }
    const boot = lines.find((line) => line.index === null);
    const bootConsoleOnTtyS0 = boot !== undefined && consolePortsOf(boot.params).includes('ttyS0');
    const onTtyS0 = new Set(users.get('ttyS0'));
    const probing = bootConsoleOnTtyS0 ? lines.filter((line) => line.index !== null && !onTtyS0.has(line)) : [];
    if (probing.length > 0) {
      out.push({
        severity: 'info',
        message: `${listWords(probing.map((line) => quoted(line.name)))} ${probing.length === 1 ? 'probes the legacy serial ports as it boots and claims' : 'probe the legacy serial ports as they boot and claim'} ttyS0, the boot kernel's console, whatever ${probing.length === 1 ? 'its' : 'their'} own (measured on the Parker kernel): each start touches its UART and may disturb its output`,
        fix: "nothing to change in the layout; to keep the boot kernel's console undisturbed, move it to a port the application kernels do not probe (a PCI serial port)",
        kernels: [BOOT, ...probing.map((line) => line.name)],
      });
    }
    for (const line of lines) {
      if (line.index === null || efiRuntimeOff(line)) continue;
      out.push({
        severity: 'error',
        message: `${kernelLabel(line)} may call EFI runtime services: the firmware is not re-entrant, and a call from two kernels at once corrupts its state (variables, clock)`,
        fix: `add efi=noruntime to the cmdline of ${kernelLabel(line)}, and remove any efi=runtime`,
        path: cmdlinePath(line),
        kernels: [line.name],
      });
    }
    return out;
  },
};

/** The last of efi=noruntime / efi=runtime wins; noefi turns EFI off altogether. */
function efiRuntimeOff(line: KernelLine): boolean {
  if (hasParam(line.params, 'noefi')) return true;
  let off = false;
  for (const option of listOptions(line.params, 'efi')) {
    if (option === 'noruntime') off = true;
    if (option === 'runtime') off = false;
  }
  return off;
}
