import { describe, expect, it } from 'vitest';
import { FileTree, TreeFs } from '../machines/file-tree.js';
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

  it('reads content no kernel writes as unknown, with a warning quoting the path and the text', () => {
    const g = files({ 'a/bad': 'xyz\n', 'a/word': 'Unified\n' });
    for (const read of [() => g.int('a/bad'), () => g.hex('a/bad'), () => g.cpuList('a/bad'), () => g.size('a/bad'), () => g.ints('a/bad'), () => g.cpuMask('a/bad')]) {
      expect(read()).toBeNull();
    }
    expect(g.word('a/word', ['Data', 'Instruction'])).toBeNull();
    expect(g.warnings.map((w) => w.path)).toEqual(['a/bad', 'a/bad', 'a/bad', 'a/bad', 'a/bad', 'a/bad', 'a/word']);
    expect(g.warnings[0]!.message).toBe('invalid value in a/bad "xyz": expected a decimal number; read as unknown');
    expect(g.warnings[6]!.message).toContain('expected one of Data, Instruction');
  });

  it('reads values as recorders store them: NUL padding, trailing spaces, empty files', () => {
    const g = files({ 'a/nul': '0-3\n\0\0\0\0', 'a/spaces': '42  \n', 'a/empty': '', 'a/mask': '00000000,0000ff0f\n' });
    expect(g.cpuList('a/nul')).toEqual([0, 1, 2, 3]);
    expect(g.int('a/spaces')).toBe(42);
    expect(g.cpuMask('a/mask')).toEqual([0, 1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 15]);
    expect(g.warnings).toEqual([]);
    expect(g.int('a/empty')).toBeNull();
    expect(g.warnings).toEqual([{ path: 'a/empty', message: 'a/empty is empty: expected a decimal number; read as unknown' }]);
  });

  it('finds numbered entries and the node a directory links to', () => {
    expect(f.numbered('sys/cpu0', 'node')).toEqual([1]);
    expect(f.linkedNode('sys/cpu0')).toBe(1);
    expect(f.linkedNode('a')).toBeNull();
    expect(f.linkName('sys/pci/driver')).toBe('nvme');
    expect(f.linkName('a/int')).toBeNull();
  });
});
