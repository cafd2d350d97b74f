import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ParkerError } from '../../units/parker-error.js';
import { frameRecord, unframeRecord } from '../../units/framed-lines.js';
import type { Topology } from '../../topology/model.js';
import { createSimMachine, memorySimMachine, openSimMachine } from './sim-machine.js';
import type { SimSource } from './sim-state.js';
import { FileTree, TreeFs } from '../file-tree.js';
import { readOnlyMachine } from '../read-only-machine.js';
import { discover } from '../../topology/discover.js';
import { buildDefaultServerTree } from '../../synthetic/default-server.js';
import { parseSyntheticDescription } from '../../synthetic/description.js';
import { buildSyntheticTree } from '../../synthetic/tree.js';

// sim/hardware.json: the machine's hardware as discovered when it was made, read back at every
// open instead of discovering the machine again.

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'parker-sim-hardware-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const NOW = new Date('2026-01-02T03:04:05Z');

function made(source: SimSource = { kind: 'default' }): { stateDir: string; file: string } {
  const stateDir = path.join(root, `state-${dirs++}`);
  createSimMachine(stateDir, { source, now: NOW }).close();
  return { stateDir, file: path.join(stateDir, 'sim', 'hardware.json') };
}

/** The tree a described machine starts from, made apart from the simulator. */
function sourceTree(source: SimSource): FileTree {
  if (source.kind === 'default') return buildDefaultServerTree();
  if (source.kind !== 'synthetic') throw new Error(`no tree for ${source.kind}`);
  return buildSyntheticTree(parseSyntheticDescription(source.description));
}

function rewrite(file: string, change: (t: Topology) => void): void {
  const read = unframeRecord(fs.readFileSync(file, 'utf8').trimEnd());
  if (!read.ok) throw new Error(read.why);
  const record = read.value as { format: string; topology: Topology };
  change(record.topology);
  fs.writeFileSync(file, frameRecord(record) + '\n');
}

function openError(stateDir: string): ParkerError {
  try {
    openSimMachine(stateDir).close();
  } catch (e) {
    if (e instanceof ParkerError) return e;
    throw e;
  }
  throw new Error('the machine opened');
}

describe('the simulated machine hardware record', () => {
  const sources: SimSource[] = [{ kind: 'default' }, { kind: 'synthetic', description: 'pack:3 numa:1 l3:2 core:3 pu:2 mem:8G cmdline:"parker_cma=2G iommu=pt"' }];
  for (const source of sources) {
    it(`holds what discovery of the machine finds (${source.kind})`, () => {
      const { stateDir, file } = made(source);
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      const reopened = openSimMachine(stateDir);
      expect(reopened.kernel.hardware).toEqual(memorySimMachine(source).kernel.hardware);
      // A new machine takes its structure from its description instead of reading every CPU's
      // files: the record must be what reading them all finds.
      // Compared as the file holds it: the same keys in the same order too.
      expect(JSON.stringify(reopened.kernel.hardware)).toBe(JSON.stringify(discover(readOnlyMachine(new TreeFs(sourceTree(source)), 'sim', reopened.description, 'x86_64'))));
      reopened.close();
    });
  }

  it('is what an open reads: the machine is not discovered again', () => {
    const { stateDir, file } = made();
    rewrite(file, (t) => {
      t.machine.description = 'as recorded';
    });
    const m = openSimMachine(stateDir);
    expect(m.kernel.hardware.machine.description).toBe('as recorded');
    m.close();
  });

  it('when it is missing (a machine made before it existed), the machine is discovered as before', () => {
    const { stateDir, file } = made();
    fs.rmSync(file);
    const m = openSimMachine(stateDir);
    expect(m.kernel.hardware).toEqual(memorySimMachine().kernel.hardware);
    m.close();
  });

  it('a damaged record is refused with E_STATE_CORRUPT naming the file and the fix, never read as another machine', () => {
    const { stateDir, file } = made();
    const bytes = fs.readFileSync(file);
    const at = bytes.indexOf('"cpu":') + 10;
    bytes[at] = bytes[at]! ^ 0x01;
    fs.writeFileSync(file, bytes);
    const e = openError(stateDir);
    expect(e.code).toBe('E_STATE_CORRUPT');
    expect(e.message).toContain(file);
    expect(e.message).toContain('checksum');
    expect(e.hint).toContain('parker sim reset');
  });

  it('a record of another kind is refused too', () => {
    const { stateDir, file } = made();
    fs.writeFileSync(file, frameRecord({ format: 'parker.sim-hardware/v1', topology: { cpu: 'many' } }) + '\n');
    expect(openError(stateDir).message).toContain('is not a parker.sim-hardware/v1 record');
    fs.writeFileSync(file, JSON.stringify({ format: 'parker.sim-hardware/v1', topology: memorySimMachine().kernel.hardware }) + '\n');
    expect(openError(stateDir).code).toBe('E_STATE_CORRUPT');
  });
});
