import type { Machine } from '../machines/machine.js';
import { discover, discoverOverHardware, type DiscoverOptions } from '../topology/discover.js';
import type { Topology } from '../topology/model.js';
import { fixedHardwareOf, hardwareOf, withHardware } from '../topology/hardware-topology.js';

/**
 * The topology to plan against: live, with the hardware's structure where partitions hide it.
 * Its own file: start, stop and destroy need it without the layout reader (and its schema).
 */
export function machineTopology(machine: Machine, options: DiscoverOptions = {}): Topology {
  const fixed = fixedHardwareOf(machine);
  const overFixed = fixed === null ? null : discoverOverHardware(machine, fixed, options);
  if (overFixed !== null) return overFixed;
  const live = discover(machine, options);
  return withHardware(live, hardwareOf(machine, live));
}
