import { formatCpuList } from '../../units/cpulist.js';
import { parseSize } from '../../units/size.js';
import { formatSizeHuman } from '../../units/size.js';
import type { PhysRange } from '../../units/phys-range.js';
import type { SimKernel } from './sim-kernel.js';
import type { LoadedImage, SimPartition } from './sim-state.js';
import { resetMachine } from './machine-reset.js';

/**
 * The boot model of a simulated application kernel (docs/simulator.md). Writing `online`
 * checks what a real Parker kernel needs and then:
 * - comes online after a simulated boot time of BOOT_BASE_MS + per-CPU, per-GiB and
 *   per-device costs, and prints a boot log of its real resources;
 * - or never comes online (the boot kernel busy-waits with no timeout: the write fails
 *   with ETIMEDOUT after the hang is noted, the partition is "hung");
 * - or tramples memory it does not own, and the whole simulated machine crashes.
 */
export const BOOT_MODEL = { baseMs: 1200, perCpuMs: 4, perGiBMs: 25, perDeviceMs: 150 } as const;

export function bootDurationMs(p: SimPartition): number {
  const gib = p.memory ? (p.memory.end - p.memory.start + 1) / 2 ** 30 : 0;
  return BOOT_MODEL.baseMs + BOOT_MODEL.perCpuMs * p.cpus.length + BOOT_MODEL.perGiBMs * gib + BOOT_MODEL.perDeviceMs * p.devices.length;
}

