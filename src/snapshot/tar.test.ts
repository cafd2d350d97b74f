import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTar, writeTar, type TarEntry } from './tar.js';

const enc = new TextEncoder();
const entries: TarEntry[] = [
  { type: 'dir', path: 'sys/devices' },
  { type: 'file', path: 'sys/devices/system/cpu/online', data: enc.encode('0-255\n') },
  { type: 'link', path: 'sys/bus/pci/devices/0000:00:01.0', target: '../../../devices/pci0000:00/0000:00:01.0' },
  // Long paths need ustar's prefix field.
  { type: 'file', path: `sys/${'devices/pci0000:00/0000:00:01.0/'.repeat(4)}config`, data: new Uint8Array([0x86, 0x80, 0, 0xff]) },
];

describe('tar', () => {
  it('round-trips files, directories, links and long paths', () => {
    expect(readTar(writeTar(entries))).toEqual(entries);
  });

  it('writes archives GNU tar reads', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parker-tar-'));
    fs.writeFileSync(path.join(dir, 'a.tar'), writeTar(entries));
    const listing = execFileSync('tar', ['-tvf', path.join(dir, 'a.tar')], { encoding: 'utf8' });
    expect(listing).toContain('sys/devices/system/cpu/online');
    expect(listing).toContain('-> ../../../devices/pci0000:00/0000:00:01.0');
    execFileSync('tar', ['-xf', 'a.tar'], { cwd: dir });
    expect(fs.readFileSync(path.join(dir, 'sys/devices/system/cpu/online'), 'utf8')).toBe('0-255\n');
    fs.rmSync(dir, { recursive: true });
  });

  it('reads archives GNU tar writes', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parker-tar-'));
    fs.mkdirSync(path.join(dir, 'sys/x'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'sys/x/f'), 'hello\n');
    fs.symlinkSync('x/f', path.join(dir, 'sys/l'));
    execFileSync('tar', ['--format=ustar', '-cf', 'out.tar', 'sys'], { cwd: dir });
    const read = readTar(fs.readFileSync(path.join(dir, 'out.tar')));
    expect(read.find((e) => e.path === 'sys/x/f')).toEqual({ type: 'file', path: 'sys/x/f', data: enc.encode('hello\n') });
    expect(read.find((e) => e.path === 'sys/l')).toEqual({ type: 'link', path: 'sys/l', target: 'x/f' });
    fs.rmSync(dir, { recursive: true });
  });

  it('writes and reads what ustar cannot hold (a 255-byte name, a long link target) as GNU tar does', () => {
    const name = 'p'.repeat(250);
    const target = `../../../devices/${'pci0000:00/0000:00:01.0/'.repeat(6)}nvme`;
    const long: TarEntry[] = [
      { type: 'dir', path: `sys/fs/parker/${name}` },
      { type: 'file', path: `sys/fs/parker/${name}/online`, data: enc.encode('1\n') },
      { type: 'link', path: `sys/fs/parker/${name}/dev`, target },
      { type: 'file', path: 'sys/after', data: enc.encode('x') },
    ];
    const bytes = writeTar(long);
    expect(readTar(bytes)).toEqual(long);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parker-tar-'));
    try {
      fs.writeFileSync(path.join(dir, 'a.tar'), bytes);
      execFileSync('tar', ['-xf', 'a.tar'], { cwd: dir });
      expect(fs.readFileSync(path.join(dir, 'sys/fs/parker', name, 'online'), 'utf8')).toBe('1\n');
      expect(fs.readlinkSync(path.join(dir, 'sys/fs/parker', name, 'dev'))).toBe(target);
      expect(fs.readFileSync(path.join(dir, 'sys/after'), 'utf8')).toBe('x');
      // And what GNU tar writes for them.
      execFileSync('tar', ['--format=gnu', '-cf', 'gnu.tar', 'sys'], { cwd: dir });
      const read = readTar(fs.readFileSync(path.join(dir, 'gnu.tar')));
      expect(read.find((e) => e.path === `sys/fs/parker/${name}/dev`)).toEqual({ type: 'link', path: `sys/fs/parker/${name}/dev`, target });
    } finally {
      fs.rmSync(dir, { recursive: true });
    }
  });

  it('refuses a corrupt header', () => {
    const bytes = writeTar(entries);
    bytes[10] = bytes[10]! ^ 0xff;
    expect(() => readTar(bytes)).toThrow(/checksum/);
  });

  it('writes the same bytes for the same entries', () => {
    expect(writeTar(entries)).toEqual(writeTar(entries));
  });
});
