import { beforeAll, describe, expect, it } from 'vitest';
import { assertParkerLabReady, expectNoOrphans, explainParkerRun, runParkerVm, type LabResult, type ParkerVmRun } from './parker-vm.js';

// parker's own CLI (dist/, --machine host) inside the Parker RFC boot kernel of the lab VM,
// driving two application kernels (alpha: CPU 1 on node 0 with the NVMe 00:04.0, console
// ttyS1; beta: CPU 3 on node 1 with the NVMe 00:06.0, console ttyS2) through a whole
// lifecycle. test/lab-parker/guest/lifecycle.mjs runs in the VM and reports each stage.

const GiB = 2 ** 30;

describe('parker drives the real Parker kernel: two application kernels, one per node', () => {
  let run: ParkerVmRun;
  let r: Record<string, LabResult>;
  const explain = (name?: string) => explainParkerRun(run, name ? r[name] : undefined);

  beforeAll(async () => {
    assertParkerLabReady();
    run = await runParkerVm('lifecycle', 'test/lab-parker/guest/lifecycle.mjs', { timeoutSeconds: 600 });
    r = run.results;
  });

  it('runs the whole guest script', () => {
    expect(r.broken, explain()).toBeUndefined();
    expect(run.exitCode, explain()).toBe(0);
  });

  it('boots with a 1 GiB CMA pool on each node, CPUs 0-3 online, both NVMe drives on nvme', () => {
    const state = r.boot!.state;
    expect(Object.keys(state.cma).sort(), explain()).toEqual(['parker0', 'parker1']);
    expect(expectNoOrphans(state)).toEqual([]);
    expect(r.boot!.dmesg.join('\n')).toMatch(/reserved 1024 MiB on node 0/);
    expect(r.boot!.dmesg.join('\n')).toMatch(/reserved 1024 MiB on node 1/);
  });

  it('validates and plans the layout', () => {
    expect(r.validate!.code, explain('validate')).not.toBe(1);
    expect(r.plan!.code, explain('plan')).toBe(0);
  });

  it('applies it: both kernels online and up on their consoles, started in order', () => {
    const apply = r.apply!;
    expect(apply.code, explain('apply')).toBe(0);
    expect(apply.state.partitions.sort()).toEqual(['alpha', 'beta']);
    for (const [name, cpus, device] of [
      ['alpha', '1', '0000:00:04.0'],
      ['beta', '3', '0000:00:06.0'],
    ] as const) {
      const p = apply[name];
      expect(p.online, `${name} online`).toBe('1');
      expect(p.files.cpus).toBe(cpus);
      expect(p.files.devices).toEqual([device]);
      expect(p.memory.end - p.memory.start + 1).toBe(GiB);
      expect(p.boot.boots, `${name} booted once`).toBe(1);
      expect(p.boot.ready).toMatch(/cpus=1 online=0 /);
      expect(p.boot.ready).toMatch(/nvme=nvme0 block=nvme0n1/);
      expect(p.boot.ready).toContain(`pci=${device}`);
    }
    // alpha has order 1: it is up (its console said so) before beta's first step.
    const text: string = apply.stdout;
    const alphaUp = text.search(/ok \[\d+\/\d+\] alpha: wait until the console of alpha shows/);
    const betaFirst = text.search(/ok \[\d+\/\d+\] beta: /);
    expect(alphaUp, explain('apply')).toBeGreaterThan(-1);
    expect(betaFirst, explain('apply')).toBeGreaterThan(alphaUp);
    expect(text).toMatch(/ok \[\d+\/\d+\] beta: wait until the console of beta shows/);
    // CPU 1 and CPU 3 are the partitions': the boot kernel keeps 0 and 2.
    expect(apply.state.cpusOnline).toBe('0,2');
  });

  it("places each application kernel's image and RAM inside its partition (nokaslr, kexec window)", () => {
    for (const name of ['alpha', 'beta']) {
      const p = r.apply![name];
      expect(p.boot.kernel, `${name}: ${p.boot.memoryLine}`).not.toBeNull();
      expect(p.kernelInside, `${name}: kernel code ${JSON.stringify(p.boot.kernel)} in ${JSON.stringify(p.memory)}`).toBe(true);
      expect(p.ramInside, `${name}: RAM ${JSON.stringify(p.boot.ram)} in ${JSON.stringify(p.memory)}`).toBe(true);
    }
    // Node 0's pool lies in node 0's memory above 4 GiB, node 1's in node 1's (boot.sh).
    expect(r.apply!.alpha.memory.start).toBeGreaterThanOrEqual(4 * GiB);
    expect(r.apply!.alpha.memory.end).toBeLessThan(6 * GiB);
    expect(r.apply!.beta.memory.start).toBeGreaterThanOrEqual(6 * GiB);
  });

  it('shows each console through parker console', () => {
    expect(r['console-alpha']!.code, explain('console-alpha')).toBe(0);
    expect(r['console-alpha']!.stdout).toContain('parker-lab: userspace ready');
    expect(r['console-beta']!.code, explain('console-beta')).toBe(0);
    expect(r['console-beta']!.stdout).toContain('parker-lab: userspace ready');
    expect(r['console-beta']!.stdout).toContain('console=ttyS2');
  });

  it('stops beta through its stop command: online drops, the partition stays, alpha runs on', () => {
    const stop = r['stop-beta']!;
    expect(stop.code, explain('stop-beta')).toBe(0);
    expect(stop.beta.online).toBe('0');
    expect(stop.state.partitions.sort()).toEqual(['alpha', 'beta']);
    expect(stop.alpha.online).toBe('1');
    expect(run.appConsoles.ttyS2).toContain('parker-lab: poweroff requested on the console');
  });

  it('starts beta again in a new partition: a second boot, alpha untouched', () => {
    const start = r['start-beta']!;
    expect(start.code, explain('start-beta')).toBe(0);
    expect(start.beta.online).toBe('1');
    expect(start.beta.boot.boots).toBe(2);
    expect(start.beta.kernelInside).toBe(true);
    expect(start.beta.ramInside).toBe(true);
    expect(start.alpha.online).toBe('1');
    expect(start.alpha.boot.boots).toBe(1);
    expect(r['console-beta-again']!.stdout).toContain('parker-lab: userspace ready');
  });

  it("answers parker status while the restart's start write is in flight: no hang, no blocked read", () => {
    const during = r['status-during-start']!;
    expect(during.inFlight, explain()).toBe(true);
    expect(during.signal, explain('status-during-start')).toBeNull();
    expect(during.code, explain('status-during-start')).toBe(0);
    const beta = (JSON.parse(during.stdout as string) as { partitions: { name: string; state: string }[] }).partitions.find((p) => p.name === 'beta');
    expect(['starting', 'online']).toContain(beta?.state);
  });

  it('destroys everything: no partitions, CPUs back online, CMA given back, NVMe drives back on nvme', () => {
    const destroy = r.destroy!;
    expect(destroy.code, explain('destroy')).toBe(0);
    expect(expectNoOrphans(destroy.state)).toEqual([]);
    expect(destroy.alphaConsole.boots).toBe(1);
    expect(run.appConsoles.ttyS1).toContain('parker-lab: poweroff requested on the console');
  });
});
