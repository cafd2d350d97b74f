import { beforeAll, describe, expect, it } from 'vitest';
import { assertParkerLabReady, expectNoOrphans, explainParkerRun, runParkerVm, type LabResult, type ParkerVmRun } from './parker-vm.js';

// parker's own CLI inside the Parker RFC boot kernel of the lab VM when things go wrong:
// a kexec refusal after the first kernel is up (rollback), and a SIGKILL of apply while the
// second partition is being made (recover). After each, the boot kernel must hold nothing
// of it. test/lab-parker/guest/failures.mjs runs in the VM and reports each stage.

describe('parker against the real Parker kernel: rollback and recovery leave no orphans', () => {
  let run: ParkerVmRun;
  let r: Record<string, LabResult>;
  const explain = (name?: string) => explainParkerRun(run, name ? r[name] : undefined);

  beforeAll(async () => {
    assertParkerLabReady();
    run = await runParkerVm('failures', 'test/lab-parker/guest/failures.mjs', { timeoutSeconds: 600 });
    r = run.results;
  });

  it('runs the whole guest script', () => {
    expect(r.broken, explain()).toBeUndefined();
    expect(run.exitCode, explain()).toBe(0);
  });

  it('rolls back an apply whose second image kexec refuses, after the first kernel came up', () => {
    const rollback = r.rollback!;
    expect(rollback.code, explain('rollback')).toBe(5);
    expect(`${rollback.stdout}${rollback.stderr}`).toMatch(/kexec|ENOEXEC/i);
    // alpha was up, and its stop command powered it off during the rollback.
    expect(rollback.alphaConsole.boots, explain('rollback')).toBe(1);
    expect(run.appConsoles.ttyS1).toContain('parker-lab: poweroff requested on the console');
    expect(expectNoOrphans(rollback.state)).toEqual([]);
  });

  it('was killed while the second partition was being made, with the first kernel up', () => {
    const kill = r.kill!;
    expect(kill.signal, explain('kill')).toBe('SIGKILL');
    expect(kill.atKill.betaSeen).toBe(true);
    expect(kill.atKill.alphaOnline).toBe('1');
    expect(kill.state.partitions.sort()).toEqual(['alpha', 'beta']);
  });

  it('recovers: alpha stopped through its stop command, both partitions gone, nothing left behind', () => {
    const recover = r.recover!;
    expect(recover.code, explain('recover')).toBe(0);
    expect(expectNoOrphans(recover.state)).toEqual([]);
    expect(recover.alphaConsole.boots).toBe(2);
    expect(recover.betaConsole.boots).toBe(0);
    expect(r['recover-status']!.code).toBe(0);
  });
});
