import * as nodeFs from 'node:fs';
import * as nodePath from 'node:path';
import * as os from 'node:os';
import { spawnSync } from 'node:child_process';
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

describe('DirectoryFs on a root with hostile links', () => {
  const setup = () => {
    const base = nodeFs.mkdtempSync(nodePath.join(os.tmpdir(), 'parker-hostile-'));
    const root = nodePath.join(base, 'root');
    const outside = nodePath.join(base, 'outside');
    nodeFs.mkdirSync(outside);
    nodeFs.writeFileSync(nodePath.join(outside, 'secret'), 'top secret\n');
    const cpu = nodePath.join(root, 'sys/devices/system/cpu');
    nodeFs.mkdirSync(nodePath.join(cpu, 'cpu1'), { recursive: true });
    nodeFs.mkdirSync(nodePath.join(cpu, 'cpu2'), { recursive: true });
    nodeFs.writeFileSync(nodePath.join(cpu, 'cpu2/online'), '1\n');
    // cpu1/online is a link to a file outside the root; sys/fs/parker a link to a directory outside.
    nodeFs.symlinkSync(nodePath.join(outside, 'secret'), nodePath.join(cpu, 'cpu1/online'));
    nodeFs.mkdirSync(nodePath.join(root, 'sys/fs'), { recursive: true });
    nodeFs.symlinkSync(outside, nodePath.join(root, 'sys/fs/parker'));
    nodeFs.mkdirSync(nodePath.join(root, 'proc'));
    nodeFs.symlinkSync(nodePath.join(outside, 'secret'), nodePath.join(root, 'proc/cmdline'));
    return { base, root, outside, fs: new DirectoryFs(root, true) };
  };

  it('does not write through a link that leads out of the root', () => {
    const { outside, fs, base } = setup();
    expect(() => fs.write('sys/devices/system/cpu/cpu1/online', '0')).toThrow(/EACCES.*out of the machine root/);
    expect(nodeFs.readFileSync(nodePath.join(outside, 'secret'), 'utf8')).toBe('top secret\n');
    nodeFs.rmSync(base, { recursive: true, force: true });
  });

  it('does not mkdir or rmdir through a linked sys/fs/parker', () => {
    const { outside, fs, base } = setup();
    expect(() => fs.mkdir('sys/fs/parker/db')).toThrow(/EACCES/);
    expect(nodeFs.existsSync(nodePath.join(outside, 'db'))).toBe(false);
    nodeFs.mkdirSync(nodePath.join(outside, 'victim'));
    expect(() => fs.rmdir('sys/fs/parker/victim')).toThrow(/EACCES/);
    expect(nodeFs.existsSync(nodePath.join(outside, 'victim'))).toBe(true);
    nodeFs.rmSync(base, { recursive: true, force: true });
  });

  it('does not read through a link out of the root (a copied proc/cmdline pointing at a secret)', () => {
    const { fs, base } = setup();
    expect(() => fs.read('proc/cmdline')).toThrow(/EACCES/);
    expect(fs.exists('proc/cmdline')).toBe(false);
    nodeFs.rmSync(base, { recursive: true, force: true });
  });

  it('writes only the kernel files on its allow-list, and makes directories only in sys/fs/parker', () => {
    const { root, fs, base } = setup();
    expect(() => fs.write('sys/devices/system/cpu/cpu2/online', '0')).not.toThrow();
    expect(nodeFs.readFileSync(nodePath.join(root, 'sys/devices/system/cpu/cpu2/online'), 'utf8')).toBe('0');
    nodeFs.writeFileSync(nodePath.join(root, 'sys/devices/system/cpu/cpu2/other'), 'x');
    expect(() => fs.write('sys/devices/system/cpu/cpu2/other', '0')).toThrow(/EACCES.*not a kernel file parker writes/);
    expect(() => fs.mkdir('sys/devices/evil')).toThrow(/EACCES.*only in sys\/fs\/parker/);
    expect(() => fs.mkdir('sys/fs/parker/../../../evil')).toThrow(/EACCES|outside/);
    nodeFs.rmSync(base, { recursive: true, force: true });
  });

  it('reads a FIFO or a device as an error at once, never blocking', () => {
    const { fs, base, root } = setup();
    const fifo = nodePath.join(root, 'proc/fifo');
    if (!nodeFs.existsSync(fifo)) spawnSync('mkfifo', [fifo]);
    expect(() => fs.read('proc/fifo')).toThrow(/EINVAL.*not a regular file/);
    nodeFs.rmSync(base, { recursive: true, force: true });
  });

  it('never opens a FIFO or a device, under a root other than / too (opening some devices acts)', async () => {
    const { fs, base, root } = setup();
    const fifo = nodePath.join(root, 'proc/watch');
    spawnSync('mkfifo', [fifo]);
    // A writer's open of a FIFO returns only once a reader opens it: the marker tells.
    const marker = nodePath.join(base, 'opened');
    const writer = spawnSync('sh', ['-c', `(printf x > "${fifo}"; touch "${marker}") >/dev/null 2>&1 & echo $!`], { encoding: 'utf8' });
    const pid = Number(writer.stdout.trim());
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(() => fs.read('proc/watch')).toThrow(/EINVAL.*not a regular file/);
    expect(() => fs.readBytes('proc/watch')).toThrow(/EINVAL.*not a regular file/);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(nodeFs.existsSync(marker)).toBe(false);
    // Let the writer go: open the FIFO here, then it can finish.
    const fd = nodeFs.openSync(fifo, nodeFs.constants.O_RDONLY | nodeFs.constants.O_NONBLOCK);
    await new Promise((resolve) => setTimeout(resolve, 300));
    nodeFs.closeSync(fd);
    expect(nodeFs.existsSync(marker)).toBe(true);
    try {
      process.kill(pid);
    } catch {
      // gone already
    }
    nodeFs.rmSync(base, { recursive: true, force: true });
  });
});

