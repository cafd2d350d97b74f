// Runs inside the Parker lab VM only (lab/parker/boot.sh, with the built checkout at /parker):
// the fidelity script against the REAL boot kernel's files through DirectoryFs('/'), after a
// `parker gather` snapshot of the machine as it booted. The guest has no disk the host can
// read, so the result goes to the console (ttyS0) in numbered base64 lines
//   PFT <n> <base64>            the JSON document, in pieces
//   PFT end <count> <sha256>    the end, with the document's hash
// that test/fidelity/extract.mjs puts back together on the host (kernel messages printed in
// between do not matter; a torn line fails the hash).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { DirectoryFs } from '../../../dist/machines/directory-fs.js';
import { readOnlyMachine } from '../../../dist/machines/read-only-machine.js';
import { gatherSnapshot } from '../../../dist/snapshot/snapshot.js';
import { FIDELITY_SCRIPT_VERSION, runFidelityScript } from '../script.mjs';

// This script writes /sys and mounts filesystems: never anywhere but in the Parker lab VM.
const cmdline = fs.readFileSync('/proc/cmdline', 'utf8').trim();
if (!/(^|\s)parker\.lab\.script=/.test(cmdline)) {
  console.error('record.mjs changes the running kernel: it runs only inside the Parker lab VM (lab/parker/boot.sh)');
  process.exit(2);
}

const STRERROR = {
  'Device or resource busy': 'EBUSY',
  'Invalid argument': 'EINVAL',
  'No such device': 'ENODEV',
  'No such file or directory': 'ENOENT',
  'Operation not permitted': 'EPERM',
  'Permission denied': 'EACCES',
};

/** mount/umount through busybox; a refusal throws { errno } like a KernelFs call. */
function run(command) {
  const r = spawnSync('/bin/sh', ['-c', `${command} 2>/tmp/pft-err`], { stdio: 'ignore' });
  if (r.status === 0) return;
  const message = fs.existsSync('/tmp/pft-err') ? fs.readFileSync('/tmp/pft-err', 'utf8') : '';
  const found = Object.entries(STRERROR).find(([text]) => message.includes(text));
  const e = new Error(`${command}: ${message.trim() || `exit ${r.status}`}`);
  e.errno = found ? found[1] : 'EIO';
  throw e;
}

/** The kernel log so far, from /dev/kmsg without blocking: one record per read. */
function kernelLog() {
  const lines = [];
  let fd;
  try {
    fd = fs.openSync('/dev/kmsg', fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch {
    return lines;
  }
  const buf = Buffer.alloc(8192);
  for (;;) {
    let n;
    try {
      n = fs.readSync(fd, buf, 0, buf.length, null);
    } catch (e) {
      if (e.code === 'EPIPE') continue; // a record was overwritten: go on with the next
      break; // EAGAIN: the end
    }
    const record = buf.toString('utf8', 0, n);
    const semi = record.indexOf(';');
    lines.push(record.slice(semi + 1).split('\n')[0]);
  }
  fs.closeSync(fd);
  return lines;
}

/**
 * The kernel's files as the kernel answers them. Reads go through parker's DirectoryFs; writes,
 * mkdir and rmdir go straight to the system calls, since DirectoryFs refuses on its own what
 * parker never does (mkdir outside sys/fs/parker, writes to files it does not drive), and the
 * transcript is to hold the kernel's answers, not parker's.
 */
const kernelCall = (fn) => {
  try {
    return fn();
  } catch (e) {
    if (e && typeof e.code === 'string') throw Object.assign(new Error(e.message), { errno: e.code });
    throw e;
  }
};
const readingFs = new DirectoryFs('/', true);
const machineFs = Object.assign(Object.create(readingFs), {
  write: (path, value) => kernelCall(() => fs.writeFileSync(`/${path}`, value)),
  mkdir: (path) => kernelCall(() => fs.mkdirSync(`/${path}`)),
  rmdir: (path) => kernelCall(() => fs.rmdirSync(`/${path}`)),
});
const poolFiles = (kfs) => {
  for (const path of ['proc/meminfo', 'proc/zoneinfo', 'proc/mounts']) if (kfs.exists(path)) kfs.read(path);
};
const snapshot = gatherSnapshot(readOnlyMachine(new DirectoryFs('/'), 'lab', 'Parker lab VM', os.arch() === 'x64' ? 'x86_64' : os.arch()), {
  hostname: os.hostname(),
  parkerVersion: 'fidelity',
  now: new Date(),
  alsoRead: poolFiles,
});

const target = {
  fs: machineFs,
  mount: () => run('mount -t parker parker /sys/fs/parker'),
  umount: () => run('umount /sys/fs/parker'),
  bootLog: kernelLog,
};
const t0 = Date.now();
const { facts, ops } = runFidelityScript(target);
const dmi = (name) => {
  try {
    return fs.readFileSync(`/sys/class/dmi/id/${name}`, 'utf8').trim();
  } catch {
    return null;
  }
};

const doc = {
  format: 'parker.fidelity/v1',
  script: FIDELITY_SCRIPT_VERSION,
  recorded: {
    date: new Date().toISOString(),
    kernelRelease: os.release(),
    kernelVersion: fs.readFileSync('/proc/version', 'utf8').trim(),
    cmdline: cmdline.split(/\s+/).filter((w) => !w.startsWith('parker.lab.')).join(' '),
    machine: `${dmi('sys_vendor') ?? '?'} ${dmi('product_name') ?? '?'} ${dmi('product_version') ?? ''}`.trim(),
    qemu: null,
    scriptMs: Date.now() - t0,
  },
  facts,
  ops,
  snapshot: Buffer.from(snapshot.bytes).toString('base64'),
};

const text = JSON.stringify(doc);
const b64 = Buffer.from(text).toString('base64');
const CHUNK = 96;
let n = 0;
for (let i = 0; i < b64.length; i += CHUNK) process.stdout.write(`PFT ${n++} ${b64.slice(i, i + CHUNK)}\n`);
process.stdout.write(`PFT end ${n} ${createHash('sha256').update(text).digest('hex')}\n`);
process.exit(ops.some((o) => o.fault) ? 1 : 0);
