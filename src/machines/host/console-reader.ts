import * as fs from 'node:fs';
import { childProcess } from '../../units/late-builtins.js';
import * as path from 'node:path';
import type { PartitionRecords } from './partition-records.js';
import { readRegularRange, readRegularTail } from '../bounded-read.js';
import type { ConsoleCursor } from '../machine.js';
import { ParkerError } from '../../units/parker-error.js';
import { createFreshFile, replaceOwnFile } from '../own-files.js';
import { processSession, processStartedAt, processStartTime } from '../../apply/process-identity.js';

/** The speed of the serial console parker gives every application kernel (`console=ttySn,115200`). */
const CONSOLE_BAUD = 115200;

/**
 * Where a partition's console is read from, recorded beside its start record:
 * - a character device (the boot kernel's end of a serial cable to the application kernel's
 *   console port): a detached reader (`stty raw -echo`, then `cat`) appends it to
 *   `console.log` from before the start on, since a serial line keeps nothing for later;
 * - any other path: a file something else appends the console to (a console server, QEMU's
 *   chardev log); only what it gained after `offset` (its size at the start) is this boot's.
 */
export interface ConsoleRecord {
  source: string;
  kind: 'device' | 'file';
  /** Bytes of the file that were there before the start. */
  offset: number;
  /** The reader's pid (device sources). */
  pid: number | null;
  /** Its start time (/proc/PID/stat), so that only that process is ever signalled. */
  started?: string | null;
  /**
   * New at every start: followers tell one start's console from the next by it, where the
   * source, its offset (0 for a log empty at both starts) and the log's inode may all repeat.
   */
  start?: string;
}

const recordFile = (records: PartitionRecords, name: string) => path.join(records.of(name), 'console.json');
const logFile = (records: PartitionRecords, name: string) => path.join(records.of(name), 'console.log');

/**
 * What `console()` reads of a console since its kernel's start (`parker console`, status, a
 * start waiting for its readiness line); beyond it that console is refused rather than cut.
 * Followers (consoleSince) read this much at a time, however long the console grows.
 */
const MAX_CONSOLE_BYTES = 64 << 20;

function readRecord(records: PartitionRecords, name: string): ConsoleRecord | null {
  const read = readRegularTail(recordFile(records, name), 0, 64 * 1024);
  if (read === null || read.cut) return null;
  try {
    return JSON.parse(read.bytes.toString('utf8')) as ConsoleRecord;
  } catch {
    return null;
  }
}

/** The reader's shell script: stty, then cat in its place. */
const READER_SCRIPT = 'stty -F "$1" "$3" raw -echo 2>/dev/null; exec cat "$1" >> "$2"';

/** A mark no other start shares: this process, and the monotonic clock's nanoseconds (no node:crypto, which takes milliseconds to load). */
function startMark(): string {
  return `${process.pid}-${process.hrtime.bigint()}`;
}

/** Begins reading `name`'s console from `source` (before its start), replacing an earlier reader. */
export function watchConsole(records: PartitionRecords, name: string, source: string): void {
  stopConsole(records, name);
  fs.mkdirSync(records.of(name), { recursive: true });
  let stat: fs.Stats | null = null;
  try {
    stat = fs.statSync(source);
  } catch {
    // A log file that does not exist yet: whatever appears is this boot's.
  }
  let record: ConsoleRecord;
  if (stat?.isCharacterDevice()) {
    const log = logFile(records, name);
    // Made anew (whatever was there, a link included, removed first): the reader appends to it.
    fs.closeSync(createFreshFile(log));
    // raw -echo: what the kernel prints must not be echoed back to it as input.
    const child = childProcess().spawn('sh', ['-c', READER_SCRIPT, 'parker-console', source, log, String(CONSOLE_BAUD)], { detached: true, stdio: 'ignore' });
    child.unref();
    record = { source, kind: 'device', offset: 0, pid: child.pid ?? null, started: child.pid ? processStartTime(child.pid) : null, start: startMark() };
  } else {
    record = { source, kind: 'file', offset: stat?.isFile() ? stat.size : 0, pid: null, start: startMark() };
  }
  replaceOwnFile(recordFile(records, name), `${recordFile(records, name)}.tmp`, `${JSON.stringify(record)}\n`);
}

