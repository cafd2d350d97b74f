import { describe, expect, it } from 'vitest';
import { errnoOf } from '../../../test/fixtures/errno-of.js';
import type { KernelFs } from '../machine.js';
import { memorySimMachine } from './sim-machine.js';

// memoryN/state and memoryN/online with the movable rule. The machine: node 0 with CPUs and
// 4 GiB in 1 GiB blocks (0: spans zones, 1-2: DMA32, 4-5: Normal), node 1 a memory-only
// expander whose blocks 6-9 are in ZONE_MOVABLE.

const MEM = 'sys/devices/system/memory';
const MACHINE = 'pack:1 core:4 mem:4G block:1G memnodes:1 memnode-mem:4G';


const block = (fs: KernelFs, n: number) => ['state', 'online', 'valid_zones'].map((f) => fs.read(`${MEM}/memory${n}/${f}`).trim());

describe('memory blocks', () => {
  it('start online in their zones', () => {
    const { fs } = memorySimMachine({ kind: 'synthetic', description: MACHINE });
    expect([0, 1, 4, 6].map((n) => block(fs, n))).toEqual([
      ['online', '1', 'none'],
      ['online', '1', 'DMA32'],
      ['online', '1', 'Normal'],
      ['online', '1', 'Movable'],
    ]);
  });

  it('offline a Movable block and online it again in its zone', () => {
    const { fs } = memorySimMachine({ kind: 'synthetic', description: MACHINE });
    fs.write(`${MEM}/memory7/state`, 'offline');
    expect(block(fs, 7)).toEqual(['offline', '0', 'Movable Normal']);
    fs.write(`${MEM}/memory7/state`, 'online');
    expect(block(fs, 7)).toEqual(['online', '1', 'Movable']);
  });

  it('at the edge of ZONE_MOVABLE offer Normal first, as Linux does: a plain online lands in Normal', () => {
    const { fs } = memorySimMachine({ kind: 'synthetic', description: MACHINE });
    fs.write(`${MEM}/memory9/state`, 'offline');
    expect(block(fs, 9)).toEqual(['offline', '0', 'Normal Movable']);
    fs.write(`${MEM}/memory9/state`, 'online');
    expect(block(fs, 9)).toEqual(['online', '1', 'Normal']);
  });

  it('refuse to offline a block in a kernel zone (EBUSY): Normal, DMA32 or spanning zones', () => {
    const { fs } = memorySimMachine({ kind: 'synthetic', description: MACHINE });
    for (const n of [0, 1, 4]) expect(errnoOf(() => fs.write(`${MEM}/memory${n}/state`, 'offline'))).toBe('EBUSY');
    expect(errnoOf(() => fs.write(`${MEM}/memory5/online`, '0'))).toBe('EBUSY');
    expect(block(fs, 4)).toEqual(['online', '1', 'Normal']);
  });

  it('online_movable and online_kernel choose the zone; a block onlined to Normal can no longer go offline', () => {
    const { fs } = memorySimMachine({ kind: 'synthetic', description: MACHINE });
    fs.write(`${MEM}/memory8/online`, '0');
    fs.write(`${MEM}/memory8/state`, 'online_movable');
    expect(block(fs, 8)).toEqual(['online', '1', 'Movable']);
    fs.write(`${MEM}/memory8/state`, 'offline');
    fs.write(`${MEM}/memory8/state`, 'online_kernel');
    expect(block(fs, 8)).toEqual(['online', '1', 'Normal']);
    expect(errnoOf(() => fs.write(`${MEM}/memory8/state`, 'offline'))).toBe('EBUSY');
  });

  it('refuse values the kernel does not know (EINVAL)', () => {
    const { fs } = memorySimMachine({ kind: 'synthetic', description: MACHINE });
    expect(errnoOf(() => fs.write(`${MEM}/memory6/state`, 'gone'))).toBe('EINVAL');
    expect(errnoOf(() => fs.write(`${MEM}/memory6/online`, 'yes'))).toBe('EINVAL');
    expect(block(fs, 6)).toEqual(['online', '1', 'Movable']);
  });

  it('refuse to offline a Movable block that a CMA pool covers (EBUSY)', () => {
    const { fs } = memorySimMachine({ kind: 'synthetic', description: `${MACHINE} cmdline:"ro parker_cma=1:1G"` });
    // The pool sits at the bottom of node 1 above 4 GiB (6.12 reserves CMA bottom-up from there): block 6.
    const err = (() => {
      try {
        fs.write(`${MEM}/memory6/state`, 'offline');
      } catch (e) {
        return e as Error;
      }
      return null;
    })();
    expect(err?.message).toBe('write sys/devices/system/memory/memory6/state: EBUSY (memory6 is part of a CMA pool)');
    fs.write(`${MEM}/memory8/state`, 'offline');
    expect(block(fs, 8)[0]).toBe('offline');
  });
});
