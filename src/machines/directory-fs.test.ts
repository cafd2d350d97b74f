import { describe, expect, it } from 'vitest';
import { DirectoryFs } from './directory-fs.js';

describe('DirectoryFs.resolve', () => {
  const fs = new DirectoryFs('/srv/machine');

  it('joins a plain relative path to the root', () => {
    expect(fs.resolve('sys/devices/system/cpu/online')).toBe('/srv/machine/sys/devices/system/cpu/online');
  });

  it('joins under "/" without a double slash', () => {
    expect(new DirectoryFs('/').resolve('proc/cmdline')).toBe('/proc/cmdline');
  });

  it('reads leading, doubled and trailing slashes and "." parts as the plain path', () => {
    expect(fs.resolve('/sys//fs/./parker/')).toBe('/srv/machine/sys/fs/parker');
  });

  it('follows ".." inside the root', () => {
    expect(fs.resolve('sys/bus/pci/devices/../drivers')).toBe('/srv/machine/sys/bus/pci/drivers');
  });

  it('refuses ".." past the root, naming the path', () => {
    expect(() => fs.resolve('sys/../../etc/passwd')).toThrow('sys/../../etc/passwd');
    expect(() => fs.resolve('sys/../../etc/passwd')).toThrow('outside the machine root');
  });

  it('refuses a name that only starts like the root', () => {
    expect(() => fs.resolve('../machine2/proc/cmdline')).toThrow('outside the machine root');
  });

  it('gives the root itself for an empty path', () => {
    expect(fs.resolve('')).toBe('/srv/machine');
  });
});
