import { ParkerError } from '../units/parker-error.js';
import { isKernelError } from '../machines/kernel-error.js';
import type { Machine } from '../machines/machine.js';
import type { Step, StepOp } from '../plan/step.js';
import { parseCpuList } from '../units/cpulist.js';
import { PARKER_ROOT, readPartitions } from '../topology/partitions.js';
import { completedSteps, inFlightStep, undoInFlightStep, type Journal, type Transaction } from './journal.js';
import { undoSteps, type ApplyEvent } from './execute.js';

export interface RecoveryResult {
  /** The transaction recovered, or null when the journal had nothing open. */
  txn: string | null;
  command: string | null;
  undone: number;
  /** Whether the step in flight at the crash had taken effect (and was undone). */
  inFlightTookEffect: boolean | null;
  orphansFixed: string[];
  errors: string[];
}

function read(machine: Machine, path: string): string | null {
  try {
    return machine.fs.read(path).trim();
  } catch (e) {
    if (isKernelError(e)) return null;
    throw e;
  }
}

/** Did an operation that was in flight at the crash take effect? The kernel's files say. */
export function tookEffect(machine: Machine, op: StepOp): boolean {
  switch (op.kind) {
    case 'mkdir':
      return machine.fs.isDirectory(op.path);
    case 'rmdir':
      return !machine.fs.isDirectory(op.path);
    case 'write': {
      const [, , , partition, file] = op.path.split('/');
      if (op.path.startsWith(PARKER_ROOT) && partition) {
        const dir = `${PARKER_ROOT}/${partition}`;
        if (file === 'bind') return machine.fs.isDirectory(`${dir}/devices/${op.value}`);
        if (file === 'unbind') return !machine.fs.isDirectory(`${dir}/devices/${op.value}`);
        if (file === 'memory') return (read(machine, `${dir}/memory`) ?? '').startsWith(`${op.value}@`);
        if (file === 'cpus') {
          const now = read(machine, op.path);
          return now !== null && now !== '' && parseCpuList(now).join(',') === parseCpuList(op.value).join(',');
        }
      }
      return read(machine, op.path) === op.value.trim();
    }
    case 'kexec-load':
      return machine.kexec?.loaded() ?? false;
    case 'kexec-unload':
      return !(machine.kexec?.loaded() ?? false);
    case 'wait':
      return read(machine, op.path) === op.value;
    case 'run':
      // A stop command has done its work once the kernel is not online (or its partition is gone).
      return read(machine, `${PARKER_ROOT}/${op.partition}/online`) !== '1';
  }
}

/**
 * CPUs the transaction gave to partitions that no longer exist and that are still offline:
 * brought back online. Only CPUs parker itself offlined are touched, never one a partition owns.
 */
function fixOrphanCpus(machine: Machine, t: Transaction): string[] {
  const touched = new Set<number>();
  for (const step of t.begin.steps) {
    if (step.op.kind === 'write' && step.op.path.endsWith('/cpus')) for (const cpu of parseCpuList(step.op.value)) touched.add(cpu);
  }
  const owned = new Set(readPartitions(machine.fs).flatMap((p) => p.cpus));
  const fixed: string[] = [];
  for (const cpu of [...touched].sort((a, b) => a - b)) {
    const path = `sys/devices/system/cpu/cpu${cpu}/online`;
    if (owned.has(cpu) || read(machine, path) !== '0') continue;
    machine.fs.write(path, '1');
    fixed.push(`CPU ${cpu} back online in the boot kernel`);
  }
  return fixed;
}

/** Devices the transaction handed over that no partition holds and no driver has: probed again. */
function fixOrphanDevices(machine: Machine, t: Transaction): string[] {
  const held = new Set(readPartitions(machine.fs).flatMap((p) => p.devices));
  const fixed: string[] = [];
  for (const step of t.begin.steps) {
    if (step.op.kind !== 'write' || !step.op.path.endsWith('/bind')) continue;
    const device = step.op.value;
    if (held.has(device) || machine.fs.exists(`sys/bus/pci/devices/${device}/driver`)) continue;
    machine.fs.write('sys/bus/pci/drivers_probe', device);
    fixed.push(`device ${device} probed again by the boot kernel`);
  }
  return fixed;
}

/**
 * After a crash: reads the open transaction and the kernel's own files, undoes what was done
 * (the step in flight too, when it took effect) in reverse, then sweeps orphans. Rolling back
 * is always possible and never guesses the user's intent; the next apply redoes the rest.
 */
export async function recover(machine: Machine, journal: Journal, onEvent?: (e: ApplyEvent) => void): Promise<RecoveryResult> {
  const t = journal.unfinished();
  if (!t) return { txn: null, command: null, undone: 0, inFlightTookEffect: null, orphansFixed: [], errors: [] };
  if (t.begin.machine !== machine.description) {
    throw new ParkerError('E_JOURNAL', `the journal's unfinished "${t.begin.command}" (${t.txn}) ran on ${t.begin.machine}, not ${machine.description}`, 'recover it on that machine (the same --machine and --state-dir)');
  }
  const byId = new Map(t.begin.steps.map((s) => [s.id, s]));
  const toUndo: Step[] = completedSteps(t).map((id) => byId.get(id)!);
  const inFlight = inFlightStep(t);
  let inFlightTookEffect: boolean | null = null;
  if (inFlight !== null) {
    const step = byId.get(inFlight)!;
    inFlightTookEffect = tookEffect(machine, step.op);
    if (inFlightTookEffect) toUndo.push(step);
  }
  // An undo whose effect is already there is not run again: the one running when a rollback
  // was cut short, or all of them when the machine was reset since (a second rmdir or unbind
  // would fail on what is already gone).
  const pending = toUndo.filter((s) => s.undo !== null && !tookEffect(machine, s.undo));
  const undoing = undoInFlightStep(t);
  if (undoing !== null && !pending.some((s) => s.id === undoing)) journal.append({ type: 'undone', txn: t.txn, step: undoing });
  const errors = await undoSteps(machine, journal, t.txn, pending, onEvent);
  const orphansFixed = [...fixOrphanCpus(machine, t), ...fixOrphanDevices(machine, t)];
  journal.append({ type: 'end', txn: t.txn, outcome: 'recovered' });
  return { txn: t.txn, command: t.begin.command, undone: pending.length, inFlightTookEffect, orphansFixed, errors };
}
