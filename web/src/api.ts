/** The few shapes of the daemon's answers the dashboard reads (docs/server.md, docs/output.md). */
export interface Topology {
  machine: { description: string };
  cpu: { id: number; online: boolean; package: number | null; core: number | null; node: number | null }[];
  packages: { id: number; cpus: number[]; nodes: number[] }[];
  cores: { package: number; coreId: number; cpus: number[]; node: number | null }[];
  caches: { level: number; type: string; id: number | null; cpus: number[]; sizeBytes: number | null }[];
  nodes: { id: number; cpus: number[]; memoryBytes: number | null }[];
  memory: { blocks: { range: { start: number; end: number }; node: number | null }[] };
  pci: { address: string; className: string | null; vendorName: string | null; node: number | null; iommuGroup: number | null; driver: string | null; bridge: boolean }[];
  cma: { name: string; totalPages: number | null; availablePages: number | null }[];
}
export interface Partition {
  name: string;
  id: number;
  state: string;
  online: boolean;
  cpus: number[];
  memory: { start: number; end: number } | null;
  devices: string[];
  profile: string | null;
  uptimeMs: number | null;
  /** Its last boot, start to online, when the machine knows it (the simulator). */
  bootMs: number | null;
}
export interface Status {
  machine: string;
  /** `file` as it was named; `source` where it was read (the daemon's copy of a posted layout). */
  layout: { file: string; source?: string; appliedAt: string } | null;
  partitions: Partition[];
  missing: string[];
  events: { at: number; severity: string; hazard?: string; kernel?: string; message: string }[];
  daemon?: {
    transaction: { id: string; action: string; progress: { index?: number; total?: number; step?: { summary: string } } | null } | null;
    /** The CMA pools as the daemon last read them: their used pages change as kernels come and go. */
    cma?: Topology['cma'];
    readAt?: string;
    /** Seconds each kernel's last boot took, for the boots this daemon ran. */
    boots?: Record<string, number>;
  };
}
export interface Diagnostic {
  severity: 'error' | 'warning' | 'info';
  rule?: string;
  hazard?: string;
  message: string;
  fix?: string;
  location: { file: string; line?: number; col?: number };
}
export interface ValidateReport {
  file: string;
  errors: number;
  warnings: number;
  infos: number;
  diagnostics: Diagnostic[];
}
export interface ApiError {
  error: { code: string; message: string; hint: string | null };
}

export async function getJson<T>(path: string): Promise<T> {
  const res = await fetch(path);
  const body = await res.json();
  if (!res.ok) throw new Error(`${(body as ApiError).error.code}: ${(body as ApiError).error.message}`);
  return body as T;
}

export async function postJson<T>(path: string, body: unknown, token?: string): Promise<{ ok: boolean; status: number; body: T & Partial<ApiError> }> {
  const res = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });
  return { ok: res.ok, status: res.status, body: (await res.json()) as T & Partial<ApiError> };
}

export const GiB = 1024 ** 3;
export function size(bytes: number): string {
  if (bytes >= GiB) return `${+(bytes / GiB).toFixed(1)} GiB`;
  return `${+(bytes / 1024 ** 2).toFixed(1)} MiB`;
}
