import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Machine } from '../machines/machine.js';
import { ParkerError } from '../units/parker-error.js';
import { errnoWords } from '../units/errno-words.js';
import { READ_LIMITS, readBoundedFile } from '../machines/bounded-read.js';
import { replaceOwnFile } from '../machines/own-files.js';
import { hardwareRecordProblem, missesStructure, type HardwareRecord } from '../topology/hardware-topology.js';
import type { Topology } from '../topology/model.js';

const FORMAT = 'parker.hardware/v1';
const fileOf = (stateDir: string) => path.join(stateDir, 'hardware.json');
/** A new random id at every boot of the kernel. */
const BOOT_ID = 'proc/sys/kernel/random/boot_id';

/** The record: the structure, and the boot it was seen in (absent in records made before it was kept). */
interface HostRecord {
  topology: Topology;
  bootId: string | null;
}

/** The recorded structure; null when none was recorded. A damaged record is refused (E_STATE_CORRUPT), never read as none. */
function readRecord(stateDir: string): HostRecord | null {
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
  let record: { format?: unknown; topology?: unknown; bootId?: unknown };
  try {
    record = JSON.parse(text) as typeof record;
  } catch (e) {
    throw damaged(`it is not JSON (${(e as Error).message})`);
  }
  if (typeof record !== 'object' || record === null || record.format !== FORMAT || typeof record.topology !== 'object' || record.topology === null) throw damaged(`it is not a ${FORMAT} record`);
  if (record.bootId !== undefined && typeof record.bootId !== 'string') throw damaged('its boot id is not text');
  const problem = hardwareRecordProblem(record.topology);
  if (problem) throw damaged(`its hardware: ${problem}`);
  return { topology: record.topology as Topology, bootId: record.bootId ?? null };
}

function writeRecord(stateDir: string, topology: Topology, bootId: string | null): void {
  try {
    fs.mkdirSync(stateDir, { recursive: true });
    replaceOwnFile(fileOf(stateDir), `${fileOf(stateDir)}.${process.pid}.tmp`, JSON.stringify({ format: FORMAT, ...(bootId === null ? {} : { bootId }), topology }) + '\n');
  } catch {
    // A user who may not write the state directory still gets the answer; the next root run records it.
  }
}

/** The running kernel's boot id (a new one at every boot), or null when it cannot be read. */
function bootIdOf(machine: Machine): string | null {
  try {
    const id = machine.fs.read(BOOT_ID).trim();
    return id === '' ? null : id;
  } catch {
    return null;
  }
}

/**
 * A host that remembers its hardware's structure: recorded in the state directory whenever
 * parker sees every CPU online in a boot it has no record of, and used once partitions have
 * taken CPUs offline (Linux then drops their topology files). Within the boot it was recorded
 * in, the structure of the CPUs cannot change (a CPU that comes back online brings back the same
 * topology and caches), so `fixedHardware` offers it and discovery reads only what changes
 * (discoverOverHardware). A record of another boot is only a fallback: the machine may have
 * been rebuilt since, and the next full view records it again.
 */
export function withHostHardware(machine: Machine, stateDir: string): Machine & HardwareRecord {
  // Read once for this machine (a big host's record is megabytes): fixedHardware, then
  // hardware when the record could not be used, ask the same questions of it.
  let recorded: HostRecord | null | undefined;
  let bootId: string | null | undefined;
  const record = () => (recorded === undefined ? (recorded = readRecord(stateDir)) : recorded);
  const boot = () => (bootId === undefined ? (bootId = bootIdOf(machine)) : bootId);
  const hardware = (live: Topology): Topology | null => {
    if (missesStructure(live)) return record()?.topology ?? null;
    const seen = record();
    if (seen === null || seen.bootId === null || seen.bootId !== boot()) {
      writeRecord(stateDir, live, boot());
      recorded = { topology: live, bootId: boot() };
    }
    return live;
  };
  const fixedHardware = (): Topology | null => {
    const seen = record();
    if (seen === null || seen.bootId === null || missesStructure(seen.topology)) return null;
    return seen.bootId === boot() ? seen.topology : null;
  };
  return { ...machine, hardware, fixedHardware };
}
