import * as fs from 'node:fs';
import * as os from 'node:os';
import * as nodePath from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DirectoryFs } from './directory-fs.js';
import { FileTree } from './file-tree.js';
import { readTreeFromDirectory, writeTreeToDirectory } from './file-tree-disk.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = fs.mkdtempSync(nodePath.join(os.tmpdir(), 'parker-tree-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function sampleTree(): FileTree {
  return new FileTree()
    .file('sys/devices/system/cpu/online', '0-3\n')
    .file('sys/devices/pci0000:00/0000:00:01.0/config', new Uint8Array([0x86, 0x80, 0x00, 0xff, 0x00]))
    .file('sys/devices/pci0000:00/0000:00:01.0/vendor', '0x8086\n')
    .link('sys/bus/pci/devices/0000:00:01.0', '../../../devices/pci0000:00/0000:00:01.0')
    .link('sys/devices/pci0000:00/0000:00:01.0/driver', '../../../bus/pci/drivers/nvme')
    .dir('sys/bus/pci/drivers/nvme')
    .dir('sys/fs/empty');
}

describe('writeTreeToDirectory', () => {
  it('writes files, bytes, empty directories and relative links a real path walk follows', () => {
    const dir = tempDir();
    writeTreeToDirectory(sampleTree(), dir);
    expect(fs.readFileSync(nodePath.join(dir, 'sys/devices/system/cpu/online'), 'utf8')).toBe('0-3\n');
    expect([...fs.readFileSync(nodePath.join(dir, 'sys/bus/pci/devices/0000:00:01.0/config'))]).toEqual([0x86, 0x80, 0x00, 0xff, 0x00]);
    expect(fs.readlinkSync(nodePath.join(dir, 'sys/bus/pci/devices/0000:00:01.0'))).toBe('../../../devices/pci0000:00/0000:00:01.0');
    expect(fs.realpathSync(nodePath.join(dir, 'sys/bus/pci/devices/0000:00:01.0/driver'))).toBe(
      fs.realpathSync(nodePath.join(dir, 'sys/bus/pci/drivers/nvme')),
    );
    expect(fs.readdirSync(nodePath.join(dir, 'sys/fs/empty'))).toEqual([]);
    const machine = new DirectoryFs(dir);
    expect(machine.read('sys/bus/pci/devices/0000:00:01.0/vendor')).toBe('0x8086\n');
  });

  it('writes over an earlier tree in the same directory', () => {
    const dir = tempDir();
    writeTreeToDirectory(sampleTree(), dir);
    writeTreeToDirectory(sampleTree().file('sys/devices/system/cpu/online', '0-7\n'), dir);
    expect(fs.readFileSync(nodePath.join(dir, 'sys/devices/system/cpu/online'), 'utf8')).toBe('0-7\n');
  });

  it('refuses absolute links, which would point at this computer', () => {
    const dir = tempDir();
    expect(() => writeTreeToDirectory(new FileTree().link('sys/class/x', '/sys/devices'), dir)).toThrow(
      'writeTreeToDirectory: sys/class/x links to the absolute path /sys/devices; only relative links stay inside the tree',
    );
  });
});

describe('readTreeFromDirectory', () => {
  it('reads back what was written: text as text, binary as bytes, links as links', () => {
    const dir = tempDir();
    const original = sampleTree();
    writeTreeToDirectory(original, dir);
    const copy = readTreeFromDirectory(dir);
    expect([...copy.walk()]).toEqual([...original.walk()]);
  });
});
