import { isKernelError } from '../machines/kernel-error.js';
import type { KernelFs } from '../machines/machine.js';
import { comparePciAddresses } from '../units/pci-address.js';

/**
 * What the running (boot) kernel cannot lose: the PCI functions behind its mounted block
 * filesystems, its swap and its default route. Handing one of them to a partition cuts the
 * boot kernel off (hazard H22). Read-only; a file that cannot be read is skipped, so the map
 * holds what could be found.
 *
 * Block devices are followed through device-mapper and md (`slaves/`), partitions to their
 * disk, and native NVMe multipath heads to their controllers; network interfaces through
 * bonds, bridges and VLANs (`lower_*`). The PCI function is the last PCI address in the
 * device's sysfs path (…/0000:40:01.1/0000:41:00.0/nvme/nvme0/nvme0n1/nvme0n1p2).
 */
export function discoverBootDependencies(fs: KernelFs): Map<string, string> {
  const found = new Map<string, string[]>();
  const note = (addresses: string[], what: string) => {
    for (const address of addresses) {
      const list = found.get(address) ?? [];
      if (!list.includes(what)) list.push(what);
      found.set(address, list);
    }
  };
  const mounts = readMounts(fs);
  for (const mount of mounts) {
    const device = blockDeviceOf(fs, mount.source);
    if (device !== null) note(blockPci(fs, device, 0), mount.mountpoint === '/' ? 'root filesystem /' : `filesystem ${mount.mountpoint}`);
  }
  for (const swap of readSwaps(fs)) {
    const source = swap.type === 'partition' ? swap.filename : containingMount(mounts, swap.filename);
    const device = source === null ? null : blockDeviceOf(fs, source);
    if (device !== null) note(blockPci(fs, device, 0), `swap ${swap.filename}`);
  }
  for (const iface of defaultRouteInterfaces(fs)) note(netPci(fs, iface, 0), `default route via ${iface}`);
  return new Map([...found].sort(([a], [b]) => comparePciAddresses(a, b)).map(([address, list]) => [address, list.join(', ')]));
}

/** How deep stacked devices (dm on md on partitions, VLAN on bond) are followed. */
const MAX_DEPTH = 8;

const PCI_FUNCTION = /^[0-9a-f]{4,8}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/;

function tryRead(fs: KernelFs, path: string): string | null {
  try {
    return fs.read(path);
  } catch (e) {
    if (isKernelError(e)) return null;
    throw e;
  }
}

function tryList(fs: KernelFs, path: string): string[] {
  try {
    return fs.list(path);
  } catch (e) {
    if (isKernelError(e)) return [];
    throw e;
  }
}

function lines(text: string | null): string[][] {
  return (text ?? '')
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => fields[0] !== '');
}

