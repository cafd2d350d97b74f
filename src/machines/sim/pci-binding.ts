import * as posix from 'node:path/posix';
import type { SimKernel } from './sim-kernel.js';

/**
 * Boot-kernel PCI driver binding: drivers/NAME/unbind and bind, devices/X/driver_override,
 * bus/pci/drivers_probe, devices/X/enable. A bound device is enabled by its driver; an
 * unbound one reads enable 0. Devices a partition holds are invisible to the boot kernel's
 * drivers: probing them is refused with EBUSY.
 */
export function unbindDriver(k: SimKernel, address: string): void {
  const dir = k.deviceDir(address);
  if (!dir) return;
  const driver = k.tree.realpath(`${dir}/driver`);
  if (driver) k.tree.remove(`${driver}/${address}`);
  k.tree.remove(`${dir}/driver`);
  k.put(`${dir}/enable`, 0);
}

export function bindDriver(k: SimKernel, address: string, driver: string, path: string): void {
  const dir = k.deviceDir(address);
  if (!dir) k.fail('ENODEV', 'write', path, `no PCI device ${address}`);
  const owner = k.ownerOfDevice(address);
  if (owner) k.fail('EBUSY', 'write', path, `${address} belongs to partition ${owner.name}`);
  if (k.tree.get(`${dir}/driver`)) k.fail('EBUSY', 'write', path, `${address} already has a driver`);
  const driverDir = addDriverDir(k, driver);
  k.link(`${dir}/driver`, driverDir);
  k.link(`${driverDir}/${address}`, dir);
  k.put(`${dir}/enable`, 1);
}

/** A driver's directory with the control files the kernel gives every PCI driver. */
function addDriverDir(k: SimKernel, driver: string): string {
  const dir = `sys/bus/pci/drivers/${driver}`;
  for (const file of ['bind', 'unbind', 'new_id', 'remove_id']) if (!k.tree.get(`${dir}/${file}`)) k.put(`${dir}/${file}`, '');
  return dir;
}

/**
 * The write-only control files a kernel always has, which a gathered snapshot does not
 * record (discovery never reads them): bus/pci/drivers_probe, each driver's bind/unbind and
 * each device's driver_override.
 */
export function addPciControlFiles(k: SimKernel): void {
  if (!k.tree.get('sys/bus/pci')) return;
  if (!k.tree.get('sys/bus/pci/drivers_probe')) k.put('sys/bus/pci/drivers_probe', '');
  const drivers = k.tree.get('sys/bus/pci/drivers');
  if (drivers?.type === 'dir') for (const name of drivers.children.keys()) addDriverDir(k, name);
  for (const device of k.hardware.pci) {
    const dir = k.deviceDir(device.address);
    if (!dir) continue;
    if (!k.tree.get(`${dir}/driver_override`)) k.put(`${dir}/driver_override`, '(null)');
    if (!device.driver || !k.tree.get(`${dir}/driver`, false)) continue;
    const driverDir = addDriverDir(k, device.driver);
    if (!k.tree.get(`${driverDir}/${device.address}`, false)) k.link(`${driverDir}/${device.address}`, dir);
  }
}

/**
 * A device handed to a partition (measured on the real kernel): it leaves its driver (`enable`
 * reads 0, its block device goes away) but its `driver` link, and the driver's link back,
 * still name the old driver. Ownership shows in `enable` and the partition's `devices/`.
 */
export function detachForPartition(k: SimKernel, address: string): void {
  const dir = k.deviceDir(address);
  if (!dir) return;
  k.put(`${dir}/enable`, 0);
}

/** A device a partition gave back: the boot kernel probes it again (stale links replaced). */
export function releaseDevice(k: SimKernel, address: string, path: string): void {
  unbindDriver(k, address);
  probeDevice(k, address, path);
}

/** What the boot kernel binds when it probes a device: its override, else its usual driver. */
export function probeDevice(k: SimKernel, address: string, path: string): void {
  const dir = k.deviceDir(address);
  if (!dir) k.fail('ENODEV', 'write', path, `no PCI device ${address}`);
  const owner = k.ownerOfDevice(address);
  if (owner) k.fail('EBUSY', 'write', path, `${address} belongs to partition ${owner.name}`);
  if (k.tree.get(`${dir}/driver`)) return;
  const override = k.text(`${dir}/driver_override`);
  const driver = override && override !== '(null)' ? override : k.defaultDriver.get(address);
  if (driver) bindDriver(k, address, driver, path);
}

/** Routes a write under sys/bus/pci; returns false when the path is not a PCI control file. */
export function writePci(k: SimKernel, realPath: string, value: string, path: string): boolean {
  const v = value.trim();
  if (realPath === 'sys/bus/pci/drivers_probe') {
    probeDevice(k, v, path);
    return true;
  }
  const driverOp = /^sys\/bus\/pci\/drivers\/([^/]+)\/(bind|unbind)$/.exec(realPath);
  if (driverOp) {
    const dir = k.deviceDir(v);
    if (!dir) k.fail('ENODEV', 'write', path, `no PCI device ${v}`);
    const current = k.tree.realpath(`${dir}/driver`);
    if (driverOp[2] === 'unbind') {
      if (current !== `sys/bus/pci/drivers/${driverOp[1]}`) k.fail('ENODEV', 'write', path, `${v} is not bound to ${driverOp[1]}`);
      unbindDriver(k, v);
    } else {
      bindDriver(k, v, driverOp[1]!, path);
    }
    return true;
  }
  const name = posix.basename(realPath);
  const deviceDir = posix.dirname(realPath);
  const address = posix.basename(deviceDir);
  if (k.deviceDir(address) !== deviceDir) return false;
  if (name === 'driver_override') {
    k.put(realPath, v === '' ? '(null)' : v);
    return true;
  }
  if (name === 'enable') {
    if (v !== '0' && v !== '1') k.fail('EINVAL', 'write', path, 'write 0 or 1');
    k.put(realPath, v);
    return true;
  }
  return false;
}
