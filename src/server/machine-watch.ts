import type { ConsoleCursor, Machine } from '../machines/machine.js';
import { interfaceFor } from '../service/kernel-interfaces.js';
import type { EventHub } from './event-hub.js';

/**
 * States in which a kernel prints nothing (more): a line it left unfinished is published as it
 * is. "offline" is a partition not online whose machine tells no more: not started (its
 * console is empty), or stopped. A failed start is not among them: the kernel may still be
 * booting, and printing, after its start write gave up.
 */
const ENDED = new Set(['stopped', 'halted', 'offline']);

/**
 * Publishes what changed on the machine since the last look: partitions that appeared, changed
 * state or went away; new console lines; new machine events. The daemon's reader thread
 * (read-worker.ts) opens the machine afresh and calls `lookAt` at each of its reads.
 */
export class MachineWatch {
  private states = new Map<string, string>();
  private consoleCursors = new Map<string, ConsoleCursor>();
  private eventsSeen = -1;

  constructor(private readonly hub: EventHub) {}

  /** One look at an open machine; throws when it cannot be read. */
  lookAt(machine: Machine): void {
    const crashed = machine.crashed?.() ?? null;
    const partitions = crashed ? [] : interfaceFor(machine.fs).readPartitions(machine.fs);
    const now = new Map<string, string>();
    for (const p of partitions) {
      const state = machine.partitionState?.(p.name)?.state ?? (p.online ? 'online' : 'offline');
      now.set(p.name, state);
      const before = this.states.get(p.name);
      if (before !== state) this.hub.publish('partition', { name: p.name, id: p.id, state, before: before ?? null, online: p.online, cpus: p.cpus.length });
      const fresh = this.freshConsole(machine, p.name, ENDED.has(state));
      if (fresh.length) this.hub.publish('console', { name: p.name, lines: fresh });
    }
    for (const [name, state] of this.states) {
      if (!now.has(name)) {
        this.hub.publish('partition', { name, state: 'gone', before: state, online: false });
        this.consoleCursors.delete(name);
      }
    }
    this.states = now;
    const events = machine.events?.() ?? [];
    // The first look only learns where the machine's history ends; a shorter history is a new machine.
    if (this.eventsSeen >= 0) {
      const fresh = events.length < this.eventsSeen ? events : events.slice(this.eventsSeen);
      for (const e of fresh) this.hub.publish('machine', { ...e });
    }
    this.eventsSeen = events.length;
  }

  /** The lines a partition's console gained since the last look, each byte read once (consoleSince). */
  private freshConsole(machine: Machine, name: string, ended: boolean): string[] {
    if (!machine.consoleSince) return [];
    try {
      const read = machine.consoleSince(name, this.consoleCursors.get(name) ?? null, ended);
      this.consoleCursors.set(name, read.cursor);
      return read.lines;
    } catch {
      return [];
    }
  }
}
