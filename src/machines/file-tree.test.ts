import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FileTree, TreeFs } from './file-tree.js';

type TreeEntryOf = NonNullable<ReturnType<FileTree['get']>>;
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

describe('TreeFs, which keeps the last directory it looked up', () => {
  type Read = 'read' | 'list' | 'exists' | 'isDirectory' | 'readlink';
  type Change = 'remove' | 'detach' | 'attach' | 'file' | 'link';
  /** What a read of the tree as it is now answers, walked from the root every time. */
  const expected = (tree: FileTree, p: string, op: Read) => {
    const entry = tree.get(p);
    if (op === 'exists') return entry !== undefined;
    if (op === 'isDirectory') return entry?.type === 'dir';
    if (op === 'readlink') {
      const last = tree.get(p, false);
      return last?.type === 'link' ? last.target : null;
    }
    if (entry === undefined) return 'error ENOENT';
    if (op === 'list') return entry.type === 'dir' ? [...entry.children.keys()].sort() : 'error ENOTDIR';
    return entry.type === 'file' ? (typeof entry.data === 'string' ? entry.data : 'bytes') : 'error EISDIR';
  };
  const answer = (fs: TreeFs, p: string, op: Read) => {
    try {
      if (op === 'read') return fs.read(p);
      if (op === 'list') return fs.list(p);
      if (op === 'exists') return fs.exists(p);
      if (op === 'isDirectory') return fs.isDirectory(p);
      return fs.readlink(p);
    } catch (e) {
      return `error ${(e as KernelError).errno}`;
    }
  };
  const change = (tree: FileTree, p: string, what: Change, stash: Map<string, TreeEntryOf>) => {
    const slash = p.lastIndexOf('/');
    const dir = slash < 0 ? '' : p.slice(0, slash);
    const name = p.slice(slash + 1);
    try {
      if (what === 'remove') tree.remove(p);
      else if (what === 'detach') {
        const taken = tree.detach(dir, name);
        if (taken) stash.set(p, taken);
      } else if (what === 'attach') {
        const [back, entry] = [...stash][0] ?? [];
        if (back !== undefined && entry !== undefined) {
          stash.delete(back);
          const at = back.lastIndexOf('/');
          tree.attach(at < 0 ? '' : back.slice(0, at), back.slice(at + 1), entry);
        }
      } else if (what === 'file') tree.file(p, 'new');
      else tree.link(p, '../../bus');
    } catch {
      // A change the tree refuses (a path through a file) changes nothing.
    }
  };

  it('answers every read as a walk from the root would, whatever was read or changed before', () => {
    const step = (path: fc.Arbitrary<string>) =>
      fc.oneof(
        fc.tuple(fc.constant('read' as const), path, fc.constantFrom<Read>('read', 'list', 'exists', 'isDirectory', 'readlink')),
        fc.tuple(fc.constant('change' as const), path, fc.constantFrom<Change>('remove', 'detach', 'attach', 'file', 'link')),
      );
    const base = linkedTree();
    fc.assert(
      fc.property(fc.array(step(pathsOf(base, 1)), { minLength: 1, maxLength: 16 }), (steps) => {
        const tree = linkedTree();
        const fs = new TreeFs(tree);
        const stash = new Map<string, TreeEntryOf>();
        for (const [kind, p, what] of steps) {
          if (kind === 'change') change(tree, p, what as Change, stash);
          else expect(answer(fs, p, what as Read), `${what} ${p}`).toEqual(expected(tree, p, what as Read));
        }
      }),
      { numRuns: 1500 },
    );
  });

  it('sees a directory go when it is detached and come back when it is attached, as a CPU taken offline and back does', () => {
    const tree = new FileTree().file('sys/devices/system/cpu/cpu1/topology/core_id', '1\n').file('sys/devices/system/cpu/cpu1/online', '1\n');
    const fs = new TreeFs(tree);
    expect(fs.read('sys/devices/system/cpu/cpu1/topology/core_id')).toBe('1\n');
    const stashed = tree.detach('sys/devices/system/cpu/cpu1', 'topology')!;
    expect(fs.exists('sys/devices/system/cpu/cpu1/topology/core_id')).toBe(false);
    tree.attach('sys/devices/system/cpu/cpu1', 'topology', stashed);
    expect(fs.read('sys/devices/system/cpu/cpu1/topology/core_id')).toBe('1\n');
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
