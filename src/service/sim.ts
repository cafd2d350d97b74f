import { ParkerError } from '../units/parker-error.js';
import { createSimMachine, openSimMachine, readSourceArchive, SIM_IMAGE } from '../machines/sim/sim-machine.js';
import { SimStore } from '../machines/sim/sim-store.js';
import type { SimSource } from '../machines/sim/sim-state.js';
import { describePool } from '../machines/sim/cma-pools.js';
import { INJECTIONS, BOOT_MODEL, type Injection } from '../machines/sim/app-kernel.js';
import type { MachineEvent } from '../machines/machine.js';
import { parseSyntheticDescription } from '../synthetic/description.js';
import { forgetApplied } from './applied-layout.js';
import { withLockSync } from './transaction.js';

/** The controls of the simulated machine (`parker sim`): what it is, create, reset, inject. */

export function simSourceOf(choice: { synthetic?: string; from?: string; root?: string }): SimSource {
  const given = [choice.synthetic && 'synthetic', choice.from && 'from', choice.root && 'root'].filter(Boolean);
  if (given.length > 1) throw new ParkerError('E_USAGE', `choose one source: ${given.map((g) => `--${g}`).join(' and ')} were both given`, 'keep one of --synthetic, --from, --root');
  if (choice.synthetic) {
    parseSyntheticDescription(choice.synthetic);
    return { kind: 'synthetic', description: choice.synthetic };
  }
  if (choice.from) return { kind: 'archive', path: choice.from };
  if (choice.root) return { kind: 'root', path: choice.root };
  return { kind: 'default' };
}

export function simReport(stateDir: string) {
  const m = openSimMachine(stateDir);
  const k = m.kernel;
  m.close();
  return {
    schema: 'parker.sim/v1' as const,
    stateDir,
    source: m.meta.source,
    description: m.description,
    cmdline: k.cmdline,
    createdAt: m.meta.createdAt,
    clockMs: k.clock,
    crashed: k.crash,
    cpus: { possible: k.hardware.cpus.possible.length, online: k.online.size },
    pools: [...k.pools.values()].map((p) => ({ name: p.name, node: p.node, range: p.range, used: p.used, summary: describePool(p) })),
    /** What the boot kernel logged about its parker_cma= reservations. */
    reservationLog: k.bootLog.filter((line) => line.startsWith('parker:')),
    partitions: [...k.partitions.values()].map((p) => ({ name: p.name, id: p.id, status: p.status, cpus: p.cpus.length, memory: p.memory, devices: p.devices })),
    kexecLoaded: k.kexec,
    bootModel: BOOT_MODEL,
    image: SIM_IMAGE,
    events: k.events,
  };
}
export type SimReport = ReturnType<typeof simReport>;

/** A new simulated machine in the state directory, replacing the old one (and its applied layout). */
export function createSim(stateDir: string, options: { source: SimSource; now: Date; cmdline?: string }): SimReport {
  // Under the lock, as every change to the machine: an apply running meanwhile would go on
  // against a machine made anew under it.
  return withLockSync(stateDir, 'sim create', () => {
    createSimMachine(stateDir, options).close();
    forgetApplied(stateDir);
    return simReport(stateDir);
  });
}

/** The simulated machine as it was created: no partitions, every CPU online. */
export function resetSim(stateDir: string, now: Date): SimReport {
  return withLockSync(stateDir, 'sim reset', () => resetHeld(stateDir, now));
}

function resetHeld(stateDir: string, now: Date): SimReport {
  const store = new SimStore(stateDir);
  const meta = store.exists() ? store.readMeta() : null;
  const source = meta?.source ?? { kind: 'default' as const };
  // The machine's own copy of its snapshot: the original file may be gone.
  const archive = (source.kind === 'archive' || source.kind === 'root') && meta ? readSourceArchive(store) : undefined;
  createSimMachine(stateDir, { source, now, ...(meta ? { cmdline: meta.cmdline } : {}), ...(archive ? { archive } : {}) }).close();
  forgetApplied(stateDir);
  return simReport(stateDir);
}

/** Makes a running simulated kernel do something with machine-wide consequences; the events that followed. */
export function injectSim(stateDir: string, name: string, what: string): MachineEvent[] {
  if (!(INJECTIONS as readonly string[]).includes(what)) throw new ParkerError('E_USAGE', `unknown injection "${what}"`, `use one of: ${INJECTIONS.join(', ')}`);
  return withLockSync(stateDir, `sim inject ${name} ${what}`, () => {
    const m = openSimMachine(stateDir);
    const before = m.kernel.events.length;
    m.inject(name, what as Injection);
    m.close();
    return m.kernel.events.slice(before);
  });
}
