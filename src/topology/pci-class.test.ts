import { describe, expect, it } from 'vitest';
import { pciClassName, pciClassNames } from './pci-class.js';

describe('pciClassNames', () => {
  it('names class, subclass and programming interface of an NVMe drive', () => {
    expect(pciClassNames(0x010802)).toEqual({
      class: 'Mass storage controller',
      subclass: 'Non-Volatile memory controller',
      progIf: 'NVM Express',
    });
  });

  it('names common server devices', () => {
    expect(pciClassNames(0x020000)).toEqual({ class: 'Network controller', subclass: 'Ethernet controller', progIf: null });
    expect(pciClassNames(0x060400)).toEqual({ class: 'Bridge', subclass: 'PCI bridge', progIf: 'Normal decode' });
    expect(pciClassNames(0x0c0330)).toEqual({ class: 'Serial bus controller', subclass: 'USB controller', progIf: 'XHCI' });
    expect(pciClassNames(0x050210)).toEqual({ class: 'Memory controller', subclass: 'CXL', progIf: 'CXL Memory Device (CXL 2.x)' });
  });

  it('answers null for what pci.ids does not name', () => {
    expect(pciClassNames(0x017700)).toEqual({ class: 'Mass storage controller', subclass: null, progIf: null });
    expect(pciClassNames(0x770000)).toEqual({ class: null, subclass: null, progIf: null });
  });
});

describe('pciClassName', () => {
  it('is the subclass name, else the class name', () => {
    expect(pciClassName(0x010802)).toBe('Non-Volatile memory controller');
    expect(pciClassName(0x060000)).toBe('Host bridge');
    expect(pciClassName(0x017700)).toBe('Mass storage controller');
    expect(pciClassName(0x770000)).toBeNull();
  });
});
