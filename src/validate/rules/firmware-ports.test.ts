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

  it('stays quiet with generated consoles, a legacy earlycon on its own port, and noefi', () => {
    const ctx = hazardContext(
      layoutSpec([kernelSpec('a', { cpus: '1,5', cmdline: 'earlycon=uart8250,io,0x2f8,115200' }), kernelSpec('b', { cpus: '2,6', cmdline: 'efi=runtime noefi' })]),
      { bootCmdline: 'console=ttyS0,115200' },
    );
    expect(ctx.cmdlines.map((c) => c.console)).toEqual(['ttyS2', 'ttyS3']);
    expect(runRule(firmwarePortsRule, ctx)).toEqual([]);
  });
});
