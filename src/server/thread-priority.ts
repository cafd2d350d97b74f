import * as fs from 'node:fs';
import * as os from 'node:os';

/**
 * Lowers the scheduling priority of the calling thread alone (Linux: setpriority on its thread
 * id, from /proc/thread-self), so the daemon's worker threads yield the CPU to its main thread,
 * which answers the requests. Does nothing where that cannot be done.
 */
export function lowerThisThread(nice: number): void {
  try {
    const tid = Number(fs.readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid > 0 && tid !== process.pid) os.setPriority(tid, Math.max(os.getPriority(tid), nice));
  } catch {
    // Not Linux, or not allowed: the thread keeps its priority.
  }
}
