import type { Machine } from '../machines/machine.js';
import { interfaceFor } from '../service/kernel-interfaces.js';
import type { EventHub } from './event-hub.js';

/**
 * Looks at the machine every `pollMs` and publishes what changed: partitions that appeared,
 * changed state or went away; new console lines; new machine events. A machine whose state
 * lives in files (the simulator, a host's sysfs) is read afresh at every look.
 */
export class MachineWatch {
  private timer: NodeJS.Timeout | null = null;
  private states = new Map<string, string>();
  private consoleSeen = new Map<string, number>();
  private eventsSeen = -1;
  private busy = false;

  constructor(
    private readonly open: () => Machine,
    private readonly hub: EventHub,
    private readonly pollMs: number,
    private readonly log: (line: Record<string, unknown>) => void,
  ) {}

  start(): void {
    this.look();
    this.timer = setInterval(() => this.look(), this.pollMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  look(): void {
    if (this.busy) return;
    this.busy = true;
    let machine: Machine | null = null;
    try {
      machine = this.open();
      this.lookAt(machine);
    } catch (e) {
      this.log({ level: 'warn', msg: 'machine watch: cannot read the machine', error: String((e as Error)?.message ?? e) });
    } finally {
      machine?.close?.();
      this.busy = false;
    }
  }

  /** One look at a machine already open (the status reader opens it once for both); throws when it cannot be read. */
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
