import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { physicalPath, standardStreamFd, writeUserFile } from './user-file.js';
import { ParkerError } from '../units/parker-error.js';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'parker-user-file-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));
let n = 0;
const fresh = () => {
  const dir = path.join(scratch, `d${n++}`);
  fs.mkdirSync(dir);
  return dir;
};

function ioError(run: () => void): string {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(ParkerError);
    expect((e as ParkerError).code).toBe('E_IO');
    return (e as ParkerError).message;
  }
  throw new Error('no error');
}

describe('physicalPath', () => {
  it('follows a link before the `..` after it, as open(2) does, and keeps the last name', () => {
    const dir = fresh();
    fs.mkdirSync(path.join(dir, 'state/sim'), { recursive: true });
    fs.mkdirSync(path.join(dir, 'out'));
    fs.symlinkSync(path.join(dir, 'state/sim'), path.join(dir, 'out/link'));
    fs.symlinkSync('/nowhere', path.join(dir, 'out/last'));
    const real = fs.realpathSync(dir);
    // (path.join would take the `..` away by its text.)
    expect(physicalPath(`${dir}/out/link/../journal.jsonl`, '--out')).toBe(path.join(real, 'state/journal.jsonl'));
    expect(physicalPath(path.join(dir, 'out/last'), '--out')).toBe(path.join(real, 'out/last'));
  });
});

describe('physicalPath, through a directory that does not exist', () => {
  it('is E_IO, never a guess by the text (which would take link/nope/.. for the directory holding link)', () => {
    const dir = fresh();
    fs.mkdirSync(path.join(dir, 'state'));
    fs.symlinkSync(path.join(dir, 'state'), path.join(dir, 'statelink'));
    expect(ioError(() => physicalPath(`${dir}/statelink/nope/../journal.jsonl`, '--out'))).toContain('no such file or directory');
    expect(ioError(() => writeUserFile(`${dir}/statelink/nope/../journal.jsonl`, 'x', '--out'))).toContain('no such file or directory');
    expect(fs.readdirSync(path.join(dir, 'state'))).toEqual([]);
  });
});

describe('standardStreamFd', () => {
  it('knows the names of standard output and standard error, and no others', () => {
    expect(['/dev/stdout', '/dev/fd/1', '/proc/self/fd/1', `/proc/${process.pid}/fd/1`, '/proc/thread-self/fd/1'].map(standardStreamFd)).toEqual([1, 1, 1, 1, 1]);
    expect(['/dev/stderr', '/dev/fd/2', '/proc/self/fd/2'].map(standardStreamFd)).toEqual([2, 2, 2]);
    expect(['/dev/fd/3', '/dev/stdin', '/proc/1/fd/1', 'stdout', '/tmp/dev/stdout'].map(standardStreamFd)).toEqual([null, null, null, null, null]);
  });
});

describe('writeUserFile', () => {
  it('keeps the mode and owner of the file it replaces', () => {
    const file = path.join(fresh(), 'plan.json');
    fs.writeFileSync(file, 'old');
    fs.chmodSync(file, 0o664);
    const root = process.getuid?.() === 0;
    if (root) fs.chownSync(file, 65534, 65534);
    const before = fs.statSync(file);
    writeUserFile(file, 'new', '--out');
    const after = fs.statSync(file);
    expect(fs.readFileSync(file, 'utf8')).toBe('new');
    expect(after.ino).not.toBe(before.ino); // replaced whole, not written in place
    expect(after.mode & 0o777).toBe(0o664);
    expect([after.uid, after.gid]).toEqual([before.uid, before.gid]);
  });

  it("does not keep the owner of a file someone else left in a shared directory such as /tmp", () => {
    const shared = fresh();
    fs.chmodSync(shared, 0o1777);
    const file = path.join(shared, 'plan.json');
    fs.writeFileSync(file, 'planted');
    fs.chmodSync(file, 0o666);
    const root = process.getuid?.() === 0;
    // As root: a file of another user's, which must not stay theirs. Otherwise: the caller's own, which may.
    if (root) fs.chownSync(file, 65534, 65534);
    writeUserFile(file, 'root output', '--out');
    const after = fs.statSync(file);
    expect(fs.readFileSync(file, 'utf8')).toBe('root output');
    if (root) {
      expect(after.uid).toBe(0);
      expect(after.mode & 0o022).toBe(0);
    } else {
      expect(after.mode & 0o777).toBe(0o666);
    }
  });

  it('refuses a name that ends in a slash, as a shell does, making nothing', () => {
    const dir = fresh();
    expect(ioError(() => writeUserFile(path.join(dir, 'newdir') + '/', 'x', '-f'))).toContain('names a directory');
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('writes through a link to /dev/null, and refuses one to another device without opening it', () => {
    const dir = fresh();
    fs.symlinkSync('/dev/null', path.join(dir, 'null'));
    writeUserFile(path.join(dir, 'null'), 'gone', '-f');
    expect(fs.lstatSync(path.join(dir, 'null')).isSymbolicLink()).toBe(true);
    fs.symlinkSync('/dev/zero', path.join(dir, 'zero'));
    expect(ioError(() => writeUserFile(path.join(dir, 'zero'), 'x', '-f'))).toContain('character device');
    expect(fs.readlinkSync(path.join(dir, 'zero'))).toBe('/dev/zero');
  });

  it('makes no new file in /dev or /proc', () => {
    const name = `/dev/parker-user-file-test-${process.pid}`;
    try {
      expect(ioError(() => writeUserFile(name, 'x', '-f'))).toContain('parker makes no files in /dev');
      expect(fs.existsSync(name)).toBe(false);
      expect(fs.readdirSync('/dev').filter((f) => f.includes('parker'))).toEqual([]);
    } finally {
      fs.rmSync(name, { force: true });
    }
  });

  it('says why a path cannot be written, leaving nothing behind', () => {
    const dir = fresh();
    fs.writeFileSync(path.join(dir, 'afile'), '');
    expect(ioError(() => writeUserFile(path.join(dir, 'afile', 'x'), 'x', '-f'))).toContain('a part of the path is not a directory');
    expect(ioError(() => writeUserFile(path.join(dir, 'none', 'x'), 'x', '-f'))).toContain('no such file');
    expect(ioError(() => writeUserFile(dir, 'x', '-f'))).toContain('directory');
    expect(fs.readdirSync(dir)).toEqual(['afile']);
  });
});
