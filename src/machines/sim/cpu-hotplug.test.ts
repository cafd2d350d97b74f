import { describe, expect, it } from 'vitest';
import { errnoOf } from '../../../test/fixtures/errno-of.js';
import { memorySimMachine } from './sim-machine.js';

// cpuN/online in the boot kernel, and the rule that a partition's CPU never comes back.

const CPU = 'sys/devices/system/cpu';


describe('cpuN/online', () => {
  it('offlines and onlines a CPU, removing and restoring its topology and cache directories', () => {
    const { fs } = memorySimMachine();
    fs.write(`${CPU}/cpu200/online`, '0');
    expect(fs.read(`${CPU}/cpu200/online`)).toBe('0\n');
    expect(fs.list(`${CPU}/cpu200`)).toEqual(['node2', 'online']);
    expect(fs.read(`${CPU}/online`).trim()).toBe('0-199,201-255');
    expect(fs.read(`${CPU}/offline`).trim()).toBe('200');
    expect(fs.read('sys/devices/system/node/node2/cpulist').trim()).toBe('64-95,192-199,201-223');
    fs.write(`${CPU}/cpu200/online`, '1');
    expect(fs.list(`${CPU}/cpu200`)).toEqual(['cache', 'node2', 'online', 'topology']);
    expect(fs.read(`${CPU}/cpu200/topology/thread_siblings_list`).trim()).toBe('72,200');
    expect(fs.read(`${CPU}/online`).trim()).toBe('0-255');
  });

  it('has no online file for CPU 0, which cannot be offlined', () => {
    const { fs } = memorySimMachine();
    expect(fs.exists(`${CPU}/cpu0/online`)).toBe(false);
    expect(errnoOf(() => fs.write(`${CPU}/cpu0/online`, '0'))).toBe('ENOENT');
    expect(fs.read(`${CPU}/online`).trim()).toBe('0-255');
  });

  it('accepts only 0 and 1', () => {
    const { fs } = memorySimMachine();
    expect(errnoOf(() => fs.write(`${CPU}/cpu3/online`, 'off'))).toBe('EINVAL');
    expect(fs.read(`${CPU}/cpu3/online`).trim()).toBe('1');
  });

  it('puts a CPU a partition owns back online when asked: the RFC hotplug guard returns 0 (measured); an error event says so', () => {
    const m = memorySimMachine();
    const { fs } = m;
    fs.write(`${CPU}/cpu9/online`, '0');
    fs.mkdir('sys/fs/parker/db');
    fs.write('sys/fs/parker/db/cpus', '8-15');
    expect(fs.read(`${CPU}/offline`).trim()).toBe('8-15');
    fs.write(`${CPU}/cpu9/online`, '1');
    expect(fs.read(`${CPU}/offline`).trim()).toBe('8,10-15');
    expect(fs.read('sys/fs/parker/db/cpus').trim()).toBe('8-15');
    expect(m.kernel.events.at(-1)).toMatchObject({ severity: 'error', kernel: 'db', message: 'CPU 9 was put back online in the boot kernel although partition db owns it (the hotplug guard returns 0)' });
    // Writing 0 to a CPU that is already offline changes nothing.
    fs.write(`${CPU}/cpu8/online`, '0');
    // rmdir gives them back, including the one that was offline before the partition took it.
    fs.rmdir('sys/fs/parker/db');
    expect(fs.read(`${CPU}/online`).trim()).toBe('0-255');
  });
});
