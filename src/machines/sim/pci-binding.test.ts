import { describe, expect, it } from 'vitest';
import { errnoOf } from '../../../test/fixtures/errno-of.js';
import { memorySimMachine } from './sim-machine.js';
import { defaultServerMachine } from '../../synthetic/default-server.js';
import { gatherSnapshot } from '../../snapshot/snapshot.js';

// Boot-kernel PCI driver binding: drivers/NAME/{bind,unbind}, driver_override, drivers_probe.

const NVME = '0000:80:01.0';
const DEV = `sys/bus/pci/devices/${NVME}`;


describe('PCI driver binding in the boot kernel', () => {
  it('drivers/NAME/unbind detaches the device and disables it; drivers/NAME/bind attaches it again', () => {
    const { fs } = memorySimMachine();
    fs.write('sys/bus/pci/drivers/nvme/unbind', NVME);
    expect(fs.exists(`${DEV}/driver`)).toBe(false);
    expect(fs.read(`${DEV}/enable`).trim()).toBe('0');
    expect(fs.list('sys/bus/pci/drivers/nvme')).toEqual(['0000:01:00.0', '0000:40:01.0', '0000:c0:01.0', '0001:00:01.0', 'bind', 'new_id', 'remove_id', 'uevent', 'unbind']);
    fs.write('sys/bus/pci/drivers/nvme/bind', NVME);
    expect(fs.readlink(`${DEV}/driver`)).toBe('../../../bus/pci/drivers/nvme');
    expect(fs.readlink(`sys/bus/pci/drivers/nvme/${NVME}`)).toBe('../../../../devices/pci0000:80/0000:80:01.0');
    expect(fs.read(`${DEV}/enable`).trim()).toBe('1');
  });

  it('refuses to unbind from a driver the device is not bound to (ENODEV) and to bind a bound device (EBUSY)', () => {
    const { fs } = memorySimMachine();
    expect(errnoOf(() => fs.write('sys/bus/pci/drivers/ice/unbind', NVME))).toBe('ENODEV');
    expect(errnoOf(() => fs.write('sys/bus/pci/drivers/ice/bind', NVME))).toBe('EBUSY');
    expect(errnoOf(() => fs.write('sys/bus/pci/drivers/nvme/unbind', '0000:7f:00.0'))).toBe('ENODEV');
    expect(fs.readlink(`${DEV}/driver`)).toBe('../../../bus/pci/drivers/nvme');
  });

  it('driver_override and drivers_probe hand a device to another driver, and back', () => {
    const { fs } = memorySimMachine();
    expect(fs.read(`${DEV}/driver_override`)).toBe('(null)\n');
    fs.write(`${DEV}/driver_override`, 'vfio-pci');
    fs.write('sys/bus/pci/drivers/nvme/unbind', NVME);
    fs.write('sys/bus/pci/drivers_probe', NVME);
    expect(fs.readlink(`${DEV}/driver`)).toBe('../../../bus/pci/drivers/vfio-pci');
    expect(fs.list('sys/bus/pci/drivers/vfio-pci')).toEqual([NVME, 'bind', 'new_id', 'remove_id', 'unbind']);
    expect(fs.read(`${DEV}/enable`).trim()).toBe('1');
    fs.write(`${DEV}/driver_override`, '\n');
    expect(fs.read(`${DEV}/driver_override`)).toBe('(null)\n');
    fs.write('sys/bus/pci/drivers/vfio-pci/unbind', NVME);
    fs.write('sys/bus/pci/drivers_probe', NVME);
    expect(fs.readlink(`${DEV}/driver`)).toBe('../../../bus/pci/drivers/nvme');
  });

  it('a partition re-probe honours driver_override', () => {
    const { fs } = memorySimMachine();
    fs.write(`${DEV}/driver_override`, 'vfio-pci');
    fs.mkdir('sys/fs/parker/db');
    fs.write('sys/fs/parker/db/bind', NVME);
    fs.rmdir('sys/fs/parker/db');
    expect(fs.readlink(`${DEV}/driver`)).toBe('../../../bus/pci/drivers/vfio-pci');
  });

  it('the boot kernel cannot take back a device a partition holds (EBUSY)', () => {
    const { fs } = memorySimMachine();
    fs.mkdir('sys/fs/parker/db');
    fs.write('sys/fs/parker/db/bind', NVME);
    expect(errnoOf(() => fs.write('sys/bus/pci/drivers_probe', NVME))).toBe('EBUSY');
    expect(errnoOf(() => fs.write('sys/bus/pci/drivers/nvme/bind', NVME))).toBe('EBUSY');
    // Its driver link still names nvme (measured); enable says the boot kernel lost it.
    expect(fs.readlink(`${DEV}/driver`)).toBe('../../../bus/pci/drivers/nvme');
    expect(fs.read(`${DEV}/enable`).trim()).toBe('0');
  });

  it('enable takes 0 or 1', () => {
    const { fs } = memorySimMachine();
    expect(errnoOf(() => fs.write(`${DEV}/enable`, 'yes'))).toBe('EINVAL');
    fs.write(`${DEV}/enable`, '0');
    expect(fs.read(`${DEV}/enable`).trim()).toBe('0');
  });

  it('a machine made from a gathered snapshot has the control files discovery never records', () => {
    const bytes = gatherSnapshot(defaultServerMachine(), { hostname: null, parkerVersion: 'test', now: new Date(0) }).bytes;
    const { fs } = memorySimMachine({ kind: 'archive', path: 'default.tar.gz' }, undefined, bytes);
    expect(fs.read(`${DEV}/driver_override`)).toBe('(null)\n');
    fs.write(`${DEV}/driver_override`, 'vfio-pci');
    fs.write('sys/bus/pci/drivers/nvme/unbind', NVME);
    fs.write('sys/bus/pci/drivers_probe', NVME);
    expect(fs.readlink(`${DEV}/driver`)).toBe('../../../bus/pci/drivers/vfio-pci');
  });
});
