import { interfaceFor } from './kernel-interfaces.js';
import type { Machine } from '../machines/machine.js';
import { Journal } from '../apply/journal.js';
import { ApplyLock } from '../apply/lock.js';
import { loadApplied } from './applied-layout.js';
import { lockDirFor } from './state-dir.js';

/** Everything `parker status` shows, as data. Reads only. */
export function statusOf(machine: Machine, stateDir: string) {
  const applied = loadApplied(stateDir, machine.description);
  const crashed = machine.crashed?.() ?? null;
  const partitions = crashed ? [] : interfaceFor(machine.fs).readPartitions(machine.fs);
  const open = new Journal(stateDir).unfinished();
  return {
    schema: 'parker.status/v1' as const,
    machine: machine.description,
    clockMs: machine.simulatedClock ? (machine.clock?.now() ?? null) : null,
    crashed,
    layout: applied ? { file: applied.file, appliedAt: applied.appliedAt } : null,
    unfinishedTransaction: open ? { txn: open.txn, command: open.begin.command } : null,
    lock: new ApplyLock(lockDirFor(stateDir)).holder(),
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
      };
    }),
    missing: (applied?.layout.placement.kernels ?? []).map((k) => k.name).filter((n) => !partitions.some((p) => p.name === n)),
    events: machine.events?.().slice(-12) ?? [],
  };
}
export type StatusReport = ReturnType<typeof statusOf>;
