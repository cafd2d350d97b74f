// The fidelity script: a fixed list of operations on a Parker boot kernel's files, the
// refused and the dangerous-but-survivable ones included, each recorded with what the kernel
// showed. It runs unchanged on the real kernel in the Parker lab VM (guest/record.mjs) and on
// the simulator (replay.test.ts): the two transcripts must be equal.
//
// Plain JavaScript with no imports, so the guest runs it with nothing but node. The machine
// is the Parker lab VM (lab/parker/boot.sh): 4 CPUs, cpus 0-1 on node 0 and 2-3 on node 1,
// 2 GiB per node, parker_cma=0:1G,1:1G (node 0's reservation fails), an NVMe drive.
//
// Left out on purpose, because they kill or reset the machine (the simulator models them
// and ordinary unit tests check them): a bind of an enabled device with no driver (oops), a
// second `online` write to a used partition (machine reset), a start with no memory or with
// the image outside the partition (panic).
//
// Normalisations, so that what legitimately differs between runs does not show:
// - errors are their errno only ("EINVAL"), never the message;
// - `control_structure` is the address of a page in boot-kernel memory that the kernel
//   allocates: recorded as "<page>" when it is a page-aligned 0x address, verbatim otherwise;
// - CMA counters are recorded as the difference from their value when the script began;
// - links are recorded as their last path component (the driver's name);
// - the device chosen for a role (the NVMe drive, a driverless disabled device) is recorded
//   by role in the operations and by address once, in `devices`.

export const FIDELITY_SCRIPT_VERSION = 1;

const P = 'sys/fs/parker';
const CPU = 'sys/devices/system/cpu';
const PCI = 'sys/bus/pci/devices';
const CMA = 'sys/kernel/mm/cma';
const NVME_CLASS = '0x010802';

/** The errno of a kernel refusal, or null for anything else. */
function errnoOf(e) {
  return e !== null && typeof e === 'object' && typeof e.errno === 'string' ? e.errno : null;
}