/** key -> values (a key may repeat: memmap=exactmap memmap=4G@0x...). */
export function cmdlineValues(cmdline: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const word of cmdline.match(/(?:[^\s"]+|"[^"]*")+/g) ?? []) {
    const eq = word.indexOf('=');
    const key = eq === -1 ? word : word.slice(0, eq);
    const value = eq === -1 ? '' : word.slice(eq + 1).replace(/^"|"$/g, '');
    out.set(key, [...(out.get(key) ?? []), value]);
  }
  return out;
}

function memmapRanges(values: string[]): PhysRange[] | 'invalid' {
  const ranges: PhysRange[] = [];
  for (const v of values) {
    if (v === 'exactmap') continue;
    const m = /^([^@$#!]+)@(0x[0-9a-fA-F]+|\d+)$/.exec(v);
    if (!m) return 'invalid';
    const start = Number(BigInt(m[2]!));
    ranges.push({ start, end: start + parseSize(m[1]!) - 1 });
  }
  return ranges;
}

const inside = (r: PhysRange, outer: PhysRange) => outer.start <= r.start && r.end <= outer.end;
const hex = (n: number) => `0x${n.toString(16).padStart(16, '0')}`;

type Outcome =
  | { kind: 'online'; memory: PhysRange[]; after: AfterOnline }
  | { kind: 'hang'; reason: string }
  | { kind: 'crash'; reason: string };

/** What happens once `online` reads 1 (the end of the PCI scan): drivers probe, then userspace. */
interface AfterOnline {
  /** Its image decompressed outside the partition (no nokaslr): where. */
  imageOutside: PhysRange | null;
  /** Devices whose DMA faults because the boot kernel's IOMMU translates. */
  dmaFaults: string[];
  /** Why it never reaches userspace, or null when it does. */
  hangs: string | null;
}

/** FNV-1a, 32 bits: the simulator's deterministic stand-in for a random choice. */
function fnv(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/**
 * Without `nokaslr` the decompressor picks a random physical address and the kernel keeps it
 * as RAM (memmap=exactmap does not bind the decompressor). Measured: outside the partition in
 * 2 of 3 boots. The simulator decides from a hash of the partition, its memory and the number
 * of starts since the machine booted: outside when the hash is not a multiple of 3, then at a
 * 2 MiB-aligned address in the boot kernel's RAM below the partition (or above it).
 */
export function kaslrPlacement(k: SimKernel, p: SimPartition, size: number): PhysRange | null {
  const memory = p.memory!;
  const seed = fnv(`${p.name}|${p.id}|${memory.start}|${k.starts}`);
  if (seed % 3 === 0) return null;
  const ram = k.hardware.memory.systemRam.length > 0 ? k.hardware.memory.systemRam : [{ start: 0x1000000, end: memory.start - 1 }];
  const TWO_MIB = 2 ** 21;
  const candidates = ram
    .map((r) => ({ start: Math.ceil(Math.max(r.start, 0x1000000) / TWO_MIB) * TWO_MIB, end: r.end }))
    .filter((r) => r.end - r.start + 1 >= size && (r.end < memory.start || r.start > memory.end));
  const r = candidates[seed % Math.max(1, candidates.length)];
  if (!r) return null;
  const slots = Math.floor((r.end + 1 - size - r.start) / TWO_MIB) + 1;
  const start = r.start + (Math.floor(seed / 3) % slots) * TWO_MIB;
  return { start, end: start + size - 1 };
}

/** The boot kernel's IOMMU translates DMA: groups exist and neither iommu=pt nor an off switch is given. */
function iommuTranslates(k: SimKernel, address: string): boolean {
  const device = k.hardware.pci.find((d) => d.address === address);
  if (!device || device.iommuGroup === null) return false;
  const boot = cmdlineValues(k.cmdline);
  const iommu = boot.get('iommu') ?? [];
  if (iommu.includes('pt') || iommu.includes('off')) return false;
  if (boot.get('intel_iommu')?.includes('off') || boot.get('amd_iommu')?.includes('off')) return false;
  return true;
}

function judgeBoot(k: SimKernel, p: SimPartition): Outcome {
  const image = k.kexec!;
  const params = cmdlineValues(image.cmdline);
  if (!p.memory) {
    return { kind: 'crash', reason: `${p.name} was started with no memory set: the boot kernel jumped into an image outside any partition and panicked` };
  }
  const memory = p.memory;
  if (!inside(image.placedAt, memory)) {
    return { kind: 'crash', reason: `${p.name}'s image was loaded at ${hex(image.placedAt.start)}, outside its memory; it decompressed over memory it does not own` };
  }
  const memmap = params.get('memmap');
  if (!memmap?.includes('exactmap')) {
    return { kind: 'crash', reason: `${p.name} booted without memmap=exactmap, took the whole machine's e820 map and used memory it does not own` };
  }
  const ranges = memmapRanges(memmap);
  if (ranges === 'invalid' || ranges.length === 0) return { kind: 'hang', reason: `${p.name} found no usable memmap= range and stopped before the console came up` };
  const outside = ranges.find((r) => !inside(r, memory));
  if (outside) return { kind: 'crash', reason: `${p.name}'s memmap= covers ${hex(outside.start)}-${hex(outside.end)}, outside its memory, and it used memory it does not own` };
  const parker = params.get('parker')?.at(-1);
  if (parker === undefined || Number(parker) !== p.controlStructure) {
    return { kind: 'hang', reason: `${p.name} could not find its control structure (parker=${parker ?? 'missing'}, expected 0x${p.controlStructure.toString(16)}) and never set online` };
  }
  for (const address of p.devices) {
    const device = k.hardware.pci.find((d) => d.address === address);
    if (device && device.msi === false && device.msix === false) {
      return { kind: 'hang', reason: `${p.name} waits forever in PCI init: ${address} has neither MSI nor MSI-X and partitions have no IOAPIC` };
    }
  }
  const bootNo5lvl = cmdlineValues(k.cmdline).has('no5lvl');
  if (params.has('no5lvl') !== bootNo5lvl) return { kind: 'hang', reason: `${p.name} uses a different paging depth (no5lvl) from the boot kernel: the start trampoline faults (H20)` };
  const imageOutside = params.has('nokaslr') ? null : kaslrPlacement(k, p, image.placedAt.end - image.placedAt.start + 1);
  const stolen = p.cpus.filter((c) => c !== 0 && k.online.has(c));
  const hangs = stolen.length
    ? `${p.name} came online but never reached userspace: CPU ${formatCpuList(stolen)} is online in the boot kernel too (put back online after the partition took it)`
    : null;
  return { kind: 'online', memory: ranges, after: { imageOutside, dmaFaults: p.devices.filter((d) => iommuTranslates(k, d)), hangs } };
}

/** The console line a kernel prints when it starts userspace: parker's readiness signal. */
export const USERSPACE_LINE = 'Run /init as init process';

/**
 * The application kernel's console. `online` is set at the end of its PCI scan, before any
 * driver probes (measured): the lines after "setting online" come later, and the last one,
 * "Run /init as init process", only from a kernel that reaches userspace.
 */
function bootLog(k: SimKernel, p: SimPartition, memory: PhysRange[], image: LoadedImage, after: AfterOnline): string[] {
  const t0 = bootDurationMs(p) / 1000;
  const stamp = (fraction: number) => `[${(t0 * fraction).toFixed(6).padStart(12)}]`;
  const lines = [
    `${stamp(0)} Linux version ${image.version ?? 'unknown'} (parker application kernel) #1 SMP PREEMPT_DYNAMIC`,
    `${stamp(0)} Command line: ${image.cmdline}`,
    `${stamp(0)} parker: partition ${p.id} "${p.name}", control structure at 0x${p.controlStructure.toString(16)}`,
    `${stamp(0)} BIOS-provided physical RAM map:`,
    ...memory.map((r) => `${stamp(0)} user: [mem ${hex(r.start)}-${hex(r.end)}] usable`),
    `${stamp(0.01)} ACPI: disabled (Parker partition)`,
    `${stamp(0.02)} x2apic: enabled by parker, ${p.cpus.length} APIC ids`,
    `${stamp(0.05)} Memory: ${formatSizeHuman(memory.reduce((n, r) => n + r.end - r.start + 1, 0))} available`,
    `${stamp(0.1)} smp: Bringing up secondary CPUs ...`,
    `${stamp(0.4)} smp: Brought up 1 node, ${p.cpus.length} CPUs (boot kernel CPUs ${formatCpuList(p.cpus)})`,
  ];
  p.devices.forEach((address, i) => {
    const d = k.hardware.pci.find((x) => x.address === address);
    const what = [d?.vendorName, d?.deviceName].filter(Boolean).join(' ') || d?.className || 'device';
    lines.push(`${stamp(0.5 + (0.3 * i) / Math.max(1, p.devices.length))} pci ${address}: ${what}`);
  });
  lines.push(`${stamp(0.85)} parker: PCI init done, setting online`);
  if (after.hangs) return lines;
  // Legacy serial ports are probed blindly: the application kernel claims ttyS0 as well.
  lines.push(`${stamp(0.88)} serial8250: ttyS0 at I/O 0x3f8 (irq = 4, base_baud = 115200) is a 16550A`);
  p.devices.forEach((address, i) => {
    const d = k.hardware.pci.find((x) => x.address === address);
    const name = d?.driver ?? 'pci';
    lines.push(`${stamp(0.9 + (0.05 * i) / Math.max(1, p.devices.length))} ${name} ${address}: ${after.dmaFaults.includes(address) ? 'enabling device, MSI-X enabled' : 'MSI-X enabled'}`);
  });
  lines.push(`${stamp(1)} ${USERSPACE_LINE}`);
  for (const address of after.dmaFaults) {
    const d = k.hardware.pci.find((x) => x.address === address);
    lines.push(`[${(t0 + 60).toFixed(6).padStart(12)}] ${d?.driver ?? 'pci'} ${address}: I/O 0 QID 0 timeout, disable controller`);
  }
  return lines;
}

/** Hazards whose consequences show when a kernel starts (H02 split-lock, H03 WBINVD, H10 panic). */
function bootHazards(k: SimKernel, p: SimPartition, cmdline: string): void {
  const mine = cmdlineValues(cmdline);
  const boot = cmdlineValues(k.cmdline);
  const slBoot = boot.get('split_lock_detect')?.at(-1) ?? 'warn';
  const slMine = mine.get('split_lock_detect')?.at(-1) ?? 'warn';
  if (slBoot !== slMine) {
    k.event('warning', `split_lock_detect=${slMine} in ${p.name} but ${slBoot} in the boot kernel: cores disagree on bus-lock handling`, { hazard: 'H02', kernel: p.name });
  }
  if (mine.get('mem_encrypt')?.at(-1) === 'on') {
    k.event('warning', `${p.name} enables memory encryption, which issues WBINVD and flushes caches shared with other kernels`, { hazard: 'H03', kernel: p.name });
  }
  const panic = Number(mine.get('panic')?.at(-1) ?? '0');
  if (panic !== 0 || mine.has('crashkernel')) {
    k.event('warning', `${p.name} reboots on panic (panic=${panic}${mine.has('crashkernel') ? ', crashkernel=' : ''}): a panic there resets the whole machine`, { hazard: 'H10', kernel: p.name });
  }
}

export function startPartition(k: SimKernel, p: SimPartition, path: string): void {
  if (p.cpus.length === 0) k.fail('EINVAL', 'write', path, `${p.name} has no CPUs`);
  if (!k.kexec) {
    // The partition's boot CPU finds no image and spins: the writer busy-waits for ever.
    p.started = true;
    k.starts++;
    k.clock += bootDurationMs(p);
    p.status = 'hung';
    p.console = [];
    const reason = `${p.name} was started with no kexec image loaded: its boot CPU spins and it never sets online`;
    k.event('error', reason, { kernel: p.name });
    k.fail('ETIMEDOUT', 'write', path, `${reason}; the boot kernel is still waiting for it`);
  }
  const outcome = judgeBoot(k, p);
  const image = k.kexec;
  // The image stays loaded (kexec_loaded reads 1, measured): it lies in this partition's
  // memory, so another partition started from it would run outside its own (parker loads anew).
  p.cmdline = image.cmdline;
  p.started = true;
  k.starts++;
  if (outcome.kind === 'crash') {
    k.clock += 50;
    k.crash = { at: k.clock, reason: outcome.reason };
    k.event('error', `machine crashed: ${outcome.reason}`, { kernel: p.name });
    k.fail('EIO', 'write', path, outcome.reason);
  }
  k.clock += bootDurationMs(p);
  if (outcome.kind === 'hang') {
    p.status = 'hung';
    p.console = [`[    0.000000] Linux version ${image.version ?? 'unknown'} (parker application kernel)`, `[    0.000000] Command line: ${image.cmdline}`];
    k.event('error', outcome.reason, { kernel: p.name });
    k.fail('ETIMEDOUT', 'write', path, `${outcome.reason}; the boot kernel is still waiting for it`);
  }
  const after = outcome.after;
  p.console = bootLog(k, p, outcome.memory, image, after);
  p.online = true;
  p.ready = after.hangs === null;
  p.status = after.hangs === null ? 'online' : 'hung';
  p.onlineAt = k.clock;
  k.event('info', `${p.name} is online (${p.cpus.length} CPUs, ${p.devices.length} device${p.devices.length === 1 ? '' : 's'}) after ${(bootDurationMs(p) / 1000).toFixed(2)} s`, { kernel: p.name });
  if (after.imageOutside) {
    const r = after.imageOutside;
    k.event('error', `${p.name} was started without nokaslr: its image decompressed at 0x${r.start.toString(16)}-0x${r.end.toString(16)}, outside its partition, over the boot kernel's memory, and it kept that range as RAM`, { kernel: p.name });
  }
  if (after.hangs) k.event('error', after.hangs, { kernel: p.name });
  for (const address of after.dmaFaults) {
    k.event('error', `${p.name}'s ${address} times out after 60 s: the boot kernel's IOMMU translates, so the device's DMA faults (boot with iommu=pt)`, { kernel: p.name, hazard: 'H13' });
  }
  // The boot kernel's console on ttyS0, by name or by its I/O port (validate's H17 note says the same).
  if (!after.hangs && /(^|\s)console=(ttyS0\b|uart(8250)?,io,0x3f8\b)/.test(k.cmdline)) {
    k.event('warning', `${p.name} probed the legacy serial ports and claimed ttyS0, the boot kernel's console`, { kernel: p.name, hazard: 'H17' });
  }
  bootHazards(k, p, image.cmdline);
}

/** A console timestamp: the kernel's own uptime, as dmesg prints it. */
function uptimeStamp(k: SimKernel, p: SimPartition): string {
  const startedAt = (p.onlineAt ?? k.clock) - bootDurationMs(p);
  return `[${((k.clock - startedAt) / 1000).toFixed(6).padStart(12)}]`;
}

/** The kernel received its stop command: it writes online=0 and powers off. */
export function powerOff(k: SimKernel, p: SimPartition): void {
  if (!p.online) return;
  k.clock += 800;
  p.console.push(`${uptimeStamp(k, p)} reboot: Power down`);
  p.online = false;
  p.status = 'stopped';
  k.put(`sys/fs/parker/${p.name}/online`, 0);
  k.event('info', `${p.name} powered off`, { kernel: p.name });
}

export type Injection = 'panic' | 'reboot' | 'split-lock' | 'wbinvd' | 'poweroff';
export const INJECTIONS: readonly Injection[] = ['panic', 'reboot', 'split-lock', 'wbinvd', 'poweroff'];

/**
 * `parker sim inject`: make a running kernel do something that has machine-wide consequences,
 * or power itself off from inside (`poweroff` on its console), as a kernel with no stop command must.
 */
export function inject(k: SimKernel, p: SimPartition, what: Injection): void {
  if (what === 'poweroff') return powerOff(k, p);
  const params = cmdlineValues(p.cmdline ?? '');
  const stamp = uptimeStamp(k, p);
  if (what === 'panic') {
    p.console.push(`${stamp} Kernel panic - not syncing: injected by parker sim`);
    const panic = Number(params.get('panic')?.at(-1) ?? '0');
    if (panic === 0) {
      p.status = 'halted';
      k.event('error', `${p.name} panicked and halted (panic=0): the other kernels run on`, { kernel: p.name, hazard: 'H10' });
      return;
    }
    return resetMachine(k, `${p.name} panicked with panic=${panic} and rebooted: every reset method resets the whole machine`, 'H10');
  }
  if (what === 'reboot') {
    p.console.push(`${stamp} reboot: Restarting system`);
    return resetMachine(k, `${p.name} rebooted: every reset method resets the whole machine`, 'H10');
  }
  if (what === 'split-lock') {
    const mine = params.get('split_lock_detect')?.at(-1) ?? 'warn';
    if (mine === 'off') k.event('warning', `a bus lock in ${p.name} (split_lock_detect=off) stalled every CPU of the machine`, { kernel: p.name, hazard: 'H02' });
    else k.event('info', `${p.name} caught a split lock (split_lock_detect=${mine})`, { kernel: p.name, hazard: 'H02' });
    p.console.push(`${stamp} x86/split lock detection: #AC: task took a split_lock trap`);
    return;
  }
  // The flush reaches the kernels with CPUs under the same last-level caches.
  const sharing = [...k.partitions.values()].filter((o) => o !== p && o.online && sharesLlc(k, o.cpus, p.cpus)).map((o) => o.name);
  if (sharesLlc(k, [...k.online], p.cpus)) sharing.unshift('the boot kernel');
  const victims = sharing.length > 0 ? `latency spike in ${sharing.join(', ')}` : 'no other kernel shares its last-level caches';
  k.event('warning', `${p.name} issued WBINVD: shared caches flushed; ${victims}`, { kernel: p.name, hazard: 'H03' });
}

function sharesLlc(k: SimKernel, a: readonly number[], b: readonly number[]): boolean {
  const llc = new Map(k.hardware.cpu.map((c) => [c.id, c.llc]));
  const mine = new Set(a.map((c) => llc.get(c) ?? null).filter((id) => id !== null));
  return b.some((c) => {
    const id = llc.get(c) ?? null;
    return id !== null && mine.has(id);
  });
}
