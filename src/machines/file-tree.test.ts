import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FileTree, TreeFs } from './file-tree.js';
import { KernelError } from './kernel-error.js';

function pciTree(): FileTree {
  return new FileTree()
    .file('sys/devices/pci0000:00/0000:00:01.0/vendor', '0x8086\n')
    .file('sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0/vendor', '0x144d\n')
    .link('sys/bus/pci/devices/0000:01:00.0', '../../../devices/pci0000:00/0000:00:01.0/0000:01:00.0')
    .link('sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0/driver', '../../../../bus/pci/drivers/nvme')
    .dir('sys/bus/pci/drivers/nvme')
    .link('sys/dangling', 'nowhere');
}

describe('FileTree and TreeFs', () => {
  it('reads through relative links in the middle of a path', () => {
    const fs = new TreeFs(pciTree());
    expect(fs.read('sys/bus/pci/devices/0000:01:00.0/vendor')).toBe('0x144d\n');
    expect(fs.readlink('sys/bus/pci/devices/0000:01:00.0/driver')).toBe('../../../../bus/pci/drivers/nvme');
    expect(fs.isDirectory('sys/bus/pci/devices/0000:01:00.0/driver')).toBe(true);
  });

  it('lists sorted names, links included, and follows a link to a directory', () => {
    const fs = new TreeFs(pciTree());
    expect(fs.list('sys/devices/pci0000:00/0000:00:01.0')).toEqual(['0000:01:00.0', 'vendor']);
    expect(fs.list('sys/bus/pci/devices/0000:01:00.0')).toEqual(['driver', 'vendor']);
  });

  it('treats a dangling link as absent, but still reports its target', () => {
    const fs = new TreeFs(pciTree());
    expect(fs.exists('sys/dangling')).toBe(false);
    expect(fs.readlink('sys/dangling')).toBe('nowhere');
    expect(fs.readlink('sys/bus')).toBeNull();
  });

  it('refuses with the errno a kernel would give', () => {
    const fs = new TreeFs(pciTree());
    const errno = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e instanceof KernelError ? e.errno : 'not a KernelError';
      }
      return 'no error';
    };
    expect(errno(() => fs.read('sys/missing'))).toBe('ENOENT');
    expect(errno(() => fs.read('sys/bus'))).toBe('EISDIR');
    expect(errno(() => fs.list('sys/devices/pci0000:00/0000:00:01.0/vendor'))).toBe('ENOTDIR');
    expect(errno(() => fs.write('sys/devices/pci0000:00/0000:00:01.0/vendor', '1'))).toBe('EROFS');
    expect(errno(() => fs.mkdir('sys/fs/parker/a'))).toBe('EROFS');
  });

  it('walks every entry in sorted order without following links', () => {
    const paths = [...new FileTree().file('b/x', '1').file('a', '2').link('b/l', '../a').walk()].map(([p, e]) => `${p}:${e.type}`);
    expect(paths).toEqual([':dir', 'a:file', 'b:dir', 'b/l:link', 'b/x:file']);
  });

  it('stops on link loops instead of hanging', () => {
    const tree = new FileTree().link('a', 'b').link('b', 'a');
    expect(new TreeFs(tree).exists('a/x')).toBe(false);
  });
});

/** The PCI tree with a relative link up, an absolute link and a driver file. */
const linkedTree = () => pciTree().link('sys/up', '..').link('sys/abs', '/sys/bus').file('sys/bus/pci/drivers/nvme/bind', '');

/** Paths of the tree (through links too), with up to `inserts` of "..", ".", empty parts, links and missing names put in. */
function pathsOf(tree: FileTree, inserts: number): fc.Arbitrary<string> {
  const known = [...tree.walk()].map(([p]) => p).concat(['sys/bus/pci/devices/0000:01:00.0/driver/bind', 'sys/abs/pci/drivers', 'sys/up/sys/bus']);
  const extra = ['..', '.', '', 'up', 'abs', 'missing', 'vendor'];
  return fc.tuple(fc.constantFrom(...known), fc.array(fc.tuple(fc.nat(8), fc.constantFrom(...extra)), { maxLength: inserts })).map(([base, put]) => {
    const parts = base.split('/');
    for (const [at, part] of put) parts.splice(at % (parts.length + 1), 0, part);
    return parts.join('/');
  });
}

describe('FileTree.get', () => {
  it('finds what lookup finds, for paths with links, "..", ".", and doubled or trailing slashes', () => {
    const tree = linkedTree();
    const paths = pathsOf(tree, 3);
    fc.assert(
      fc.property(paths, fc.boolean(), (path, followLast) => {
        const reference = tree.lookup(path.split('/').filter((p) => p !== '' && p !== '.'), followLast);
        expect(tree.get(path, followLast)).toBe(reference);
      }),
      { numRuns: 2000 },
    );
  });

  it('follows a last link only when asked', () => {
    const tree = pciTree();
    expect(tree.get('sys/bus/pci/devices/0000:01:00.0/driver', false)).toEqual({ type: 'link', target: '../../../../bus/pci/drivers/nvme' });
    expect(tree.get('sys/bus/pci/devices/0000:01:00.0/driver')?.type).toBe('dir');
    expect(tree.get('sys/bus/pci/devices/0000:01:00.0/driver/', false)?.type).toBe('link');
  });
});

describe('TreeFs over a fixed tree', () => {
  it('answers every read, listing and test as the plain view does, whatever came before', () => {
    const tree = linkedTree();
    const path = pathsOf(tree, 2);
    const answer = (fs: TreeFs, p: string, op: 'read' | 'list' | 'exists' | 'isDirectory') => {
      try {
        return op === 'read' ? fs.read(p) : op === 'list' ? fs.list(p) : op === 'exists' ? fs.exists(p) : fs.isDirectory(p);
      } catch (e) {
        return `error ${(e as { code?: string }).code}`;
      }
    };
    fc.assert(
      fc.property(fc.array(fc.tuple(path, fc.constantFrom('read', 'list', 'exists', 'isDirectory') as fc.Arbitrary<'read' | 'list' | 'exists' | 'isDirectory'>), { minLength: 1, maxLength: 12 }), (ops) => {
        const plain = new TreeFs(tree);
        const fixed = new TreeFs(tree, true);
        for (const [p, op] of ops) expect(answer(fixed, p, op), `${op} ${p}`).toEqual(answer(plain, p, op));
      }),
      { numRuns: 1000 },
    );
  });
});

describe('FileTree.realpath', () => {
  it('resolves links anywhere in the path', () => {
    const tree = pciTree();
    expect(tree.realpath('sys/bus/pci/devices/0000:01:00.0/driver')).toBe('sys/bus/pci/drivers/nvme');
    expect(tree.realpath('sys/bus/pci/devices/0000:01:00.0/vendor')).toBe('sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0/vendor');
    expect(tree.realpath('sys/missing')).toBeUndefined();
  });
});
