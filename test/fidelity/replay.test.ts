import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { labSimMachine } from './lab-machine.js';
import { simTarget } from './sim-target.js';
import { FIDELITY_SCRIPT_VERSION, runFidelityScript, type FidelityOp } from './script.mjs';

// Fidelity by record and replay: the fidelity script (script.mjs) ran on the real Parker
// kernel in the lab VM (guest/record.mjs) and its transcript is committed as a fixture; here
// the same script runs on the simulator, which must show the same. Until a transcript is
// recorded, the simulator's transcript is held to the facts measured on the real kernel
// (docs/simulator.md, "Measured on the real kernel").

const FIXTURE = new URL('../fixtures/parker-transcript.json', import.meta.url);
const SNAPSHOT = new URL('../fixtures/parker-lab.tar.gz', import.meta.url);

interface Transcript {
  format: string;
  script: number;
  recorded: { date: string; kernelRelease: string; qemu: string; cmdline: string };
  facts: ReturnType<typeof runFidelityScript>['facts'];
  ops: FidelityOp[];
}

function simTranscript(snapshot?: Uint8Array, cmdline?: string) {
  return runFidelityScript(simTarget(labSimMachine(snapshot, cmdline)));
}

describe('the fidelity script on the simulated lab VM', () => {
  const { facts, ops } = simTranscript();
  const byOp = new Map(ops.map((o) => [o.op, o]));
  const result = (op: string) => {
    const o = byOp.get(op);
    if (!o) throw new Error(`the script has no operation "${op}"`);
    return o.errno ?? o.fault ?? (o.value === undefined ? 'ok' : o.value);
  };
  const moved = (op: string) => byOp.get(op)?.moved ?? {};

  it('runs every operation without a fault (nothing that hangs or kills)', () => {
    expect(ops.filter((o) => o.fault)).toEqual([]);
    expect(ops.length).toBeGreaterThan(50);
  });

  it('pools: node 0 has no free 1 GiB-aligned GiB, node 1 has one at 4 GiB; sysfs has counters only', () => {
    expect(facts.cmaDirs).toEqual(['parker1']);
    expect(facts.cmaFiles).toEqual({ parker1: ['alloc_pages_fail', 'alloc_pages_success', 'release_pages_success'] });
    expect(facts.zoneinfoCma).toMatchObject({ node1: 262144 });
    expect(facts.meminfoCma).toEqual({ CmaTotal: 1048576, CmaFree: 1048576 });
    expect(facts.reservations).toEqual(['parker: reservation failed - err -12, node 0', 'parker: reserved 1024 MiB on node 1']);
  });

  it('mounting: one mount at a time, partitions outlive an unmount', () => {
    expect(result('mount')).toBe('ok');
    expect(result('mount again')).toBe('EBUSY');
    expect(result('ls parker/ (unmounted)')).toEqual([]);
    expect(result('read fe/id, ff/id')).toBe('2 2');
  });

  it('files: memory EINVAL until written, echo 5 > id EINVAL, mkdir below the root EINVAL', () => {
    expect(result('read fa/memory (unset)')).toBe('EINVAL');
    expect(result('echo 5 > fa/id')).toBe('EINVAL');
    expect(result('mkdir fa/sub')).toBe('EINVAL');
    expect(result('mkdir fa/devices/sub')).toBe('EINVAL');
  });

  it('cpus: the same CPUs twice EINVAL, other CPUs replace the list and strand the old ones, CPU 0 accepted and left online, a CPU of node 0 gets ENOMEM', () => {
    expect(moved('echo 1 > fa/cpus')).toEqual({ 'cpu/online': ['0-3', '0,2-3'], 'cpu1/online': ['1', '0'] });
    expect(result('echo 1 > fa/cpus (again)')).toBe('EINVAL');
    expect(result('echo 2 > fa/cpus (another)')).toBe('ok');
    expect(moved('rmdir fa')).toMatchObject({ 'cpu2/online': ['0', '1'] });
    expect(moved('rmdir fa')['cpu1/online']).toBeUndefined();
    expect(result('echo 1G > fa/memory (node 0: its reservation failed)')).toBe('ENOMEM');
    expect(result('echo 0 > fb/cpus')).toBe('ok');
    expect(moved('echo 0 > fb/cpus')).toEqual({});
    expect(result('read fb/cpus')).toBe('0');
  });

  it('memory: whole GiB, decimal bytes at a hex base, a rewrite frees first', () => {
    expect(result('echo 1G > fc/memory (no cpus yet)')).toBe('EINVAL');
    expect(result('read fc/memory')).toBe('1073741824@0x100000000');
    expect(moved('echo 1G > fc/memory (again)')).toEqual({
      'cma/parker1/alloc_pages_success': ['262144', '524288'],
      'cma/parker1/release_pages_success': ['0', '262144'],
    });
    expect(result('echo 2G > fc/memory (more than the pool)')).toBe('ENOMEM');
    expect(result('read fc/memory (after ENOMEM)')).toBe('EINVAL');
  });

  it('hotplug: echo 1 > cpuN/online succeeds for a partition CPU', () => {
    expect(result('echo 1 > cpu3/online (a partition CPU)')).toBe('ok');
    expect(moved('echo 1 > cpu3/online (a partition CPU)')).toMatchObject({ 'cpu3/online': ['0', '1'] });
    expect(result('read fc/cpus')).toBe('3');
  });

  it('bind: ENODEV for no device, EBUSY for a driverless disabled one; a bound device keeps its driver link; unbind re-probes', () => {
    expect(result('echo 0000:00:1e.7 > fc/bind (no such device)')).toBe('ENODEV');
    expect(result('echo <driverless> > fc/bind (no driver, enable 0)')).toBe('EBUSY');
    expect(moved('echo <nvme> > fc/bind')).toEqual({ 'nvme/enable': ['1', '0'], 'parker/fc/devices/': ['', 'nvme'] });
    expect(moved('echo <nvme> > fc/unbind')).toEqual({ 'nvme/enable': ['0', '1'], 'parker/fc/devices/': ['nvme', ''] });
    expect(moved('rmdir fc')).toMatchObject({ 'nvme/enable': ['0', '1'], 'cpu3/online': ['0', '1'] });
  });

  it('ids: reused after rmdir, and they can repeat', () => {
    // The id is the number of partitions once it is made: ff repeats fe's.
    expect(result('read fd/id, fe/id')).toBe('1 2');
    expect(result('read ff/id')).toBe('2');
  });
});

