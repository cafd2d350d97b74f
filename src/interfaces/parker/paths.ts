/** Where the Parker control filesystem lives, relative to the machine root. */
export const PARKER_ROOT = 'sys/fs/parker';

export const partitionDir = (name: string) => `${PARKER_ROOT}/${name}`;
export const partitionFile = (name: string, file: string) => `${PARKER_ROOT}/${name}/${file}`;
export const cpuOnlineFile = (cpu: number) => `sys/devices/system/cpu/cpu${cpu}/online`;
export const DRIVERS_PROBE = 'sys/bus/pci/drivers_probe';
export const pciDeviceDir = (address: string) => `sys/bus/pci/devices/${address}`;