describe('DirectoryFs reads', () => {
  const setup = () => {
    const base = nodeFs.mkdtempSync(nodePath.join(os.tmpdir(), 'parker-reads-'));
    const cpu = nodePath.join(base, 'sys/devices/system/cpu');
    nodeFs.mkdirSync(nodePath.join(cpu, 'cpu0/cache/index0'), { recursive: true });
    nodeFs.writeFileSync(nodePath.join(cpu, 'cpu0/cache/index0/level'), '1\n');
    nodeFs.writeFileSync(nodePath.join(cpu, 'online'), '0\n');
    return { base, cpu, fs: new DirectoryFs(base) };
  };

  it('reads through a link that stays inside the root, to a file and to a directory', () => {
    const { base, cpu, fs } = setup();
    nodeFs.symlinkSync('cpu0/cache/index0/level', nodePath.join(cpu, 'level-link'));
    nodeFs.symlinkSync('cpu0/cache', nodePath.join(cpu, 'cache-link'));
    expect(fs.read('sys/devices/system/cpu/level-link')).toBe('1\n');
    expect(fs.list('sys/devices/system/cpu/cache-link')).toEqual(['index0']);
    expect(fs.read('sys/devices/system/cpu/cache-link/index0/level')).toBe('1\n');
    expect(() => fs.read('sys/devices/system/cpu/cache-link')).toThrow(/EISDIR/);
    nodeFs.rmSync(base, { recursive: true, force: true });
  });

  it('reads a listed directory\'s files, and a missing one as ENOENT', () => {
    const { base, fs } = setup();
    expect(fs.list('sys/devices/system/cpu')).toEqual(['cpu0', 'online']);
    expect(fs.list('sys/devices/system/cpu/cpu0/cache')).toEqual(['index0']);
    expect(fs.read('sys/devices/system/cpu/cpu0/cache/index0/level')).toBe('1\n');
    expect(() => fs.read('sys/devices/system/cpu/cpu0/cache/index0/size')).toThrow(/ENOENT/);
    expect(() => fs.read('sys/devices/system/cpu/cpu9/online')).toThrow(/ENOENT/);
    expect(() => fs.list('sys/devices/system/cpu/online')).toThrow(/ENOTDIR/);
    nodeFs.rmSync(base, { recursive: true, force: true });
  });

  it('never reads through a directory link out of the root, listed first or not', () => {
    const { base, cpu } = setup();
    const outside = nodeFs.mkdtempSync(nodePath.join(os.tmpdir(), 'parker-outside-'));
    nodeFs.writeFileSync(nodePath.join(outside, 'online'), 'secret\n');
    nodeFs.symlinkSync(outside, nodePath.join(cpu, 'cpu3'));
    for (const listFirst of [true, false]) {
      const fs = new DirectoryFs(base);
      if (listFirst) expect(fs.list('sys/devices/system/cpu')).toContain('cpu3');
      expect(() => fs.read('sys/devices/system/cpu/cpu3/online')).toThrow(/EACCES/);
      expect(fs.exists('sys/devices/system/cpu/cpu3/online')).toBe(false);
      expect(() => fs.list('sys/devices/system/cpu/cpu3')).toThrow(/EACCES/);
    }
    nodeFs.rmSync(outside, { recursive: true, force: true });
    nodeFs.rmSync(base, { recursive: true, force: true });
  });

  it('reads files larger than its buffer whole, and gives bytes that are the caller\'s own', () => {
    const { base, cpu, fs } = setup();
    const big = 'x'.repeat(200_000) + 'end\n';
    nodeFs.writeFileSync(nodePath.join(cpu, 'big'), big);
    expect(fs.read('sys/devices/system/cpu/big')).toBe(big);
    const bytes = fs.readBytes('sys/devices/system/cpu/online');
    fs.read('sys/devices/system/cpu/cpu0/cache/index0/level');
    expect(Buffer.from(bytes).toString()).toBe('0\n');
    expect(new DirectoryFs('/').read(nodePath.join(cpu, 'big').slice(1))).toBe(big);
    nodeFs.rmSync(base, { recursive: true, force: true });
  });
});
