import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openSimMachine } from '../src/machines/sim/sim-machine.js';
import { createSim } from '../src/service/sim.js';
import { machineTopology } from '../src/service/machine-topology.js';

// Synthetic machines now get the memory block size Linux picks (2 GiB once RAM ends at or above
// 64 GiB). A simulated machine made before, from a description that names no block size, was
// built with 128 MiB blocks: its hardware record, pools and op log name those, so it keeps them.
const DESCRIPTION = 'pack:1 numa:4 core:2 mem:16G';
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'parker-block-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));
const blockSize = (stateDir: string) => {
  const m = openSimMachine(stateDir);
  try {
    return { file: m.fs.read('sys/devices/system/memory/block_size_bytes').trim(), topology: machineTopology(m) };
  } finally {
    m.close();
  }
};

describe('the block size of a simulated synthetic machine', () => {
  it('is Linux\'s choice for a new one (2 GiB here: RAM ends at 66 GiB)', () => {
    const stateDir = fs.mkdtempSync(path.join(scratch, 'state-'));
    createSim(stateDir, { source: { kind: 'synthetic', description: DESCRIPTION }, now: new Date() });
    const { file, topology } = blockSize(stateDir);
    expect(file).toBe((2 * 2 ** 30).toString(16));
    expect(topology.memory.blockSizeBytes).toBe(2 * 2 ** 30);
  });

  it('stays the one it was made with when its description names none', () => {
    const stateDir = fs.mkdtempSync(path.join(scratch, 'state-'));
    // Made with 128 MiB blocks, as the default was; then its description loses the block: key,
    // as a machine made before the default changed has it.
    createSim(stateDir, { source: { kind: 'synthetic', description: `${DESCRIPTION} block:128M` }, now: new Date() });
    const metaFile = path.join(stateDir, 'sim', 'machine.json');
    const meta = JSON.parse(fs.readFileSync(metaFile, 'utf8')) as { source: { description: string } };
    meta.source.description = DESCRIPTION;
    fs.writeFileSync(metaFile, JSON.stringify(meta, null, 2) + '\n');
    const { file, topology } = blockSize(stateDir);
    expect(file).toBe((128 * 2 ** 20).toString(16));
    expect(topology.memory.blockSizeBytes).toBe(128 * 2 ** 20);
    expect(topology.memory.blocks.length).toBeGreaterThan(500);
  });
});
