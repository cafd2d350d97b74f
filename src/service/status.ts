import { ParkerError } from '../units/parker-error.js';
import { discoverPci } from '../topology/discover-pci.js';
import { KernelFiles } from '../topology/kernel-files.js';
import { interfaceFor } from './kernel-interfaces.js';
import type { Machine } from '../machines/machine.js';
import { Journal } from '../apply/journal.js';
import { ApplyLock } from '../apply/lock.js';
import { liveness, transactionLiveness } from '../apply/process-identity.js';
import { loadApplied } from './applied-layout.js';
import { lockDirFor } from './state-dir.js';

/** A state file that could not be read, as status reports it (status still shows the machine). */
export interface StateProblem {
  code: string;
  message: string;
  hint: string | null;
}

function readOrProblem<T>(read: () => T, problems: StateProblem[], fallback: T): T {
  try {
    return read();
  } catch (e) {
    if (!(e instanceof ParkerError)) throw e;
    problems.push({ code: e.code, message: e.message, hint: e.hint ?? null });
    return fallback;
  }
}

/**
 * Everything `parker status` shows, as data. Reads only, and creates nothing. A transaction
 * whose process still runs is an apply in progress (`applyRunning`), not an unfinished one; a
 * damaged state file is reported in `stateProblems` beside what could be read.
 */
export function statusOf(machine: Machine, stateDir: string) {
  const stateProblems: StateProblem[] = [];
  const applied = readOrProblem(() => loadApplied(stateDir, machine.description), stateProblems, null);
  const crashed = machine.crashed?.() ?? null;
  const partitions = crashed ? [] : interfaceFor(machine.fs).readPartitions(machine.fs);
  const journalOpen = readOrProblem(() => new Journal(stateDir).unfinished(), stateProblems, undefined);
  const lock = readOrProblem(() => new ApplyLock(lockDirFor(stateDir)).holder(), stateProblems, null);
  const owner = journalOpen?.begin.owner;
  const ownerState = owner ? transactionLiveness(owner, journalOpen.txn) : null;
  const lockState = lock ? liveness(lock) : null;
  // Running: its transaction's process is alive, or (before it began one) the lock's holder is.
  const running = ownerState === 'alive' || ownerState === 'unknown' ? { pid: owner!.pid, hostname: owner!.hostname, command: journalOpen!.begin.command, since: journalOpen!.begin.at } : lock && lockState !== 'dead' ? { pid: lock.pid, hostname: lock.hostname, command: lock.command, since: lock.since } : null;
  const open = journalOpen && !(ownerState === 'alive' || ownerState === 'unknown') ? journalOpen : undefined;
  return {
    schema: 'parker.status/v1' as const,
    machine: machine.description,
    clockMs: machine.simulatedClock ? (machine.clock?.now() ?? null) : null,
    crashed,
    layout: applied ? { file: applied.file, ...(applied.source !== undefined ? { source: applied.source } : {}), appliedAt: applied.appliedAt } : null,
    unfinishedTransaction: open ? { txn: open.txn, command: open.begin.command } : null,
    // A lock whose holder has ended (killed, or its machine rebooted) is stale: the next command
    // that changes the machine takes it over by itself.
    lock: lock ? { pid: lock.pid, hostname: lock.hostname, command: lock.command, since: lock.since, stale: lockState === 'dead' } : null,
    /** An apply (or start, stop, destroy, recover) in progress: who runs it and since when. */
    applyRunning: running,
    stateProblems,
    partitions: partitions.map((p) => {
      const known = machine.partitionState?.(p.name) ?? null;
      const spec = applied?.layout.spec.kernels.find((k) => k.name === p.name);
      return {
        name: p.name,
        id: p.id,
        state: known?.state ?? (p.online ? 'online' : 'offline'),
        online: p.online,
        cpus: p.cpus,
        memory: p.memory,
        devices: p.devices,
        profile: spec?.profile ?? null,
        inLayout: spec !== undefined,
        uptimeMs: known?.onlineAt != null && p.online ? (machine.clock?.now() ?? 0) - known.onlineAt : null,
        bootMs: known?.bootMs ?? null,
      };
    }),
    missing: (applied?.layout.placement.kernels ?? []).map((k) => k.name).filter((n) => !partitions.some((p) => p.name === n)),
    events: machine.events?.().slice(-12) ?? [],
  };
}
export type StatusReport = ReturnType<typeof statusOf>;

/**
 * One kernel in full (`parker status NAME`, as `kubectl describe` shows one object): its
 * partition's resources, the layout's view of it (image, command line, profile, stop command),
 * its devices with the drivers the boot kernel saw, its console tail and its events.
 */
export function kernelStatusOf(machine: Machine, stateDir: string, name: string, consoleLines = 20) {
  const all = statusOf(machine, stateDir);
  const partition = all.partitions.find((p) => p.name === name) ?? null;
  const applied = readOrProblem(() => loadApplied(stateDir, machine.description), [], null);
  const spec = applied?.layout.spec.kernels.find((k) => k.name === name) ?? null;
  if (!partition && !spec) {
    const known = [...new Set([...all.partitions.map((p) => p.name), ...all.missing])];
    throw new ParkerError('E_NOT_FOUND', `no kernel named ${name} on ${machine.description} or in its applied layout`, known.length ? `one of: ${known.join(', ')}` : 'see parker status');
  }
  const placement = applied?.layout.placement.kernels.find((k) => k.name === name) ?? null;
  // Only the devices: not the whole machine (thousands of CPUs' files) for one kernel's few devices.
  const pci = machine.crashed?.() ? [] : discoverPci(new KernelFiles(machine.fs));
  const devices = (partition?.devices ?? placement?.devices ?? []).map((address) => {
    const device = pci.find((d) => d.address === address);
    return { address, class: device?.className ?? null, node: device?.node ?? null, iommuGroup: device?.iommuGroup ?? null, bootDriver: device?.driver ?? null };
  });
  let console: string[] = [];
  try {
    console = machine.console?.(name).slice(-consoleLines) ?? [];
  } catch {
    console = [];
  }
  return {
    schema: 'parker.kernel-status/v1' as const,
    machine: all.machine,
    name,
    partition,
    inLayout: spec !== null,
    layout: spec
      ? {
          image: spec.image,
          initrd: spec.initrd ?? null,
          profile: spec.profile,
          cmdline: applied!.layout.cmdlines.find((c) => c.name === name)?.text ?? null,
          stop: spec.stop ?? null,
          placedCpus: placement?.cpus ?? [],
        }
      : null,
    devices,
    console,
    events: (machine.events?.() ?? []).filter((e) => e.kernel === name),
  };
}
export type KernelStatusReport = ReturnType<typeof kernelStatusOf>;

/** The kernel names worth completing: the applied layout's and the partitions', sorted. */
export function kernelNames(machine: Machine, stateDir: string): string[] {
  let applied: string[] = [];
  try {
    applied = loadApplied(stateDir, machine.description)?.layout.spec.kernels.map((k) => k.name) ?? [];
  } catch {
    applied = [];
  }
  const partitions = machine.crashed?.() ? [] : interfaceFor(machine.fs).readPartitions(machine.fs).map((p) => p.name);
  return [...new Set([...applied, ...partitions])].sort();
}