/** /proc/mounts escapes blanks and backslashes as octal (\040). */
function unescapeMountField(text: string): string {
  return text.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

interface Mount {
  source: string;
  mountpoint: string;
}

function readMounts(fs: KernelFs): Mount[] {
  return lines(tryRead(fs, 'proc/mounts'))
    .filter((f) => f.length >= 2 && f[0]!.startsWith('/dev/'))
    .map((f) => ({ source: unescapeMountField(f[0]!), mountpoint: unescapeMountField(f[1]!) }));
}

function readSwaps(fs: KernelFs): { filename: string; type: string }[] {
  return lines(tryRead(fs, 'proc/swaps'))
    .slice(1)
    .filter((f) => f.length >= 2)
    .map((f) => ({ filename: unescapeMountField(f[0]!), type: f[1]! }));
}

/** The block device holding a swap file: the source of the longest mountpoint above it. */
function containingMount(mounts: Mount[], file: string): string | null {
  let best: Mount | null = null;
  for (const mount of mounts) {
    const prefix = mount.mountpoint === '/' ? '/' : `${mount.mountpoint}/`;
    if (file.startsWith(prefix) && (best === null || mount.mountpoint.length > best.mountpoint.length)) best = mount;
  }
  return best === null ? null : best.source;
}

/**
 * The kernel's name for a block device path ("/dev/nvme0n1p2" -> "nvme0n1p2"), through the
 * /dev links when the machine shows them, device-mapper names, and root= for "/dev/root".
 */
function blockDeviceOf(fs: KernelFs, source: string, fromCmdline = false): string | null {
  if (!source.startsWith('/dev/')) return null;
  const rest = source.slice('/dev/'.length);
  if (rest === 'root' && !fromCmdline) {
    const root = rootFromCmdline(fs);
    return root === null ? null : blockDeviceOf(fs, root, true);
  }
  const link = fs.readlink(`dev/${rest}`);
  if (link !== null) {
    // /dev/mapper/NAME -> ../dm-0, /dev/disk/by-uuid/U -> ../../nvme0n1p2: the name is the last component.
    return link.split('/').filter((p) => p !== '' && p !== '..' && p !== '.').pop() ?? null;
  }
  if (rest.startsWith('mapper/')) return dmByName(fs, rest.slice('mapper/'.length));
  if (!rest.includes('/')) return rest;
  // LVM's /dev/VG/LV without /dev on the machine: device-mapper calls it VG-LV, doubling dashes.
  const [vg, lv] = rest.split('/');
  return vg !== undefined && lv !== undefined ? dmByName(fs, `${vg.replace(/-/g, '--')}-${lv.replace(/-/g, '--')}`) : null;
}

/** root=/dev/X, root=UUID=..., PARTUUID= or LABEL= from the command line, as a /dev path. */
function rootFromCmdline(fs: KernelFs): string | null {
  const root = (tryRead(fs, 'proc/cmdline') ?? '')
    .trim()
    .split(/\s+/)
    .filter((w) => w.startsWith('root='))
    .pop()
    ?.slice('root='.length);
  if (root === undefined) return null;
  const tagged = /^(UUID|PARTUUID|LABEL)=(.+)$/.exec(root);
  if (tagged) return `/dev/disk/by-${tagged[1]!.toLowerCase()}/${tagged[2]}`;
  return root.startsWith('/dev/') ? root : null;
}

function dmByName(fs: KernelFs, name: string): string | null {
  for (const block of tryList(fs, 'sys/block')) {
    if (block.startsWith('dm-') && tryRead(fs, `sys/block/${block}/dm/name`)?.trim() === name) return block;
  }
  return null;
}

/** The last PCI function in a sysfs path: the device itself, not the bridges above it. */
function lastPciFunction(target: string | null): string | null {
  if (target === null) return null;
  const found = target.split('/').filter((p) => PCI_FUNCTION.test(p));
  return found[found.length - 1] ?? null;
}

function blockPci(fs: KernelFs, block: string, depth: number): string[] {
  if (depth > MAX_DEPTH) return [];
  const dir = `sys/class/block/${block}`;
  const target = fs.readlink(dir);
  const direct = lastPciFunction(target);
  if (direct !== null) return [direct];
  const parts = (target ?? '').split('/');
  const subsystem = parts.find((p) => /^nvme-subsys\d+$/.test(p));
  if (subsystem !== undefined) return nvmeControllers(fs, subsystem);
  // A partition of a stacked device (md0p1): its holders are its disk's.
  if (fs.exists(`${dir}/partition`)) {
    const disk = parts[parts.length - 2];
    return disk === undefined ? [] : blockPci(fs, disk, depth + 1);
  }
  return unique(tryList(fs, `${dir}/slaves`).flatMap((slave) => blockPci(fs, slave, depth + 1)));
}

/** A native-multipath namespace head is served by every controller of its subsystem. */
function nvmeControllers(fs: KernelFs, subsystem: string): string[] {
  const dir = `sys/class/nvme-subsystem/${subsystem}`;
  return unique(
    tryList(fs, dir)
      .filter((name) => /^nvme\d+$/.test(name))
      .map((name) => lastPciFunction(fs.readlink(`${dir}/${name}`)))
      .filter((a): a is string => a !== null),
  );
}

/** Interfaces holding an IPv4 or IPv6 default route that is up (not a reject route). */
function defaultRouteInterfaces(fs: KernelFs): string[] {
  const out: string[] = [];
  // Iface Destination Gateway Flags RefCnt Use Metric Mask ...
  for (const f of lines(tryRead(fs, 'proc/net/route')).slice(1)) {
    if (f.length >= 8 && f[1] === '00000000' && f[7] === '00000000' && (parseInt(f[3]!, 16) & RTF_UP) !== 0) out.push(f[0]!);
  }
  // dest prefix src prefix nexthop metric refcnt use flags iface
  for (const f of lines(tryRead(fs, 'proc/net/ipv6_route'))) {
    const flags = parseInt(f[8] ?? '0', 16);
    if (f.length >= 10 && /^0{32}$/.test(f[0]!) && f[1] === '00' && (flags & RTF_UP) !== 0 && (flags & RTF_REJECT) === 0 && f[9] !== 'lo') out.push(f[9]!);
  }
  return unique(out);
}

const RTF_UP = 0x1;
const RTF_REJECT = 0x200;

function netPci(fs: KernelFs, iface: string, depth: number): string[] {
  if (depth > MAX_DEPTH) return [];
  const dir = `sys/class/net/${iface}`;
  const direct = lastPciFunction(fs.readlink(dir)) ?? lastPciFunction(fs.readlink(`${dir}/device`));
  if (direct !== null) return [direct];
  // Bonds, VLANs, macvlans and bridges: the interfaces below them.
  const lower = tryList(fs, dir)
    .filter((name) => name.startsWith('lower_'))
    .map((name) => name.slice('lower_'.length));
  const ports = lower.length > 0 ? lower : tryList(fs, `${dir}/brif`);
  return unique(ports.flatMap((port) => netPci(fs, port, depth + 1)));
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
