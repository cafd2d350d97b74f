import * as fs from 'node:fs';
import * as os from 'node:os';

/**
 * Who runs a transaction or holds the lock, well enough to prove later that it is dead: a pid
 * alone is not (pids are reused, and a lock file can be removed by hand while its holder
 * runs). The process's start time (field 22 of /proc/PID/stat, in clock ticks since boot) and
 * the boot's id tell a reused pid, or a reboot, from the process that wrote the record.
 */
export interface ProcessIdentity {
  pid: number;
  hostname: string;
  /** /proc/PID/stat starttime; absent where /proc cannot tell. */
  startTime?: string;
  /** /proc/sys/kernel/random/boot_id; absent where /proc cannot tell. */
  bootId?: string;
}

function readProc(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

/** The fields of /proc/PID/stat after "pid (comm)" (state first), or null when it is gone. */
function statFields(pid: number): string[] | null {
  const stat = readProc(`/proc/${pid}/stat`);
  // "pid (comm) state ppid ...": comm may hold spaces and parentheses; fields follow the last ")".
  return stat === null ? null : stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** The start time of a process on this host, or null when it is gone or /proc cannot tell. */
export function processStartTime(pid: number): string | null {
  return statFields(pid)?.[19] ?? null;
}

/** The session `pid` belongs to (its sixth field in /proc/PID/stat), or null when it is gone. */
export function processSession(pid: number): number | null {
  const session = Number(statFields(pid)?.[3]);
  return Number.isInteger(session) ? session : null;
}

/**
 * When `pid` started, in epoch milliseconds, or null: its start time in clock ticks after the
 * boot (USER_HZ, 100 on Linux) added to the boot's time (btime in /proc/stat). Good to ten
 * milliseconds and a clock set since the boot.
 */
export function processStartedAt(pid: number): number | null {
  const text = processStartTime(pid);
  if (text === null) return null;
  const ticks = Number(text);
  const btime = Number(/^btime (\d+)$/m.exec(readProc('/proc/stat') ?? '')?.[1]);
  return Number.isFinite(ticks) && btime > 0 ? btime * 1000 + ticks * 10 : null;
}

let bootIdCache: string | null | undefined;
export function bootId(): string | null {
  if (bootIdCache === undefined) bootIdCache = readProc('/proc/sys/kernel/random/boot_id')?.trim() || null;
  return bootIdCache;
}

/** This process. */
export function selfIdentity(): ProcessIdentity {
  const startTime = processStartTime(process.pid);
  const boot = bootId();
  return { pid: process.pid, hostname: os.hostname(), ...(startTime ? { startTime } : {}), ...(boot ? { bootId: boot } : {}) };
}

function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists, as another user's process.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether the process is still running: `dead` only when that is proved (this host, and the
 * pid gone, or now another process, or the host rebooted since); `unknown` for a process of
 * another host, which this one cannot see.
 */
export function liveness(id: ProcessIdentity): 'alive' | 'dead' | 'unknown' {
  if (id.hostname !== os.hostname()) return 'unknown';
  const boot = bootId();
  if (id.bootId && boot && id.bootId !== boot) return 'dead';
  if (!Number.isSafeInteger(id.pid) || id.pid <= 0) return 'dead';
  if (!pidExists(id.pid)) return 'dead';
  if (id.startTime) {
    const now = processStartTime(id.pid);
    if (now !== null && now !== id.startTime) return 'dead';
  }
  return 'alive';
}

/** A value read from a file that claims to be a ProcessIdentity; null when it is not one. */
export function asIdentity(value: unknown): ProcessIdentity | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const v = value as Record<string, unknown>;
  if (typeof v.pid !== 'number' || !Number.isSafeInteger(v.pid) || typeof v.hostname !== 'string') return null;
  if (v.startTime !== undefined && typeof v.startTime !== 'string') return null;
  if (v.bootId !== undefined && typeof v.bootId !== 'string') return null;
  return { pid: v.pid, hostname: v.hostname, ...(typeof v.startTime === 'string' ? { startTime: v.startTime } : {}), ...(typeof v.bootId === 'string' ? { bootId: v.bootId } : {}) };
}

/** The transactions this process is running now (an API server may run one while asked to recover). */
const running = new Set<string>();

export function markRunning(txn: string): void {
  running.add(txn);
}

export function markStopped(txn: string): void {
  running.delete(txn);
}

/**
 * Whether the owner of a transaction may still be running it: as liveness(), except that a
 * transaction of this very process is running only while its executor is (one that threw out
 * of it, as a killed process would, is not).
 */
export function transactionLiveness(owner: ProcessIdentity, txn: string): 'alive' | 'dead' | 'unknown' {
  const me = selfIdentity();
  if (owner.pid === me.pid && owner.hostname === me.hostname && owner.startTime === me.startTime && owner.bootId === me.bootId) return running.has(txn) ? 'alive' : 'dead';
  return liveness(owner);
}
