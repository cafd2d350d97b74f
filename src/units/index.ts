export * from './parker-error.js';
export * from './cpulist.js';
export * from './cpumask.js';
export * from './size.js';
export * from './pci-address.js';
export * from './phys-range.js';
