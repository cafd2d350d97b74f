import { describe, expect, it } from 'vitest';
import { parseIomem } from './discover-iomem.js';

describe('parseIomem', () => {
  it('keeps top-level System RAM and Reserved lines, in address order', () => {
    const text = [
      '00000000-00000fff : Reserved',
      '00001000-0009fbff : System RAM',
      '0009fc00-000fffff : Reserved',
      '  000f0000-000fffff : System ROM',
      '00100000-bffdffff : System RAM',
      '  01000000-01ffffff : Kernel code',
      '  10000000-1fffffff : Reserved',
      'fee00000-fee00fff : Local APIC',
      '100000000-23fffffff : System RAM',
      '',
    ].join('\n');
    expect(parseIomem(text)).toEqual({
      systemRam: [
        { start: 0x1000, end: 0x9fbff },
        { start: 0x100000, end: 0xbffdffff },
        { start: 0x100000000, end: 0x23fffffff },
      ],
      reserved: [
        { start: 0x0, end: 0xfff },
        { start: 0x9fc00, end: 0xfffff },
      ],
    });
  });

  it('reports nothing when the addresses are hidden from users other than root', () => {
    const text = '00000000-00000000 : Reserved\n00000000-00000000 : System RAM\n  00000000-00000000 : Kernel code\n';
    expect(parseIomem(text)).toEqual({ systemRam: [], reserved: [] });
  });

  it('reports nothing for a missing file', () => {
    expect(parseIomem(null)).toEqual({ systemRam: [], reserved: [] });
  });
});
