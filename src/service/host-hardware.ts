import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Machine } from '../machines/machine.js';
import { ParkerError } from '../units/parker-error.js';
import { errnoWords } from '../units/errno-words.js';
import { READ_LIMITS, readBoundedFile } from '../machines/bounded-read.js';
import { missesStructure, type HardwareRecord } from '../topology/hardware-topology.js';
import type { Topology } from '../topology/model.js';

const FORMAT = 'parker.hardware/v1';
const fileOf = (stateDir: string) => path.join(stateDir, 'hardware.json');

/** The recorded structure; null when none was recorded. A damaged record is refused (E_STATE_CORRUPT), never read as none. */
function readRecord(stateDir: string): Topology | null {
  const file = fileOf(stateDir);
  const damaged = (what: string) =>
    new ParkerError('E_STATE_CORRUPT', `the recorded hardware ${file} is damaged: ${what}`, `nothing was changed; move it aside (mv ${file} ${file}.damaged) and run parker once while every CPU is online (no partitions) to record it again`);
  let text: string;
  try {
    text = readBoundedFile(file, READ_LIMITS.stateFile, 'hardware record').toString('utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    if ((e as NodeJS.ErrnoException).code === 'EACCES') return null; // a user who may not read it plans as if none were recorded
    throw damaged(e instanceof ParkerError ? e.message : errnoWords(e));
  }
  let record: { format?: unknown; topology?: unknown };
  try {
    record = JSON.parse(text) as typeof record;
  } catch (e) {
    throw damaged(`it is not JSON (${(e as Error).message})`);
  }
  if (typeof record !== 'object' || record === null || record.format !== FORMAT || typeof record.topology !== 'object' || record.topology === null) throw damaged(`it is not a ${FORMAT} record`);
  return record.topology as Topology;
}

function writeRecord(stateDir: string, topology: Topology): void {
  try {
    fs.mkdirSync(stateDir, { recursive: true });
    const tmp = `${fileOf(stateDir)}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify({ format: FORMAT, topology }) + '\n', { mode: 0o644 });
    fs.renameSync(tmp, fileOf(stateDir));
  } catch {
    // A user who may not write the state directory still gets the answer; the next root run records it.
  }
}

/**
 * A host that remembers its hardware's structure: recorded in the state directory the first
 * time parker sees every CPU online, and used once partitions have taken CPUs offline (Linux
 * then drops their topology files).
 */
export function withHostHardware(machine: Machine, stateDir: string): Machine & HardwareRecord {
  const hardware = (live: Topology): Topology | null => {
    const recorded = readRecord(stateDir);
    if (recorded === null && !missesStructure(live)) {
      writeRecord(stateDir, live);
      return live;
    }
    return recorded;
  };
  return { ...machine, hardware };
}
