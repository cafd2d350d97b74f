import type { KexecSegment, Machine, KernelFs } from '../../machines/machine.js';
import type { PhysRange } from '../../units/phys-range.js';
import { ParkerError } from '../../units/parker-error.js';
import { PARKER_ROOT, partitionDir, partitionFile, pciDeviceDir } from './paths.js';
import { readOptional, readPartition } from './read-partitions.js';

/**
 * Checks Parker itself does not make (measured on the RFC kernel): each one guards a write
 * that takes the machine down or wedges the partition when its condition does not hold.
 */

const hex = (n: number) => `0x${n.toString(16)}`;

/**
 * The partition holding a device, read from the partitions' `devices/` directories: after a
 * bind the device's `driver` link still names its old driver, so the link never says who owns it.
 */
export function deviceHolder(fs: KernelFs, device: string): string | null {
  if (!fs.isDirectory(PARKER_ROOT)) return null;
  for (const name of fs.list(PARKER_ROOT)) {
    if (fs.isDirectory(`${partitionDir(name)}/devices/${device}`)) return name;
  }
  return null;
}

/** The driver the boot kernel has bound to a device, or null (a partition's device has none, whatever its link says). */
export function bootKernelDriver(fs: KernelFs, device: string): string | null {
  if (deviceHolder(fs, device) !== null) return null;
  const link = fs.readlink(`${pciDeviceDir(device)}/driver`);
  return link === null ? null : (link.split('/').at(-1) ?? null);
}

/**
 * Before `bind`: the device must be bound to its driver and enabled in the boot kernel. A
 * device enabled with no driver oopses the Parker kernel (a NULL pointer in bind: the writer is
 * killed and the partition's mutex stays held); one with no driver and disabled is EBUSY.
 */
export function checkHandOver(fs: KernelFs, partition: string, device: string): void {
  const dir = pciDeviceDir(device);
  if (!fs.exists(dir)) throw new ParkerError('E_DEVICE', `there is no PCI device ${device} to hand to ${partition}`, 'check the address with `parker discover`');
  const holder = deviceHolder(fs, device);
  if (holder !== null) {
    throw new ParkerError('E_DEVICE', `${device} already belongs to partition ${holder} (${partitionDir(holder)}/devices/${device})`, `remove ${holder} first, or give ${partition} another device`);
  }
  const link = fs.readlink(`${dir}/driver`);
  const driver = link === null ? null : link.split('/').at(-1)!;
  const enable = readOptional(fs, `${dir}/enable`);
  const probe = `bind its driver in the boot kernel first (echo ${device} > /sys/bus/pci/drivers_probe) and check that ${dir}/enable reads 1, then apply again`;
  if (driver === null && enable === '1') {
    throw new ParkerError(
      'E_DEVICE',
      `${device} is enabled in the boot kernel but bound to no driver: writing it to ${partitionFile(partition, 'bind')} oopses the Parker kernel (the writer is killed and ${partition} stays locked), so parker did not`,
      probe,
    );
  }
  if (driver === null) throw new ParkerError('E_DEVICE', `${device} has no driver in the boot kernel (enable reads ${enable ?? 'nothing'}): Parker hands over only a device bound to its driver`, probe);
  if (enable !== '1') {
    throw new ParkerError('E_DEVICE', `${device} is bound to ${driver} but not enabled (enable reads ${enable ?? 'nothing'}): Parker hands over only an enabled device`, `rebind it: echo ${device} > /sys/bus/pci/drivers/${driver}/unbind; echo ${device} > /sys/bus/pci/drivers_probe; then apply again`);
  }
}

/**
 * Whether the partition's kernel has been started since it was made: the machine's own record
 * (a host keeps one per start write; the simulator knows), or `online` reading 1. Parker
 * partitions are single-use: a second `online` write resets the whole machine.
 */
function startedBefore(machine: Machine, partition: string): boolean {
  const known = machine.startedBefore?.(partition);
  if (known !== undefined && known !== null) return known;
  const state = machine.partitionState?.(partition);
  if (state) return state.state !== 'created';
  return false;
}

/**
 * States in which a partition's start write has not returned: "starting" (a host, while its
 * writer runs) and "hung" (the simulator: a kernel that never sets online keeps the start
 * write busy-waiting). Every file of such a partition blocks.
 */
const START_IN_FLIGHT = new Set(['starting', 'hung']);

/** Refuses to touch a partition whose start write is still in flight (its files would block). */
export function checkNotStarting(machine: Machine, partition: string, what: string): void {
  const state = machine.partitionState?.(partition)?.state;
  if (state === undefined || !START_IN_FLIGHT.has(state)) return;
  throw new ParkerError(
    'E_START',
    `cannot ${what} ${partition}: its start is still in flight (the boot kernel busy-waits in the start write until the kernel sets online, and blocks every file of the partition until then)`,
    'wait for it (parker status shows "starting"); a kernel that never comes up holds the boot kernel until it is rebooted',
  );
}

const inside = (s: KexecSegment, r: PhysRange) => r.start <= s.start && s.end <= r.end;

/**
 * Before `online`: the partition has memory, every segment of the loaded image lies inside it,
 * and its kernel never ran (a second start resets the machine). Parker checks none of these:
 * started with no memory or an image outside it, the boot kernel panicked.
 */
export function checkStart(machine: Machine, partition: string, options: { console?: string; ready?: boolean } = {}): void {
  checkNotStarting(machine, partition, 'start');
  const have = readPartition(machine.fs, partition);
  if (have.online) throw new ParkerError('E_START', `${partition} is online already: a second start would reset the whole machine`, `stop it first; parker start ${partition} then recreates the partition`);
  if (startedBefore(machine, partition)) {
    throw new ParkerError(
      'E_START',
      `${partition}'s kernel was started once already: a Parker partition is single-use and a second write to ${partitionFile(partition, 'online')} resets the whole machine`,
      `parker start ${partition} removes and recreates the partition (or destroy it and apply again)`,
    );
  }
  if (!have.memory) throw new ParkerError('E_START', `${partitionFile(partition, 'memory')} shows no memory: Parker would start the kernel with none and take the boot kernel down`, 'check the memory step');
  const segments = machine.kexec?.segments() ?? null;
  if (segments === null || segments.length === 0) {
    throw new ParkerError('E_START', `cannot tell where the loaded kexec image of ${partition} lies, so it cannot be started safely`, 'load it through parker (kexec -l with --mem-min/--mem-max): parker start does');
  }
  const outside = segments.filter((s) => !inside(s, have.memory!));
  if (outside.length > 0) {
    const list = outside.map((s) => `${hex(s.start)}-${hex(s.end)}`).join(', ');
    throw new ParkerError(
      'E_START',
      `the loaded image has ${outside.length === 1 ? 'a segment' : 'segments'} at ${list}, outside ${partition}'s memory ${hex(have.memory.start)}-${hex(have.memory.end)}: starting it would overwrite memory it does not own`,
      'load the image with kexec_load into the window (kexec -l --mem-min/--mem-max); never kexec_file_load (kexec -s)',
    );
  }
  if (options.ready && machine.watchConsole && !options.console) {
    throw new ParkerError(
      'E_START',
      `${partition} is up only once its console says so, and ${machine.description} has no source for that console`,
      `set consoleSource for ${partition} in the layout (the boot kernel's end of its serial console, a tty device or a log file), or ready: false to stop at online`,
    );
  }
  if (options.ready && !machine.console) {
    throw new ParkerError('E_START', `${partition} is up only once its console says so, and ${machine.description} cannot show consoles`, `set ready: false for ${partition} in the layout to stop at online`);
  }
}
