import type { Machine } from '../machines/machine.js';
import { interfaceFor } from '../service/kernel-interfaces.js';
import type { EventHub } from './event-hub.js';

/**
 * Publishes what changed on the machine since the last look: partitions that appeared, changed
 * state or went away; new console lines; new machine events. The daemon's reader thread
 * (read-worker.ts) opens the machine afresh and calls `lookAt` at each of its reads.
 */
export class MachineWatch {
  private states = new Map<string, string>();
  private consoleSeen = new Map<string, number>();
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
      let lines: string[] = [];
      try {
        lines = machine.console?.(p.name) ?? [];
      } catch {
        lines = [];
      }
      const seen = this.consoleSeen.get(p.name) ?? 0;
      const fresh = lines.length < seen ? lines : lines.slice(seen);
      if (fresh.length) this.hub.publish('console', { name: p.name, lines: fresh });
      this.consoleSeen.set(p.name, lines.length);
    }
    for (const [name, state] of this.states) {
      if (!now.has(name)) {
        this.hub.publish('partition', { name, state: 'gone', before: state, online: false });
        this.consoleSeen.delete(name);
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
}
