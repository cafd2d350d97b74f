import { beforeAll, describe, expect, it } from 'vitest';
import { assertParkerLabReady, expectNoOrphans, explainParkerRun, runParkerVm, type LabResult, type ParkerVmRun } from './parker-vm.js';

// parker's own CLI inside the Parker RFC boot kernel of the lab VM when things go wrong:
// a device whose bind would oops the kernel, a second kernel that never shows its ready line
// after both are up (rollback), and a SIGKILL of apply while the second partition is being
// made (recover). After each, the boot kernel must hold nothing
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

  it('refuses to hand over a device that is enabled but bound to no driver (that bind oopses the kernel)', () => {
    const d = r['driverless-device']!;
    expect(d.prepared, explain('driverless-device')).toEqual({ planned: 0, unbind: 'ok', enable: 'ok' });
    expect(d.before.state.devices['0000:00:06.0']).toMatchObject({ driver: null, enable: '1' });
    // Validation sees it first: exit 1, nothing changed.
    expect(d.code, explain('driverless-device')).toBe(1);
    expect(`${d.stdout}${d.stderr}`).toMatch(/device-driver.*0000:00:06\.0.*bound to no driver/);
    // A plan saved before the driver went: its layout is checked again, and refused before any step.
    expect(d.saved.code, explain('driverless-device')).toBe(3);
    expect(d.saved.stderr).toMatch(/error E_PLAN: .*lab-beta-only\.plan\.json holds a layout that does not pass validation now \(edited or damaged, or the machine changed since in what its fingerprint does not cover\): kernel "beta" takes 0000:00:06\.0, which is enabled in the boot kernel but bound to no driver/);
    expect(d.after.partitions).toEqual([]);
    // Applied with its driver, destroyed, then started after the driver went (start does not
    // validate): the bind step refuses before writing, and the start rolls back.
    expect(d.reprobed).toEqual({ disable: 'ok', probe: 'ok' });
    expect([d.applied, d.destroyed], explain('driverless-device')).toEqual([0, 0]);
    expect(d.preparedStart).toEqual({ unbind: 'ok', enable: 'ok' });
    expect(d.started.code, explain('driverless-device')).toBe(5);
    expect(`${d.started.stdout}${d.started.stderr}`).toMatch(/FAILED \[\d+\/\d+\] beta: write sys\/fs\/parker\/beta\/bind = 0000:00:06\.0 .*: 0000:00:06\.0 is enabled in the boot kernel but bound to no driver/);
    expect(`${d.started.stdout}${d.started.stderr}`).toContain('the machine is as it was');
    expect(d.afterStart.partitions).toEqual([]);
    expect(d.oopses, explain('driverless-device')).toEqual([]);
    expect(d.restored).toEqual({ disable: 'ok', probe: 'ok' });
    expect(expectNoOrphans(d.state)).toEqual([]);
  });

  it('rolls back an apply whose second kernel came online but never showed its ready line: both stopped, nothing left', () => {
    const rollback = r.rollback!;
    expect(rollback.code, explain('rollback')).toBe(5);
    expect(`${rollback.stdout}${rollback.stderr}`).toMatch(/a line no kernel prints/);
    // Both kernels came up, and their stop commands powered them off during the rollback.
    expect(rollback.alphaConsole.boots, explain('rollback')).toBe(1);
    expect(rollback.betaConsole.boots, explain('rollback')).toBe(1);
    expect(run.appConsoles.ttyS1).toContain('parker-lab: poweroff requested on the console');
    expect(run.appConsoles.ttyS2).toContain('parker-lab: poweroff requested on the console');
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
    // alpha booted once more for the killed apply (and was stopped by recover); beta never did.
    expect(recover.alphaConsole.boots).toBe(r.rollback!.alphaConsole.boots + 1);
    expect(recover.betaConsole.boots).toBe(r.rollback!.betaConsole.boots);
    expect(r['recover-status']!.code).toBe(0);
  });
});
