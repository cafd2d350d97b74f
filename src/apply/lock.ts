import * as fs from 'node:fs';
import * as path from 'node:path';
import { ParkerError } from '../units/parker-error.js';
import { printable } from '../units/framed-lines.js';
import { errnoWords } from '../units/errno-words.js';
import { notRegularWords } from '../machines/bounded-read.js';
import { asIdentity, liveness, selfIdentity, type ProcessIdentity } from './process-identity.js';

export interface LockHolder extends ProcessIdentity {
  command: string;
  since: string;
}

const LOCK_LIMIT = 64 * 1024;

function writeDurably(file: string, text: string): void {
  const fd = fs.openSync(file, 'wx', 0o644);
  try {
    fs.writeSync(fd, text);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * One apply at a time: a lock file, made atomically, holding who holds it (pid, host, the
 * process's start time and the boot's id). A lock is taken over only when its holder is proved
 * dead (liveness()): a live holder, or one on another host, makes the second parker fail with
 * E_LOCKED naming it. A lock file that is not one parker writes is refused (E_STATE_CORRUPT).
 */
/** The identity in a file a parker wrote to link as its lock: a small regular file of JSON, else null. */
function readLeftover(file: string): ProcessIdentity | null {
  const stat = fs.lstatSync(file);
  if (!stat.isFile() || stat.size > LOCK_LIMIT) return null;
  try {
    return asIdentity(JSON.parse(fs.readFileSync(file, 'utf8')));
  } catch {
    return null;
  }
}

export class ApplyLock {
  readonly file: string;
  private held: string | null = null;

  constructor(stateDir: string) {
    this.file = path.join(stateDir, 'lock');
  }

  private damaged(what: string): ParkerError {
    return new ParkerError(
      'E_STATE_CORRUPT',
      `the lock ${this.file} is not a lock parker writes: ${what}`,
      `nothing was changed. parker status shows whether an apply is running; once none is, move it aside (mv ${this.file} ${this.file}.damaged) and run the command again`,
    );
  }

  /** The lock's text, or null when there is none; a lock that is not a small regular file is damaged. */
  private readText(): string | null {
    let fd: number;
    try {
      // Not followed: parker writes its lock as a file, and a link in its place (a dangling one
      // reads as no lock while link() still finds the name taken) is something else's.
      fd = fs.openSync(this.file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOFOLLOW);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return null;
      if (code === 'ELOOP') throw this.damaged('it is a symbolic link');
      if (code === 'EISDIR') throw this.damaged('it is a directory');
      throw this.damaged(`it cannot be read (${code ?? (e as Error).message})`);
    }
    try {
      const stat = fs.fstatSync(fd);
      const kind = notRegularWords(stat);
      if (kind) throw this.damaged(`it is ${kind}`);
      if (stat.size > LOCK_LIMIT) throw this.damaged(`it is ${stat.size} bytes long`);
      const buffer = Buffer.alloc(stat.size);
      const n = fs.readSync(fd, buffer, 0, stat.size, 0);
      return buffer.subarray(0, n).toString('utf8');
    } finally {
      fs.closeSync(fd);
    }
  }

  private parse(text: string): LockHolder {
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch {
      throw this.damaged(text.trim() === '' ? 'it is empty' : 'it is not JSON');
    }
    const id = asIdentity(data);
    const d = data as Record<string, unknown>;
    if (!id || typeof d.command !== 'string' || typeof d.since !== 'string') {
      throw this.damaged(Array.isArray(data) ? 'it holds a list, not a holder' : 'it does not name a pid, host, command and start time');
    }
    return { ...id, command: d.command, since: d.since };
  }

  /** Who holds the lock, or null; throws E_STATE_CORRUPT for a damaged lock. */
  holder(): LockHolder | null {
    const text = this.readText();
    return text === null ? null : this.parse(text);
  }

  /** Who holds the lock, or null, for status: a damaged lock reads as no holder. */
  holderOrNull(): LockHolder | null {
    try {
      return this.holder();
    } catch {
      return null;
    }
  }

  acquire(command: string): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const me = { format: 'parker.lock/v1', ...selfIdentity(), command, since: new Date().toISOString() };
    // The lock appears whole or not at all: written aside, then linked into place (link fails
    // when the lock exists). A lock file created empty and filled after would read as stale
    // to a second parker in between, and both would go on.
    const mine = `${this.file}.${process.pid}.${Math.floor(Math.random() * 1e9)}`;
    const text = JSON.stringify(me) + '\n';
    writeDurably(mine, text);
    let taken = false;
    try {
      for (let attempt = 0; attempt < 3 && !taken; attempt++) {
        try {
          fs.linkSync(mine, this.file);
          this.held = text;
          taken = true;
          break;
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          if (code !== 'EEXIST') {
            // EPERM or EOPNOTSUPP: a filesystem without hard links, which the lock is made with.
            const noLinks = code === 'EPERM' || code === 'EOPNOTSUPP' || code === 'ENOTSUP';
            throw new ParkerError('E_IO', `cannot take the lock ${this.file}: ${errnoWords(e)}`, noLinks ? 'put the state directory on a local Linux filesystem (ext4, xfs, tmpfs): --state-dir or $PARKER_STATE_DIR' : 'make room or fix the permissions of the state directory');
          }
        }
        const current = this.readText();
        if (current === null) continue; // released meanwhile
        const holder = this.parse(current);
        const state = liveness(holder);
        if (state !== 'dead') {
          throw new ParkerError(
            'E_LOCKED',
            `another parker holds the lock ${this.file}: pid ${holder.pid} on ${printable(holder.hostname, 80)}, running "${printable(holder.command)}" since ${printable(holder.since, 40)}`,
            state === 'alive'
              ? 'wait for it to finish; parker takes the lock over by itself once that process has ended'
              : `wait for it to finish; a lock held from ${printable(holder.hostname, 80)} is taken over only by parker on that host once its holder has ended`,
          );
        }
        this.removeStale(current);
      }
      if (!taken) throw new ParkerError('E_LOCKED', `could not take the lock ${this.file}: other parkers keep taking it`, 'try again');
    } finally {
      fs.rmSync(mine, { force: true });
    }
    this.sweepLeftovers();
  }

  /**
   * Removes the files parkers killed while taking the lock left beside it (`lock.PID.N`, each
   * holding its writer's identity): those whose writer is proved gone, as a lock's holder is
   * (liveness: a writer on another host sharing the directory is never judged from here).
   * Best effort: a file that cannot be read or removed stays, and the lock is held all the same.
   */
  private sweepLeftovers(): void {
    const dir = path.dirname(this.file);
    const base = path.basename(this.file);
    let names: string[];
    try {
      names = fs.readdirSync(dir);
    } catch {
      return;
    }
    const leftover = new RegExp(`^${base}\\.(\\d+)\\.\\d+$`);
    for (const name of names) {
      const m = leftover.exec(name);
      if (!m || Number(m[1]) === process.pid) continue;
      const file = path.join(dir, name);
      try {
        const writer = readLeftover(file);
        if (writer !== null && writer.pid === Number(m[1]) && liveness(writer) === 'dead') fs.rmSync(file);
      } catch {
        // Left as it is.
      }
    }
  }

  /** Whether this process still holds the lock it took (nobody removed or replaced it). */
  stillHeld(): boolean {
    if (this.held === null) return false;
    try {
      return this.readText() === this.held;
    } catch {
      return false;
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
      let moved: string | null = null;
      try {
        moved = fs.readFileSync(aside, 'utf8');
      } catch {
        moved = null;
      }
      if (moved !== staleText) fs.linkSync(aside, this.file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    } finally {
      fs.rmSync(aside, { force: true });
    }
  }

  release(): void {
    // Only our own lock: one removed by hand and taken by another parker since stays.
    if (this.held !== null && this.stillHeld()) fs.rmSync(this.file, { force: true });
    this.held = null;
  }
}
