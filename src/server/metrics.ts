import { compareText } from '../units/compare-text.js';
import type { StatusReport } from '../service/status.js';
import type { CmaArea } from '../topology/model.js';

/** A Prometheus histogram: cumulative buckets, sum and count. */
class Histogram {
  private readonly counts: number[];
  private sum = 0;
  private count = 0;
  constructor(readonly buckets: readonly number[]) {
    this.counts = buckets.map(() => 0);
  }
  observe(value: number): void {
    this.sum += value;
    this.count++;
    this.buckets.forEach((b, i) => {
      if (value <= b) this.counts[i]!++;
    });
  }
  lines(name: string, labels: string): string[] {
    const sep = labels ? `${labels},` : '';
    const out = this.buckets.map((b, i) => `${name}_bucket{${sep}le="${b}"} ${this.counts[i]}`);
    out.push(`${name}_bucket{${sep}le="+Inf"} ${this.count}`);
    out.push(`${name}_sum${labels ? `{${labels}}` : ''} ${round(this.sum)}`);
    out.push(`${name}_count${labels ? `{${labels}}` : ''} ${this.count}`);
    return out;
  }
}

const round = (n: number) => Math.round(n * 1e6) / 1e6;
const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

const TXN_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
const BOOT_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** What the daemon counts itself; the machine's gauges are read at each scrape. */
export class Metrics {
  private readonly txn = new Map<string, Histogram>();
  private readonly boot = new Histogram(BOOT_BUCKETS);
  private readonly failures = new Map<string, number>();
  private readonly requests = new Map<string, number>();
  private droppedConnections = 0;
  /** Each kernel's last boot this daemon saw, in seconds: the dashboard's cards show it. */
  private readonly lastBoot = new Map<string, number>();

  transactionFinished(op: string, seconds: number, failureCode: string | null): void {
    if (!this.txn.has(op)) this.txn.set(op, new Histogram(TXN_BUCKETS));
    this.txn.get(op)!.observe(seconds);
    if (failureCode) this.failures.set(failureCode, (this.failures.get(failureCode) ?? 0) + 1);
  }

  bootObserved(kernel: string, seconds: number): void {
    this.boot.observe(seconds);
    this.lastBoot.set(kernel, round(seconds));
  }

  /** Kernel name -> seconds its last boot took, for the boots this daemon ran. */
  lastBoots(): Record<string, number> {
    return Object.fromEntries([...this.lastBoot].sort(([a], [b]) => compareText(a, b)));
  }

  requestServed(status: number): void {
    const key = String(status);
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
  }

  /** A connection refused because the daemon held as many as it takes. */
  connectionDropped(): void {
    this.droppedConnections++;
  }

  /** The exposition text (format 0.0.4). `status` and `cma` are null when the machine could not be read. */
  render(status: StatusReport | null, cma: CmaArea[] | null): string {
    const out: string[] = [];
    const family = (name: string, type: string, help: string) => out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);

    family('parker_up', 'gauge', 'Whether the daemon could read the machine at this scrape.');
    out.push(`parker_up ${status ? 1 : 0}`);

    family('parker_kernels', 'gauge', 'Kernels by state (missing: in the applied layout, no partition).');
    const byState = new Map<string, number>();
    for (const p of status?.partitions ?? []) byState.set(p.state, (byState.get(p.state) ?? 0) + 1);
    if (status?.missing.length) byState.set('missing', status.missing.length);
    for (const state of ['online', 'offline']) if (!byState.has(state)) byState.set(state, 0);
    for (const [state, n] of [...byState].sort()) out.push(`parker_kernels{state="${esc(state)}"} ${n}`);

    family('parker_kernel_cpus', 'gauge', 'CPUs of each kernel\'s partition.');
    for (const p of status?.partitions ?? []) out.push(`parker_kernel_cpus{kernel="${esc(p.name)}"} ${p.cpus.length}`);
    family('parker_kernel_memory_bytes', 'gauge', 'Memory of each kernel\'s partition.');
    for (const p of status?.partitions ?? []) out.push(`parker_kernel_memory_bytes{kernel="${esc(p.name)}"} ${p.memory ? p.memory.end - p.memory.start + 1 : 0}`);
    family('parker_kernel_devices', 'gauge', 'PCI devices handed to each kernel.');
    for (const p of status?.partitions ?? []) out.push(`parker_kernel_devices{kernel="${esc(p.name)}"} ${p.devices.length}`);
    family('parker_kernel_online', 'gauge', '1 when the kernel runs.');
    for (const p of status?.partitions ?? []) out.push(`parker_kernel_online{kernel="${esc(p.name)}"} ${p.online ? 1 : 0}`);

    // Each family's samples together, after its HELP and TYPE: strict parsers read nothing else.
    const pools = (cma ?? []).filter((area) => area.totalPages !== null);
    const poolLabels = (area: CmaArea) => `pool="${esc(area.name)}",node="${/(\d+)$/.exec(area.name)?.[1] ?? ''}"`;
    family('parker_cma_pool_bytes', 'gauge', 'Size of each CMA pool partitions take memory from, by NUMA node.');
    for (const area of pools) out.push(`parker_cma_pool_bytes{${poolLabels(area)}} ${area.totalPages! * 4096}`);
    family('parker_cma_pool_used_bytes', 'gauge', 'Bytes of each CMA pool in use.');
    for (const area of pools) if (area.availablePages !== null) out.push(`parker_cma_pool_used_bytes{${poolLabels(area)}} ${(area.totalPages! - area.availablePages) * 4096}`);

    family('parker_transaction_duration_seconds', 'histogram', 'Wall-clock duration of the daemon\'s writes (apply, start, stop, destroy, recover).');
    for (const [op, h] of [...this.txn].sort()) out.push(...h.lines('parker_transaction_duration_seconds', `op="${esc(op)}"`));
    family('parker_kernel_boot_duration_seconds', 'histogram', 'Wall-clock time from a kernel\'s start step to it being online (or ready).');
    out.push(...this.boot.lines('parker_kernel_boot_duration_seconds', ''));

    family('parker_failures_total', 'counter', 'Writes that failed, by error code (a rolled-back apply counts under the failed step\'s code).');
    for (const [code, n] of [...this.failures].sort()) out.push(`parker_failures_total{code="${esc(code)}"} ${n}`);

    family('parker_http_requests_total', 'counter', 'API requests answered, by status.');
    for (const [code, n] of [...this.requests].sort()) out.push(`parker_http_requests_total{status="${code}"} ${n}`);
    family('parker_http_connections_dropped_total', 'counter', 'Connections closed unanswered because the daemon already held as many as it takes.');
    out.push(`parker_http_connections_dropped_total ${this.droppedConnections}`);
    return out.join('\n') + '\n';
  }
}
