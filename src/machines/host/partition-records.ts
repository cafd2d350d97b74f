import * as fs from 'node:fs';
import * as path from 'node:path';
import { readRegularTail } from '../bounded-read.js';
import { replaceOwnFile } from '../own-files.js';
import { partitionName } from '../../units/partition-name.js';
import { ParkerError } from '../../units/parker-error.js';

/**
 * What a host remembers of each partition it started, one directory per partition under
 * `/run/parker/partitions` (tmpfs: a reboot, which ends every partition, forgets them too):
 * - `start.json`: the start write's process and the partition directory it started
 *   (its inode: a partition removed and made again by hand is another partition);
 * - `status`: the start write's exit status, written by the writer when the write returns
 *   (on a Parker kernel: once the new kernel set online, or at once on a refusal), and
 *   `status.err`: what the shell said;
 * - `console.json` and `console.log`: where its console is read from (console-reader.ts).
 * Every parker process reads the same records, so `parker status` sees a start in flight
 * without touching the partition's files, which block while the start write busy-waits.
 */
export interface StartRecord {
  pid: number;
  /** Epoch milliseconds the start write began. */
  startedAt: number;
  /** Inode of the partition's directory when it was started. */
  ino: number | null;
}

export type StartState =
  | { kind: 'none' }
  /** The start write has not returned: the boot kernel busy-waits until the kernel sets online. */
  | { kind: 'starting'; since: number; pid: number }
  /** The start write returned 0: the kernel set online. */
  | { kind: 'started'; since: number }
  /** The start write was refused, or its writer went away without saying. */
  | { kind: 'failed'; since: number; reason: string };

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists, as another user's process (a root writer seen by a user's status).
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether there is anything at `file`, a link to nothing included. */
function lexists(file: string): boolean {
  try {
    fs.lstatSync(file);
    return true;
  } catch {
    return false;
  }
}

/** A record's text (a few lines); null when it is missing, is no regular file or is not small. */
function readText(file: string): string | null {
  const read = readRegularTail(file, 0, 64 * 1024);
  return read === null || read.cut ? null : read.bytes.toString('utf8');
}

export class PartitionRecords {
  /**
   * @param dir where the records live (`/run/parker/partitions` on a host)
   * @param partitionDir the absolute path of a partition's directory in the control filesystem
   */
  constructor(
    readonly dir: string,
    private readonly partitionDir: (name: string) => string,
    /** A copied root the records must stay inside (null: this computer's own /run). */
    private readonly within: string | null = null,
  ) {}

  /** The directory of one partition's records. */
  of(name: string): string {
    const dir = path.join(this.checkedDir(), partitionName(name));
    // A partition's own directory linked out of the root is refused as its parent would be.
    if (this.within !== null && lexists(dir)) this.confined(dir);
    return dir;
  }

  private confined(existing: string): void {
    let real: string;
    try {
      real = fs.realpathSync(existing);
    } catch {
      throw new ParkerError('E_STATE_CORRUPT', `${existing} is a link to nothing`, 'parker keeps its records of partitions inside the machine root: remove the link');
    }
    const root = fs.realpathSync(this.within!);
    if (real !== root && !real.startsWith(root + path.sep)) {
      throw new ParkerError('E_STATE_CORRUPT', `${existing} leads out of ${this.within} (to ${real})`, 'parker keeps its records of partitions inside the machine root: remove the link');
    }
  }

  /**
   * The records' directory, refused (E_STATE_CORRUPT) when a link leads it out of the copied
   * root it belongs to: a `run` that links elsewhere would have parker write and remove files there.
   */
  private checkedDir(): string {
    const wanted = path.resolve(this.dir);
    if (this.within === null) return wanted;
    let existing = wanted;
    while (!lexists(existing) && path.dirname(existing) !== existing) existing = path.dirname(existing);
    this.confined(existing);
    return wanted;
  }

  /** Starts a new record for a start write of `name`, replacing any older one; returns the status file the writer fills. */
  beginStart(name: string, pid: number | null, now: number): string {
    const dir = this.of(name);
    fs.mkdirSync(dir, { recursive: true });
    for (const file of ['status', 'status.err']) fs.rmSync(path.join(dir, file), { force: true });
    this.writeStart(name, { pid: pid ?? 0, startedAt: now, ino: this.inode(name) });
    return path.join(dir, 'status');
  }

  /** Records the writer's pid once it is known. */
  setPid(name: string, pid: number): void {
    const record = this.start(name);
    if (record) this.writeStart(name, { ...record, pid });
  }

  private writeStart(name: string, record: StartRecord): void {
    const file = path.join(this.of(name), 'start.json');
    replaceOwnFile(file, `${file}.tmp`, `${JSON.stringify(record)}\n`);
  }

  private inode(name: string): number | null {
    try {
      return fs.statSync(this.partitionDir(name)).ino;
    } catch {
      return null;
    }
  }

  /** The record of the partition as it is now: none when the partition is gone or is another one of the same name. */
  start(name: string): StartRecord | null {
    const text = readText(path.join(this.of(name), 'start.json'));
    if (text === null) return null;
    let record: StartRecord;
    try {
      record = JSON.parse(text) as StartRecord;
    } catch {
      return null;
    }
    const ino = this.inode(name);
    if (ino === null || (record.ino !== null && record.ino !== ino)) return null;
    return record;
  }

  /** Where the start of `name` stands, from the records alone (never the partition's files). */
  state(name: string): StartState {
    const record = this.start(name);
    if (!record) return { kind: 'none' };
    const dir = this.of(name);
    const status = readText(path.join(dir, 'status'))?.trim() ?? '';
    if (status === '') {
      if (record.pid === 0 || alive(record.pid)) return { kind: 'starting', since: record.startedAt, pid: record.pid };
      return { kind: 'failed', since: record.startedAt, reason: 'its start write went away without an exit status' };
    }
    if (status === '0') return { kind: 'started', since: record.startedAt };
    const said = readText(path.join(dir, 'status.err'))?.trim();
    return { kind: 'failed', since: record.startedAt, reason: `the start write exited ${status}${said ? `: ${said}` : ''}` };
  }

  /** Forgets a partition (it was removed); the caller ends its console reader first. */
  forget(name: string): void {
    fs.rmSync(this.of(name), { recursive: true, force: true });
  }
}
