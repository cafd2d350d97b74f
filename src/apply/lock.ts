import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ParkerError } from '../units/parker-error.js';

export interface LockHolder {
  pid: number;
  hostname: string;
  command: string;
  since: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * One apply at a time: a lock file created with O_EXCL holding who holds it. A lock left by a
 * process that died on this host is taken over (its journal is then recovered); a live holder
 * makes the second apply fail with a message naming it.
 */
export class ApplyLock {
  readonly file: string;
  private held = false;

  constructor(stateDir: string) {
    this.file = path.join(stateDir, 'lock');
  }

  holder(): LockHolder | null {
    try {
      return JSON.parse(fs.readFileSync(this.file, 'utf8')) as LockHolder;
    } catch {
      return null;
    }
  }

  acquire(command: string): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const me: LockHolder = { pid: process.pid, hostname: os.hostname(), command, since: new Date().toISOString() };
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = fs.openSync(this.file, 'wx');
        fs.writeSync(fd, JSON.stringify(me) + '\n');
        fs.fsyncSync(fd);
        fs.closeSync(fd);
        this.held = true;
        return;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      const holder = this.holder();
      const stale = holder === null || (holder.hostname === os.hostname() && !alive(holder.pid));
      if (!stale) {
        throw new ParkerError(
          'E_LOCKED',
          `another parker holds the lock ${this.file}: pid ${holder.pid} on ${holder.hostname}, running "${holder.command}" since ${holder.since}`,
          'wait for it to finish; if that process is gone from another host, remove the lock file by hand',
        );
      }
      fs.rmSync(this.file, { force: true });
    }
    throw new ParkerError('E_LOCKED', `could not take the lock ${this.file}`, 'try again');
  }

  release(): void {
    if (this.held) fs.rmSync(this.file, { force: true });
    this.held = false;
  }
}
