import { describe, expect, it } from 'vitest';
import { parseCmdline } from './cmdline-params.js';
import { serialPortNumber, serialPortsOf } from './serial-ports.js';

describe('serialPortsOf', () => {
  it('reads console=, earlyprintk= and legacy earlycon= ports, sorted by number', () => {
    const line = 'console=tty0 console=ttyS10,115200n8 earlyprintk=serial,ttyS2,115200 earlycon=uart8250,io,0x2e8,115200 console=ttyS1';
    expect(serialPortsOf(parseCmdline(line))).toEqual(['ttyS1', 'ttyS2', 'ttyS3', 'ttyS10']);
  });

  it('reads the short earlyprintk forms', () => {
    expect(serialPortsOf(parseCmdline('earlyprintk=serial'))).toEqual(['ttyS0']);
    expect(serialPortsOf(parseCmdline('earlyprintk=ttyS1,9600'))).toEqual(['ttyS1']);
    expect(serialPortsOf(parseCmdline('earlyprintk=serial,0x2f8,115200'))).toEqual(['ttyS1']);
    expect(serialPortsOf(parseCmdline('console=uart,io,0x3e8,9600'))).toEqual(['ttyS2']);
  });

  it('ignores non-serial consoles and memory-mapped earlycons', () => {
    expect(serialPortsOf(parseCmdline('console=tty0 console=hvc0 earlyprintk=vga earlycon=uart8250,mmio32,0xfe000000 earlycon'))).toEqual([]);
  });
});

describe('serialPortNumber', () => {
  it('reads ttySn and nothing else', () => {
    expect([serialPortNumber('ttyS12'), serialPortNumber('tty0'), serialPortNumber('ttyS')]).toEqual([12, null, null]);
  });
});
