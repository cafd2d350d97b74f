import { describe, expect, it } from 'vitest';
import { FileTree, TreeFs } from '../machines/file-tree.js';
import { ParkerError } from '../units/parker-error.js';
import { KernelFiles } from './kernel-files.js';

function files(entries: Record<string, string>): KernelFiles {
  const tree = new FileTree();
  for (const [path, text] of Object.entries(entries)) tree.file(path, text);
  tree.link('sys/cpu0/node1', '../node/node1');
  tree.dir('sys/node/node1');
  tree.link('sys/pci/driver', '../../../bus/pci/drivers/nvme');
  return new KernelFiles(new TreeFs(tree));
}

describe('KernelFiles', () => {
  const f = files({
    'a/int': '42\n',
    'a/minus': '-1\n',
    'a/hex': '0x010802\n',
    'a/bare-hex': '80000000\n',
    'a/list': '0-3,8\n',
    'a/empty': '\n',
    'a/ints': '10 21 30\n',
    'a/size': '32768K\n',
    'a/word': 'Unified\n',
    'a/bad': 'xyz\n',
    'sys/cpu0/online': '1\n',
  });

  it('reads numbers, ids, hex, lists and sizes in sysfs formats', () => {
    expect(f.int('a/int')).toBe(42);
    expect(f.int('a/minus')).toBe(-1);
    expect(f.id('a/minus')).toBeNull();
    expect(f.id('a/int')).toBe(42);
    expect(f.hex('a/hex')).toBe(0x010802);
    expect(f.hex('a/bare-hex')).toBe(0x80000000);
    expect(f.cpuList('a/list')).toEqual([0, 1, 2, 3, 8]);
    expect(f.cpuList('a/empty')).toEqual([]);
    expect(f.ints('a/ints')).toEqual([10, 21, 30]);
    expect(f.ints('a/empty')).toEqual([]);
    expect(f.size('a/size')).toBe(33554432);
    expect(f.word('a/word', ['Data', 'Unified'])).toBe('Unified');
  });

  it('answers null for a file that is not there', () => {
    expect(f.text('a/none')).toBeNull();
    expect(f.int('a/none')).toBeNull();
    expect(f.hex('a/none')).toBeNull();
    expect(f.cpuList('a/none')).toBeNull();
    expect(f.size('a/none')).toBeNull();
    expect(f.bytes('a/none')).toBeNull();
    expect(f.list('a/none')).toEqual([]);
  });

  it('refuses content no kernel writes, quoting the path and the text', () => {
    for (const read of [() => f.int('a/bad'), () => f.hex('a/bad'), () => f.cpuList('a/bad'), () => f.size('a/bad'), () => f.ints('a/bad')]) {
      expect(read).toThrow(ParkerError);
      expect(read).toThrow('a/bad');
      expect(read).toThrow('invalid value in a/bad "xyz": expected');
    }
    expect(() => f.word('a/word', ['Data', 'Instruction'])).toThrow('expected one of Data, Instruction');
  });

  it('finds numbered entries and the node a directory links to', () => {
    expect(f.numbered('sys/cpu0', 'node')).toEqual([1]);
    expect(f.linkedNode('sys/cpu0')).toBe(1);
    expect(f.linkedNode('a')).toBeNull();
    expect(f.linkName('sys/pci/driver')).toBe('nvme');
    expect(f.linkName('a/int')).toBeNull();
  });
});
