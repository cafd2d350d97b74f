import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ConsoleCursor } from '../machine.js';
import { consoleSince } from './console-reader.js';
import { hostMachine } from './host-machine.js';
import { PartitionRecords } from './partition-records.js';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'parker-console-follow-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));
let n = 0;

/** A partition `db` whose console is the log file `log`, begun at byte `offset`. */
function recordsFor(log: string, offset: number): PartitionRecords {
  const records = new PartitionRecords(path.join(scratch, `records${n++}`), (name) => path.join(scratch, 'no-such-parker', name));
  recordConsole(records, log, offset);
  return records;
}

/** A new console log holding `text`, and the records of a console that begins `offset` bytes into it. */
function newConsole(text: string, offset = 0): { log: string; records: PartitionRecords } {
  const log = path.join(scratch, `console${n++}.log`);
  fs.writeFileSync(log, text);
  return { log, records: recordsFor(log, offset) };
}

function recordConsole(records: PartitionRecords, source: string, offset: number): void {
  fs.mkdirSync(records.of('db'), { recursive: true });
  fs.writeFileSync(path.join(records.of('db'), 'console.json'), JSON.stringify({ source, kind: 'file', offset, pid: null }) + '\n');
}

describe("following a host kernel's console (consoleSince)", () => {
  it('gives each whole line once, from the start on, and an unfinished line only when it is whole or the kernel stopped', () => {
    const { log, records } = newConsole('an earlier boot\none\ntw', 'an earlier boot\n'.length);
    let read = consoleSince(records, 'db', null, false);
    expect(read.lines).toEqual(['one']);
    fs.appendFileSync(log, 'o\r\nthree\n');
    read = consoleSince(records, 'db', read.cursor, false);
    expect(read.lines).toEqual(['two', 'three']);
    expect(consoleSince(records, 'db', read.cursor, false).lines).toEqual([]);
    fs.appendFileSync(log, 'reboot: Power do');
    const unfinished = consoleSince(records, 'db', read.cursor, false);
    expect(unfinished.lines).toEqual([]);
    // Stopped: nothing more will come, so the rest is shown as it is, and only once.
    const flushed = consoleSince(records, 'db', unfinished.cursor, true);
    expect(flushed.lines).toEqual(['reboot: Power do']);
    expect(consoleSince(records, 'db', flushed.cursor, true).lines).toEqual([]);
  });

  it('reads a rotated log from its first byte, though the console began further into the old one', () => {
    const { log, records } = newConsole('thirty-two bytes of earlier boot\nthis boot 1\n', 'thirty-two bytes of earlier boot\n'.length);
    const first = consoleSince(records, 'db', null, false);
    expect(first.lines).toEqual(['this boot 1']);
    fs.renameSync(log, `${log}.1`);
    fs.writeFileSync(log, 'this boot 2, after rotation\nthis boot 3\n');
    expect(consoleSince(records, 'db', first.cursor, false).lines).toEqual(['this boot 2, after rotation', 'this boot 3']);
  });

  it('reads a console begun again by a new start from its start, though its log kept its name, its offset and its inode', () => {
    const root = path.join(scratch, `root${n++}`);
    fs.mkdirSync(path.join(root, 'sys/fs/parker/db'), { recursive: true });
    const log = path.join(scratch, `console${n++}.log`);
    const machine = hostMachine(root, true);
    // Empty at both starts (offset 0), emptied in place between them (the same inode).
    fs.writeFileSync(log, '');
    machine.watchConsole!('db', log);
    fs.appendFileSync(log, 'old boot line 1\nold boot line 2\n');
    const old = machine.consoleSince!('db', null, false);
    expect(old.lines).toEqual(['old boot line 1', 'old boot line 2']);
    fs.truncateSync(log, 0);
    machine.watchConsole!('db', log);
    fs.appendFileSync(log, 'new boot line 1\nnew boot line 2\nnew boot line 3\n');
    expect(machine.consoleSince!('db', old.cursor, false).lines).toEqual(['new boot line 1', 'new boot line 2', 'new boot line 3']);
  });

  it('gives out a stretch longer than it reads at a time without a newline as lines of that length, rather than read it again for ever', () => {
    const { records } = newConsole(`${'a'.repeat(20)}${'b'.repeat(20)}`);
    const first = consoleSince(records, 'db', null, false, 20);
    expect(first.lines).toEqual(['a'.repeat(20)]);
    const second = consoleSince(records, 'db', first.cursor, false, 20);
    expect(second.lines).toEqual(['b'.repeat(20)]);
    expect(consoleSince(records, 'db', second.cursor, true, 20).lines).toEqual([]);
    // A cut never splits a character: the euro sign (three bytes) waits for the next read whole.
    const wide = path.join(scratch, `console${n++}.log`);
    fs.writeFileSync(wide, `${'x'.repeat(19)}€€`);
    const cut = consoleSince(recordsFor(wide, 0), 'db', null, false, 20);
    expect(cut.lines).toEqual(['x'.repeat(19)]);
    expect(consoleSince(recordsFor(wide, 0), 'db', cut.cursor, true, 20).lines).toEqual(['€€']);
  });

  it('reads a log truncated or made anew under the same name from its start, and a new start from its own offset', () => {
    const { log, records } = newConsole('one\ntwo\n');
    const first = consoleSince(records, 'db', null, false);
    expect(first.lines).toEqual(['one', 'two']);
    // Truncated (logrotate copytruncate): all of it is new.
    fs.writeFileSync(log, 'x\n');
    const truncated = consoleSince(records, 'db', first.cursor, false);
    expect(truncated.lines).toEqual(['x']);
    // Replaced by a longer file (rotated, then a new log): another inode, read from its start.
    fs.renameSync(log, `${log}.1`);
    fs.writeFileSync(log, 'a\nb\nc\nd\n');
    expect(consoleSince(records, 'db', truncated.cursor, false).lines).toEqual(['a', 'b', 'c', 'd']);
    // A new start records where its console begins: only what came after that.
    const before = consoleSince(records, 'db', null, false);
    fs.appendFileSync(log, 'old boot, after its stop\n');
    recordConsole(records, log, fs.statSync(log).size);
    fs.appendFileSync(log, 'new boot\n');
    expect(consoleSince(records, 'db', before.cursor, false).lines).toEqual(['new boot']);
  });

  it('shows nothing, and keeps its place, while the log is missing or not a regular file', () => {
    const log = path.join(scratch, `console${n++}.log`);
    const records = recordsFor(log, 0);
    const missing = consoleSince(records, 'db', null, false);
    expect(missing.lines).toEqual([]);
    fs.writeFileSync(log, 'late\n');
    expect(consoleSince(records, 'db', missing.cursor, false).lines).toEqual(['late']);
    const dir = path.join(scratch, `console-dir${n++}`);
    fs.mkdirSync(dir);
    expect(consoleSince(recordsFor(dir, 0), 'db', null, true).lines).toEqual([]);
  });

  it('reads each byte of a growing console once, where console() reads it all again', () => {
    const { log, records } = newConsole('');
    let cursor: ConsoleCursor | null = null;
    const seen: string[] = [];
    for (let i = 0; i < 50; i++) {
      fs.appendFileSync(log, `${'x'.repeat(1000)} ${i}\n`);
      const read = consoleSince(records, 'db', cursor, false);
      seen.push(...read.lines);
      cursor = read.cursor;
      // Where the next read begins: the end of the log, not its start.
      expect(cursor).toMatchObject({ of: 'host', at: fs.statSync(log).size });
    }
    expect(seen.map((line) => line.split(' ')[1])).toEqual(Array.from({ length: 50 }, (_, i) => String(i)));
  });
});
