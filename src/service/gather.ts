import * as os from 'node:os';
import type { Machine } from '../machines/machine.js';
import { gatherSnapshot } from '../snapshot/snapshot.js';
import { hardwareOf } from '../topology/hardware-topology.js';
import { discover } from '../topology/discover.js';
import { interfaceFor } from './kernel-interfaces.js';

/**
 * A snapshot of everything discovery, planning and status read on a machine: the topology's
 * files, the partitions' own files, and the structure offline CPUs hide.
 */
export function gatherMachine(machine: Machine, options: { parkerVersion: string; now: Date }) {
  return gatherSnapshot(machine, {
    hostname: machine.kind === 'host' ? os.hostname() : null,
    parkerVersion: options.parkerVersion,
    now: options.now,
    alsoRead: (fs) => interfaceFor(fs).readPartitions(fs),
    hardware: hardwareOf(machine, discover(machine)),
  });
}
