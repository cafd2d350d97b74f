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

function readText(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

function parseHolder(text: string | null): LockHolder | null {
  if (text === null) return null;
  try {
    return JSON.parse(text) as LockHolder;
  } catch {
    return null;
  }
}

function writeDurably(file: string, text: string): void {
  const fd = fs.openSync(file, 'wx');
  try {
    fs.writeSync(fd, text);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * One apply at a time: a lock file, made atomically, holding who holds it. A lock left by a
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
      return parseHolder(readText(this.file));
    } catch {
      return null;
    }
  }

  acquire(command: string): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const me: LockHolder = { pid: process.pid, hostname: os.hostname(), command, since: new Date().toISOString() };
    // The lock appears whole or not at all: written aside, then linked into place (link fails
    // when the lock exists). A lock file created empty and filled after would read as stale
    // to a second parker in between, and both would go on.
    const mine = `${this.file}.${process.pid}.${Math.floor(Math.random() * 1e9)}`;
    writeDurably(mine, JSON.stringify(me) + '\n');
    try {
      for (let attempt = 0; attempt < 3; attempt++) {
        try {
          fs.linkSync(mine, this.file);
          this.held = true;
          return;
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        }
        const text = readText(this.file);
        if (text === null) continue; // released meanwhile
        const holder = parseHolder(text);
        const stale = holder === null || (holder.hostname === os.hostname() && !alive(holder.pid));
        if (!stale) {
          throw new ParkerError(
            'E_LOCKED',
            `another parker holds the lock ${this.file}: pid ${holder.pid} on ${holder.hostname}, running "${holder.command}" since ${holder.since}`,
            'wait for it to finish; if that process is gone from another host, remove the lock file by hand',
          );
        }
        this.removeStale(text);
      }
      throw new ParkerError('E_LOCKED', `could not take the lock ${this.file}: other parkers keep taking it`, 'try again');
    } finally {
      fs.rmSync(mine, { force: true });
    }
  }

  /**
   * Takes a stale lock away: moved aside first, so that of two parkers taking over at once
   * only one moves it; a lock that turns out not to be the stale one read is put back.
   */
  private removeStale(staleText: string): void {
    const aside = `${this.file}.stale.${process.pid}.${Math.floor(Math.random() * 1e9)}`;
    try {
      fs.renameSync(this.file, aside);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return; // another parker moved it
      throw e;
    }
    try {
      if (readText(aside) !== staleText) fs.linkSync(aside, this.file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    } finally {
      fs.rmSync(aside, { force: true });
    }
  }

  release(): void {
    if (this.held) fs.rmSync(this.file, { force: true });
    this.held = false;
  }
}
