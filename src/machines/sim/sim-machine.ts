import { TreeFs } from '../file-tree.js';
import type { Machine } from '../machine.js';
import { readOnlyMachine } from '../read-only-machine.js';
import { buildDefaultServerTree } from '../../topology/default-server.js';

/** The built-in simulated server. */
export function simMachine(): Machine {
  return readOnlyMachine(new TreeFs(buildDefaultServerTree()), 'sim', 'simulated default server', 'x86_64');
}
