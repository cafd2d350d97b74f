import { describe, expect, it } from 'vitest';
import { runRule } from '../rule.js';
import { hazardContext } from '../../../test/fixtures/hazard-context.js';
import { kernelSpec, layoutSpec } from '../../../test/fixtures/rule-context.js';
import { firmwarePortsRule } from './firmware-ports.js';

describe('H17 firmware-ports', () => {
  it('fires when two kernels name the same serial port in console fields', () => {
    const ctx = hazardContext(layoutSpec([kernelSpec('a', { cpus: '1,5', console: 'ttyS2' }), kernelSpec('b', { cpus: '2,6', console: 'ttyS2' })]));
    expect(runRule(firmwarePortsRule, ctx)).toEqual([
      {
        severity: 'error',
        rule: 'firmware-ports',
        hazard: 'H17',
        message: 'kernel "a" and kernel "b" both drive serial port ttyS2: their output mixes and they reprogram the same UART under each other',
        fix: 'give kernel "b" a port of its own: console: ttyS1',
        path: ['kernels', 1, 'console'],
        kernels: ['a', 'b'],
      },
    ]);
  });

  it("fires when a kernel's earlyprintk uses the boot kernel's console port", () => {
    const ctx = hazardContext(layoutSpec([kernelSpec('a', { cpus: '1,5', cmdline: 'earlyprintk=serial,ttyS0,115200' })]), { bootCmdline: 'console=ttyS0,115200' });
    expect(runRule(firmwarePortsRule, ctx).map((d) => [d.message, d.fix, d.path, d.kernels])).toEqual([
      [
        'the boot kernel and kernel "a" both drive serial port ttyS0: their output mixes and they reprogram the same UART under each other',
        'remove ttyS0 from the cmdline of kernel "a" and set console: ttyS2',
        ['kernels', 0, 'cmdline'],
        ['boot', 'a'],
      ],
    ]);
  });

  it('fires when an application kernel may call EFI runtime services', () => {
    const ctx = hazardContext(layoutSpec([kernelSpec('a', { cpus: '1,5', cmdline: 'efi=runtime' })]));
    expect(runRule(firmwarePortsRule, ctx).map((d) => [d.severity, d.message, d.fix, d.path])).toEqual([
      [
        'error',
        'kernel "a" may call EFI runtime services: the firmware is not re-entrant, and a call from two kernels at once corrupts its state (variables, clock)',
        'add efi=noruntime to the cmdline of kernel "a", and remove any efi=runtime',
        ['kernels', 0, 'cmdline'],
      ],
    ]);
  });

  it('stays quiet with generated consoles, a legacy earlycon on its own port, and noefi (the boot kernel on another port than ttyS0)', () => {
    const ctx = hazardContext(
      layoutSpec([kernelSpec('a', { cpus: '1,5', cmdline: 'earlycon=uart8250,io,0x2f8,115200' }), kernelSpec('b', { cpus: '2,6', cmdline: 'efi=runtime noefi' })]),
      { bootCmdline: 'console=ttyS4,115200' },
    );
    expect(ctx.cmdlines.map((c) => c.console)).toEqual(['ttyS2', 'ttyS3']);
    expect(runRule(firmwarePortsRule, ctx)).toEqual([]);
  });

  it("notes that application kernels claim ttyS0 when it is the boot kernel's console (measured), and only then", () => {
    const two = layoutSpec([kernelSpec('a', { cpus: '1,5' }), kernelSpec('b', { cpus: '2,6' })]);
    expect(runRule(firmwarePortsRule, hazardContext(two, { bootCmdline: 'console=ttyS0,115200' }))).toEqual([
      {
        severity: 'info',
        rule: 'firmware-ports',
        hazard: 'H17',
        message: '"a" and "b" probe the legacy serial ports as they boot and claim ttyS0, the boot kernel\'s console, whatever their own (measured on the Parker kernel): each start touches its UART and may disturb its output',
        fix: "nothing to change in the layout; to keep the boot kernel's console undisturbed, move it to a port the application kernels do not probe (a PCI serial port)",
        kernels: ['boot', 'a', 'b'],
      },
    ]);
    // The console named by its I/O port is ttyS0 too; one kernel is said in the singular.
    const one = layoutSpec([kernelSpec('a', { cpus: '1,5' })]);
    expect(runRule(firmwarePortsRule, hazardContext(one, { bootCmdline: 'console=uart8250,io,0x3f8,115200' })).map((d) => d.message)).toEqual([
      '"a" probes the legacy serial ports as it boots and claims ttyS0, the boot kernel\'s console, whatever its own (measured on the Parker kernel): each start touches its UART and may disturb its output',
    ]);
    // ttyS0 driven by the boot kernel's early console only is not its console: no note (nor a simulator event).
    expect(runRule(firmwarePortsRule, hazardContext(one, { bootCmdline: 'earlyprintk=serial,ttyS0,115200 console=tty0' }))).toEqual([]);
    // A kernel that drives ttyS0 itself is the error above, not this note; no ttyS0 on the boot kernel, no note.
    const onTtyS0 = layoutSpec([kernelSpec('a', { cpus: '1,5', console: 'ttyS0' })]);
    expect(runRule(firmwarePortsRule, hazardContext(onTtyS0, { bootCmdline: 'console=ttyS0,115200' })).map((d) => d.severity)).toEqual(['error']);
    expect(runRule(firmwarePortsRule, hazardContext(two, { bootCmdline: 'console=tty0 quiet' }))).toEqual([]);
  });
});