/**
 * Facts as they can be compared: a real kernel lends free CMA pages to movable allocations, so
 * its CmaFree is below CmaTotal by however much the boot happened to borrow; what must hold is
 * that it is not above.
 */
function comparableFacts(facts: Transcript['facts']) {
  const { CmaFree, CmaTotal } = facts.meminfoCma as { CmaFree: number; CmaTotal: number };
  return { ...facts, meminfoCma: { CmaTotal, CmaFreeAtMostTotal: CmaFree <= CmaTotal } };
}

describe('replay of the transcript recorded on the real Parker kernel', () => {
  const recorded = JSON.parse(fs.readFileSync(FIXTURE, 'utf8')) as Transcript;

  it(`the fixture was recorded on the real kernel (${recorded.recorded.kernelRelease}, ${recorded.recorded.date})`, () => {
    expect(recorded.format).toBe('parker.fidelity/v1');
    expect(recorded.recorded.kernelRelease).toMatch(/^6\.12\./);
    expect(recorded.ops.length).toBeGreaterThan(50);
  });

  it('the simulator shows what the real kernel showed, operation by operation', () => {
    const t = recorded;
    expect(t.script).toBe(FIDELITY_SCRIPT_VERSION);
    const sim = simTranscript(fs.readFileSync(SNAPSHOT), t.recorded.cmdline);
    expect(comparableFacts(sim.facts)).toEqual(comparableFacts(t.facts));
    // One by one, so that a difference names its operation.
    for (let i = 0; i < Math.max(sim.ops.length, t.ops.length); i++) expect({ i, ...sim.ops[i] }).toEqual({ i, ...t.ops[i] });
  });
});
