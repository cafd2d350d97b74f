/**
 * The daemon's events, numbered in the order they happened and kept in a ring, so a client
 * that reconnects with `Last-Event-ID` gets what it missed (while the ring still holds it).
 *
 * Types: `step` (a transaction's step progress), `transaction` (accepted, running, finished),
 * `partition` (a partition appeared, changed state or went away), `console` (new console
 * lines), `machine` (machine events: hazard consequences, kernels online).
 */
export type HubEventType = 'step' | 'transaction' | 'partition' | 'console' | 'machine';

export interface HubEvent {
  id: number;
  type: HubEventType;
  at: string;
  data: Record<string, unknown>;
}

export const HUB_EVENT_TYPES: readonly HubEventType[] = ['step', 'transaction', 'partition', 'console', 'machine'];

export class EventHub {
  private readonly ring: HubEvent[] = [];
  private next: number;
  private readonly listeners = new Set<(event: HubEvent) => void>();

  /**
   * @param first the first event's id. The daemon starts from the time it starts, in
   *   microseconds, so that ids keep growing across its restarts: a client that resumes with an
   *   id of the daemon's previous run is told of a gap, never sent nothing.
   */
  constructor(
    private readonly capacity = 5000,
    readonly first = 1,
  ) {
    this.next = first;
  }

  /** Whether a client that saw the events up to `after` missed some: dropped from the ring, or of an earlier run. */
  missed(after: number): boolean {
    // 0 asks for everything from the start, which is all there when nothing was dropped.
    if (after === 0) return this.oldest() > this.first;
    return after + 1 < this.oldest();
  }

  publish(type: HubEventType, data: Record<string, unknown>): HubEvent {
    const event: HubEvent = { id: this.next++, type, at: new Date().toISOString(), data };
    this.ring.push(event);
    if (this.ring.length > this.capacity) this.ring.splice(0, this.ring.length - this.capacity);
    for (const listener of this.listeners) listener(event);
    return event;
  }

  /** Events after `id` still in the ring (all of them for 0). */
  since(id: number): HubEvent[] {
    return this.ring.filter((e) => e.id > id);
  }

  /** The id of the oldest event kept, or the next one when none is. */
  oldest(): number {
    return this.ring[0]?.id ?? this.next;
  }

  lastId(): number {
    return this.next - 1;
  }

  subscribe(listener: (event: HubEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get subscribers(): number {
    return this.listeners.size;
  }
}
