import type { Machine } from '../machines/machine.js';
import { discover } from '../topology/discover.js';
import type { Topology } from '../topology/model.js';
import { hardwareOf, withHardware } from '../topology/hardware-topology.js';

/**
 * The topology to plan against: live, with the hardware's structure where partitions hide it.
 * Its own file: start, stop and destroy need it without the layout reader (and its schema).
 */
export function machineTopology(machine: Machine): Topology {
  const live = discover(machine);
  return withHardware(live, hardwareOf(machine, live));
}