/** What `name`'s kernel printed since its start, one entry per line; empty when nobody reads its console. */
export function consoleLines(records: PartitionRecords, name: string): string[] {
  const record = readRecord(records, name);
  if (!record) return [];
  const file = record.kind === 'device' ? logFile(records, name) : record.source;
  // A log that shrank was rotated or truncated: all of it is newer than the start. A FIFO or a
  // device named as the source shows nothing rather than holding every command up.
  const read = readRegularTail(file, typeof record.offset === 'number' ? record.offset : 0, MAX_CONSOLE_BYTES);
  if (read === null) return [];
  if (read.cut) throw new ParkerError('E_TOO_BIG', `${name}'s console ${file} holds more than ${MAX_CONSOLE_BYTES >> 20} MiB since its start`, `read it where it is: tail -f ${file}`);
  const lines = read.bytes.toString('utf8').split('\n').map((line) => line.replace(/\r/g, ''));
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

/**
 * What `name`'s kernel printed after `cursor` (since its start when null): whole lines, unless
 * `flush`, and the cursor after them. At most `maxBytes` are read at a time: the rest comes at
 * the next call (a stretch that long without a newline is given out as a line of its own, or it
 * would be read again for ever). A console begun again (a new start records it anew, a serial
 * reader makes its log anew) is read from its start; the same console's log truncated, or
 * rotated (another file under the name), is new from its first byte.
 */
export function consoleSince(records: PartitionRecords, name: string, cursor: ConsoleCursor | null, flush: boolean, maxBytes = MAX_CONSOLE_BYTES): { lines: string[]; cursor: ConsoleCursor } {
  const record = readRecord(records, name);
  // The start a console belongs to: a new start writes a new record (its own `start`), even
  // where the log's name, offset and inode come back.
  const identity = record ? JSON.stringify([record.source, record.kind, record.offset, record.pid, record.started ?? null, record.start ?? null]) : '';
  const file = record ? (record.kind === 'device' ? logFile(records, name) : record.source) : '';
  const base = typeof record?.offset === 'number' ? record.offset : 0;
  const ours = cursor?.of === 'host' && cursor.console === identity ? cursor : null;
  const read = record ? readRegularRange(file, (size, ino) => resumeAt(ours, ino, base, size), maxBytes) : null;
  if (read === null) return { lines: [], cursor: ours ?? { of: 'host', console: identity, ino: -1, at: base } };
  // Whole lines only: the kernel may be in the middle of one. A newline byte is never part of a
  // longer UTF-8 sequence, so cutting after one never cuts a character.
  const lastNewline = read.bytes.lastIndexOf(0x0a);
  const end = flush && read.complete ? read.bytes.length : lastNewline < 0 && read.bytes.length >= maxBytes ? wholeCharacters(read.bytes) : lastNewline + 1;
  const lines = end === 0 ? [] : read.bytes.subarray(0, end).toString('utf8').split('\n').map((line) => line.replace(/\r/g, ''));
  if (lines.at(-1) === '') lines.pop();
  return { lines, cursor: { of: 'host', console: identity, ino: read.ino, at: read.from + end } };
}

/** The length of `bytes` without a UTF-8 character cut at its end (a forced cut of a line too long for one read). */
function wholeCharacters(bytes: Buffer): number {
  let lead = bytes.length - 1;
  while (lead > 0 && bytes.length - lead < 4 && (bytes[lead]! & 0xc0) === 0x80) lead--;
  const first = bytes[lead] ?? 0;
  const length = first >= 0xf0 ? 4 : first >= 0xe0 ? 3 : first >= 0xc0 ? 2 : 1;
  return lead + length > bytes.length && lead > 0 ? lead : bytes.length;
}

/** Where to go on reading a log of `size` bytes, inode `ino`, for a console that began at `base`. */
function resumeAt(cursor: (ConsoleCursor & { of: 'host' }) | null, ino: number, base: number, size: number): number {
  if (cursor === null || cursor.ino === -1) return size >= base ? base : 0;
  // Another file under the log's name (rotated), or the same one shorter (truncated): all new.
  if (cursor.ino !== ino || size < cursor.at) return 0;
  return cursor.at;
}

/**
 * Whether `pid` is the console reader parker started: the start time recorded with it, or (a
 * record written before start times were) a process that leads its own session, as the
 * detached reader does, started just before the record was written, and running exactly the
 * reader for this source (`sh -c SCRIPT parker-console SOURCE ...` until it execs
 * `cat SOURCE`). Someone's own `cat` of the same port, in a shell or later on a reused pid, is not.
 */
function isOurReader(pid: number, record: ConsoleRecord, recordedAt: number): boolean {
  if (typeof record.started === 'string') return processStartTime(pid) === record.started;
  if (record.started !== undefined || processSession(pid) !== pid) return false;
  const startedAt = processStartedAt(pid);
  if (startedAt === null || startedAt > recordedAt + 1000 || startedAt < recordedAt - 10_000) return false;
  try {
    const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    if (argv.at(-1) === '') argv.pop();
    const shell = argv.length === 7 && argv[0] === 'sh' && argv[1] === '-c' && argv[2] === READER_SCRIPT && argv[3] === 'parker-console' && argv[4] === record.source;
    return shell || (argv.length === 2 && argv[0] === 'cat' && argv[1] === record.source);
  } catch {
    return false;
  }
}

/** When a partition's console record was written (epoch ms), or 0 when it cannot tell. */
function recordedAt(records: PartitionRecords, name: string): number {
  try {
    return fs.statSync(recordFile(records, name)).mtimeMs;
  } catch {
    return 0;
  }
}

/** Ends the console reader parker started for `name`, if any. */
export function stopConsole(records: PartitionRecords, name: string): void {
  const record = readRecord(records, name);
  // Only the reader parker started, still running: a pid from a record is a number on disk,
  // and -1 (or a reused pid) would signal processes that are not ours.
  const pid = record?.pid;
  if (typeof pid === 'number' && Number.isSafeInteger(pid) && pid > 1 && isOurReader(pid, record!, recordedAt(records, name))) {
    try {
      // The reader leads its own process group (detached): end the shell's cat with it.
      process.kill(-pid, 'SIGTERM');
    } catch {
      // gone already
    }
  }
  fs.rmSync(recordFile(records, name), { force: true });
}