function outcome(fn) {
  try {
    const value = fn();
    return value === undefined ? { ok: true } : { ok: true, value };
  } catch (e) {
    const errno = errnoOf(e);
    if (errno) return { errno };
    // A SimHangError or an unexpected failure: kept, never hidden.
    return { fault: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
  }
}

const baseName = (link) => (link === null ? null : link.split('/').filter(Boolean).at(-1) ?? null);

/** PCI devices of the machine: address, class, driver name, enable. */
function pciDevices(fs) {
  return fs.list(PCI).map((address) => {
    const dir = `${PCI}/${address}`;
    const text = (file) => (fs.exists(`${dir}/${file}`) ? fs.read(`${dir}/${file}`).trim() : null);
    return { address, class: text('class'), driver: baseName(fs.readlink(`${dir}/driver`)), enable: text('enable') };
  });
}

/** Per-node CMA pages from /proc/zoneinfo (the `cma` line of each zone). */
export function zoneinfoCma(text) {
  const out = {};
  let node = null;
  for (const line of text.split('\n')) {
    const header = /^Node (\d+), zone\s+\S+/.exec(line);
    if (header) node = header[1];
    const cma = /^\s+cma\s+(\d+)\s*$/.exec(line);
    if (cma && node !== null) out[`node${node}`] = (out[`node${node}`] ?? 0) + Number(cma[1]);
  }
  return out;
}

function meminfoCma(text) {
  const out = {};
  for (const line of text.split('\n')) {
    const m = /^(CmaTotal|CmaFree):\s+(\d+) kB/.exec(line);
    if (m) out[m[1]] = Number(m[2]);
  }
  return out;
}

/** Parker's own boot log lines about its pools ("parker: reserved 1024 MiB on node 1"), without timestamps. */
export function reservationLines(lines) {
  return lines.map((l) => l.replace(/^\[\s*\d+\.\d+\]\s*/, '').trim()).filter((l) => /^parker: .*(reserv|cma)/i.test(l));
}

/**
 * Runs the script. `target` is { fs: KernelFs, mount(), umount(), bootLog(): string[] };
 * mount and umount throw an object with `errno` when refused, as fs calls do. Returns the
 * transcript's operations and the facts it found at the start.
 */
export function runFidelityScript(target) {
  const fs = target.fs;
  const devices = pciDevices(fs);
  const nvme = devices.find((d) => d.class === NVME_CLASS && d.driver !== null && d.enable === '1');
  // A device no driver holds and the boot kernel has not enabled; bridges (class 0x06) left out.
  const driverless = devices.find((d) => d.driver === null && d.enable === '0' && !(d.class ?? '').startsWith('0x06'));
  const cpus = fs
    .list(CPU)
    .filter((n) => /^cpu\d+$/.test(n))
    .map((n) => Number(n.slice(3)))
    .sort((a, b) => a - b);
  const role = (address) => (address === nvme?.address ? 'nvme' : address === driverless?.address ? 'driverless' : address);
  const addressOf = { nvme: nvme?.address ?? '0000:00:00.7', driverless: driverless?.address ?? null };

  const counterBase = {};
  const counters = () => {
    const out = {};
    if (!fs.exists(CMA)) return out;
    for (const pool of fs.list(CMA)) {
      for (const file of fs.list(`${CMA}/${pool}`)) {
        const v = Number(fs.read(`${CMA}/${pool}/${file}`).trim());
        const key = `${pool}/${file}`;
        counterBase[key] ??= v;
        out[key] = v - counterBase[key];
      }
    }
    return out;
  };

  /** Everything the script watches, flat: path -> shown value. */
  const watch = () => {
    const w = {};
    w['cpu/online'] = fs.read(`${CPU}/online`).trim();
    for (const c of cpus) w[`cpu${c}/online`] = outcome(() => fs.read(`${CPU}/cpu${c}/online`).trim()).value ?? 'absent';
    for (const [name, address] of Object.entries(addressOf)) {
      if (!address || !fs.exists(`${PCI}/${address}`)) continue;
      w[`${name}/enable`] = fs.read(`${PCI}/${address}/enable`).trim();
      w[`${name}/driver`] = baseName(fs.readlink(`${PCI}/${address}/driver`)) ?? 'none';
    }
    const parts = fs.exists(P) ? fs.list(P) : [];
    w['parker/'] = parts.join(' ');
    for (const part of parts) {
      w[`parker/${part}/devices/`] = outcome(() => fs.list(`${P}/${part}/devices`).map(role).join(' ')).value ?? 'absent';
    }
    for (const [k, v] of Object.entries(counters())) w[`cma/${k}`] = String(v);
    return w;
  };

  const ops = [];
  let before = null;
  /** One operation: what was done, what the kernel answered, and what moved in the watched files. */
  const op = (section, what, fn) => {
    if (before === null) before = watch();
    const result = outcome(fn);
    const after = watch();
    const moved = {};
    for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
      if (before[key] !== after[key]) moved[key] = [before[key] ?? null, after[key] ?? null];
    }
    before = after;
    ops.push({ section, op: what, ...result, ...(Object.keys(moved).length ? { moved } : {}) });
  };
  const read = (path) => () => fs.read(path).trim();
  const write = (path, value) => () => fs.write(path, value);
  const page = (text) => (/^0x[0-9a-f]*000$/.test(text) ? '<page>' : text);

  // ---- the state before: pools and mount (not part of the watched state)
  const facts = {
    cpus: cpus.join(','),
    cmaDirs: fs.exists(CMA) ? fs.list(CMA) : [],
    cmaFiles: fs.exists(CMA) ? Object.fromEntries(fs.list(CMA).map((n) => [n, fs.list(`${CMA}/${n}`)])) : {},
    zoneinfoCma: fs.exists('proc/zoneinfo') ? zoneinfoCma(fs.read('proc/zoneinfo')) : null,
    meminfoCma: fs.exists('proc/meminfo') ? meminfoCma(fs.read('proc/meminfo')) : null,
    reservations: reservationLines(target.bootLog()),
    devices: { nvme: nvme?.address ?? null, driverless: driverless?.address ?? null },
  };
  counters();
  // Start unmounted whatever the machine's init did (not recorded: inits differ).
  outcome(() => target.umount());

  // ---- mounting
  op('mount', 'ls parker/ (unmounted)', () => fs.list(P));
  op('mount', 'mkdir parker/early (unmounted)', () => fs.mkdir(`${P}/early`));
  op('mount', 'mount', () => target.mount());
  op('mount', 'mount again', () => target.mount());
  op('mount', 'ls parker/', () => fs.list(P));

  // ---- a partition's files
  op('files', 'mkdir fa', () => fs.mkdir(`${P}/fa`));
  op('files', 'mkdir fa again', () => fs.mkdir(`${P}/fa`));
  op('files', 'ls fa/', () => fs.list(`${P}/fa`));
  op('files', 'read fa/id', read(`${P}/fa/id`));
  op('files', 'read fa/control_structure', () => page(fs.read(`${P}/fa/control_structure`).trim()));
  op('files', 'read fa/cpus (unset)', read(`${P}/fa/cpus`));
  op('files', 'read fa/memory (unset)', read(`${P}/fa/memory`));
  op('files', 'read fa/online', read(`${P}/fa/online`));
  op('files', 'read fa/bind', read(`${P}/fa/bind`));
  op('files', 'echo 5 > fa/id', write(`${P}/fa/id`, '5'));
  op('files', 'mkdir fa/sub', () => fs.mkdir(`${P}/fa/sub`));
  op('files', 'mkdir fa/devices/sub', () => fs.mkdir(`${P}/fa/devices/sub`));
  op('files', 'ls fa/devices/', () => fs.list(`${P}/fa/devices`));

  // ---- cpus: write-once; node 0 has no pool
  op('cpus', 'echo 1 > fa/cpus', write(`${P}/fa/cpus`, '1'));
  op('cpus', 'read fa/cpus', read(`${P}/fa/cpus`));
  op('cpus', 'echo 1 > fa/cpus (again)', write(`${P}/fa/cpus`, '1'));
  op('cpus', 'echo 1G > fa/memory (node 0: its reservation failed)', write(`${P}/fa/memory`, '1G'));
  op('cpus', 'read fa/memory', read(`${P}/fa/memory`));
  op('cpus', 'echo 2 > fa/cpus (another)', write(`${P}/fa/cpus`, '2'));
  op('cpus', 'read fa/cpus (after another)', read(`${P}/fa/cpus`));
  op('cpus', 'rmdir fa', () => fs.rmdir(`${P}/fa`));
  op('cpus', 'mkdir fb', () => fs.mkdir(`${P}/fb`));
  op('cpus', 'echo 0 > fb/cpus', write(`${P}/fb/cpus`, '0'));
  op('cpus', 'read fb/cpus', read(`${P}/fb/cpus`));
  op('cpus', 'rmdir fb', () => fs.rmdir(`${P}/fb`));

  // ---- memory: whole GiB from node 1's pool
  op('memory', 'mkdir fc', () => fs.mkdir(`${P}/fc`));
  op('memory', 'echo 1G > fc/memory (no cpus yet)', write(`${P}/fc/memory`, '1G'));
  op('memory', 'echo 3 > fc/cpus', write(`${P}/fc/cpus`, '3'));
  op('memory', 'echo 1G > fc/memory', write(`${P}/fc/memory`, '1G'));
  op('memory', 'read fc/memory', read(`${P}/fc/memory`));
  op('memory', 'echo 1G > fc/memory (again)', write(`${P}/fc/memory`, '1G'));
  op('memory', 'read fc/memory (after rewrite)', read(`${P}/fc/memory`));
  op('memory', 'echo 2G > fc/memory (more than the pool)', write(`${P}/fc/memory`, '2G'));
  op('memory', 'read fc/memory (after ENOMEM)', read(`${P}/fc/memory`));
  op('memory', 'echo 1073741824 > fc/memory', write(`${P}/fc/memory`, '1073741824'));
  op('memory', 'read fc/memory (bytes)', read(`${P}/fc/memory`));

  // ---- the hotplug guard: succeeds although fc owns CPU 3 (never start fc after this)
  op('hotplug', 'echo 1 > cpu3/online (a partition CPU)', write(`${CPU}/cpu3/online`, '1'));
  op('hotplug', 'read fc/cpus', read(`${P}/fc/cpus`));
  op('hotplug', 'echo 0 > cpu3/online', write(`${CPU}/cpu3/online`, '0'));

  // ---- devices
  op('bind', 'echo 0000:00:1e.7 > fc/bind (no such device)', write(`${P}/fc/bind`, '0000:00:1e.7'));
  if (driverless) op('bind', 'echo <driverless> > fc/bind (no driver, enable 0)', write(`${P}/fc/bind`, driverless.address));
  if (nvme) {
    op('bind', 'echo <nvme> > fc/bind', write(`${P}/fc/bind`, nvme.address));
    op('bind', 'ls fc/devices/<nvme>', () => fs.isDirectory(`${P}/fc/devices/${nvme.address}`));
    op('bind', 'echo <nvme> > fc/bind (again)', write(`${P}/fc/bind`, nvme.address));
    op('bind', 'echo <nvme> > fc/unbind', write(`${P}/fc/unbind`, nvme.address));
    op('bind', 'echo <nvme> > fc/unbind (again)', write(`${P}/fc/unbind`, nvme.address));
    op('bind', 'echo <nvme> > fc/bind (to keep over rmdir)', write(`${P}/fc/bind`, nvme.address));
  }
  op('bind', 'rmdir fc', () => fs.rmdir(`${P}/fc`));

  // ---- ids and mounts: partitions outlive an unmount
  op('ids', 'mkdir fd', () => fs.mkdir(`${P}/fd`));
  op('ids', 'mkdir fe', () => fs.mkdir(`${P}/fe`));
  op('ids', 'read fd/id, fe/id', () => `${fs.read(`${P}/fd/id`).trim()} ${fs.read(`${P}/fe/id`).trim()}`);
  op('ids', 'rmdir fd', () => fs.rmdir(`${P}/fd`));
  op('ids', 'mkdir ff', () => fs.mkdir(`${P}/ff`));
  op('ids', 'read ff/id', read(`${P}/ff/id`));
  op('ids', 'umount', () => target.umount());
  op('ids', 'ls parker/ (unmounted)', () => fs.list(P));
  op('ids', 'mount', () => target.mount());
  op('ids', 'read fe/id, ff/id', () => `${fs.read(`${P}/fe/id`).trim()} ${fs.read(`${P}/ff/id`).trim()}`);
  op('ids', 'rmdir fe', () => fs.rmdir(`${P}/fe`));
  op('ids', 'rmdir ff', () => fs.rmdir(`${P}/ff`));

  return { facts, ops };
}
