import { errnoWords } from '../units/errno-words.js';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ParkerError } from '../units/parker-error.js';
import { loadSpecFile, type LoadedSpec } from '../spec/load-spec.js';
import type { LayoutSpec } from '../spec/spec-schema.js';
import type { Machine } from '../machines/machine.js';
import { discover } from '../topology/discover.js';
import type { Topology } from '../topology/model.js';
import { discoverBootDependencies } from '../topology/boot-dependencies.js';
import { hardwareOf, withHardware } from '../topology/hardware-topology.js';
import type { KernelInterface } from '../interfaces/kernel-interface.js';
import { prepareLayout, type PreparedLayout } from '../validate/prepare-layout.js';

/** What validate, plan and apply share: the spec, the machine's topology and the checked layout. */
export interface LayoutInput {
  file: string;
  loaded: LoadedSpec;
  spec: LayoutSpec | null;
  topology: Topology;
  prepared: PreparedLayout | null;
}

/** The topology to plan against: live, with the hardware's structure where partitions hide it. */
export function machineTopology(machine: Machine): Topology {
  const live = discover(machine);
  return withHardware(live, hardwareOf(machine, live));
}

/** Reads each kernel's .config (the only file validation looks at), relative to the layout file. */
function readConfigs(spec: LayoutSpec, file: string): Map<string, string> {
  const configs = new Map<string, string>();
  for (const kernel of spec.kernels) {
    if (!kernel.config) continue;
    const where = path.resolve(path.dirname(file), kernel.config);
    try {
      configs.set(kernel.name, fs.readFileSync(where, 'utf8'));
    } catch (e) {
      throw new ParkerError('E_SPEC_READ', `kernel ${kernel.name}: cannot read its config ${where}: ${errnoWords(e)}`, 'fix the `config` path or remove it');
    }
  }
  return configs;
}

export function readLayout(file: string, machine: Machine, iface: KernelInterface): LayoutInput {
  const loaded = loadSpecFile(file);
  const topology = machineTopology(machine);
  if (!loaded.spec) return { file, loaded, spec: null, topology, prepared: null };
  const spec = loaded.spec;
  const prepared = prepareLayout({ spec, topology, kernelInterface: iface, configs: readConfigs(spec, file), bootDependencies: discoverBootDependencies(machine.fs) });
  return { file, loaded, spec, topology, prepared };
}

/** Every finding, the loader's first. */
export function allDiagnostics(input: LayoutInput) {
  return [...input.loaded.diagnostics, ...(input.prepared?.diagnostics ?? [])];
}
