import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { FileTree, type TreeEntry } from './file-tree.js';

/**
 * Writes a FileTree below `dir` (created if missing) as real files, directories and
 * relative symbolic links, so that tools that read a machine root (hwloc's HWLOC_FSROOT,
 * DirectoryFs) see the same tree. Existing files are replaced; nothing outside `dir` is
 * touched, and absolute link targets are refused because they would point at this
 * computer's own /sys.
 */
export function writeTreeToDirectory(tree: FileTree, dir: string): void {
  const root = nodePath.resolve(dir);
  fs.mkdirSync(root, { recursive: true });
  const visit = (entry: TreeEntry, path: string, relative: string) => {
    switch (entry.type) {
      case 'dir':
        fs.mkdirSync(path, { recursive: true });
        for (const [name, child] of entry.children) {
          if (name === '..' || name.includes('/')) throw new Error(`writeTreeToDirectory: bad entry name ${JSON.stringify(name)} in ${relative}`);
          visit(child, nodePath.join(path, name), relative === '' ? name : `${relative}/${name}`);
        }
        break;
      case 'file':
        fs.writeFileSync(path, entry.data);
        break;
      case 'link':
        if (entry.target.startsWith('/')) {
          throw new Error(`writeTreeToDirectory: ${relative} links to the absolute path ${entry.target}; only relative links stay inside the tree`);
        }
        fs.rmSync(path, { force: true });
        fs.symlinkSync(entry.target, path);
        break;
    }
  };
  visit(tree.root, root, '');
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads a directory written by writeTreeToDirectory (or any copied sysfs/procfs tree) back
 * into a FileTree. Links are kept as links, never followed, so a tree with links pointing
 * up out of it cannot pull in the rest of the disk. Files that are not valid UTF-8 (PCI
 * config space) stay bytes.
 */
export function readTreeFromDirectory(dir: string): FileTree {
  const tree = new FileTree();
  const root = nodePath.resolve(dir);
  const visit = (path: string, relative: string) => {
    for (const entry of fs.readdirSync(path, { withFileTypes: true })) {
      const full = nodePath.join(path, entry.name);
      const rel = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (entry.isSymbolicLink()) {
        tree.link(rel, fs.readlinkSync(full));
      } else if (entry.isDirectory()) {
        tree.dir(rel);
        visit(full, rel);
      } else if (entry.isFile()) {
        const bytes = fs.readFileSync(full);
        let text: string | null = null;
        try {
          text = strictUtf8.decode(bytes);
        } catch {
          text = null;
        }
        tree.file(rel, text !== null && !text.includes('\0') ? text : new Uint8Array(bytes));
      }
    }
  };
  visit(root, '');
  return tree;
}
