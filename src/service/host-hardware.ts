import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Machine } from '../machines/machine.js';
import { missesStructure, type HardwareRecord } from '../topology/hardware-topology.js';
import type { Topology } from '../topology/model.js';

const FORMAT = 'parker.hardware/v1';
const fileOf = (stateDir: string) => path.join(stateDir, 'hardware.json');

function readRecord(stateDir: string): Topology | null {
  try {
    const record = JSON.parse(fs.readFileSync(fileOf(stateDir), 'utf8')) as { format?: string; topology?: Topology };
    return record.format === FORMAT && record.topology ? record.topology : null;
  } catch {
    return null;
  }
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
