// Runs inside the Parker lab's boot kernel only (lab/parker/boot.sh --node): parker's own CLI
// against the real Parker kernel when things go wrong.
//   rollback: a layout whose second kernel's image is not a kernel: kexec refuses it after the
//             first kernel is up, and apply must undo everything (stop the first kernel through
//             its stop command, give back CPUs, memory and devices).
//   kill:     apply of a good layout, SIGKILLed once the second partition appears (the first
//             kernel runs, the second is half made); then `parker recover`.
// After each: no orphans, as the boot kernel shows them (partitions, CPUs, CMA counters,
// the NVMe drives' drivers). LAB-RESULT lines; test/lab-parker/failures.test.ts asserts.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import {
  NVME,
  PARKER_FS,
  assertInParkerLab,
  labLayout,
  lastBoot,
  log,
  machineState,
  parker,
  parkerBackground,
  partitionFiles,
  readOnline,
  result,
  sleep,
  waitUntil,
} from './lab-guest.mjs';

assertInParkerLab('failures.mjs');

const alpha = { name: 'alpha', cpus: '1', devices: [NVME[0]], console: 'ttyS1', order: 1 };
const beta = { name: 'beta', cpus: '3', devices: [NVME[1]], console: 'ttyS2', order: 2 };

/** Settles the kernel's re-probes (rmdir probes the NVMe again asynchronously) before a check. */
async function settledState() {
  await waitUntil(() => Object.values(machineState().devices).every((d) => d.block.length > 0), 20_000, 250);
  return machineState();
}

/** Lines of the boot kernel's log that say it oopsed. */
function oopses() {
  return spawnSync('dmesg', { encoding: 'utf8' })
    .stdout.split('\n')
    .filter((l) => /Oops|BUG:|general protection fault|Call Trace/.test(l));
}

function write(file, value) {
  try {
    fs.writeFileSync(file, value);
    return 'ok';
  } catch (e) {
    return e.code ?? String(e);
  }
}

try {
  result('boot', { state: machineState() });

  // ---- a device enabled in the boot kernel but bound to no driver: writing it to `bind`
  // oopses the Parker kernel (NULL pointer; the writer is killed, the partition's mutex stays
  // held). parker must refuse before the write: validation says so (device-driver), a plan
  // saved while the device still had its driver is checked again and refused before any step,
  // and a kernel of the applied layout started after its device lost its driver (start does not
  // validate) is refused at its bind step and rolled back.
  const dev = `/sys/bus/pci/devices/${NVME[1]}`;
  const driverless = () => ({ unbind: write('/sys/bus/pci/drivers/nvme/unbind', NVME[1]), enable: write(`${dev}/enable`, '1') });
  const driverBack = () => ({ disable: write(`${dev}/enable`, '0'), probe: write('/sys/bus/pci/drivers_probe', NVME[1]) });
  const onlyBeta = '/root/lab-beta-only.yaml';
  const savedPlan = '/root/lab-beta-only.plan.json';
  fs.writeFileSync(onlyBeta, labLayout('lab-beta-only', [{ ...beta, order: 1 }]));
  const planned = parker(['plan', onlyBeta, '--out', savedPlan], { timeoutMs: 180_000 });
  const prepared = { planned: planned.code, ...driverless() };
  const before = { state: machineState() };
  const refused = parker(['apply', onlyBeta, '--yes'], { timeoutMs: 180_000 });
  const savedRefused = parker(['apply', savedPlan, '--yes'], { timeoutMs: 180_000 });
  const after = machineState();
  const reprobed = driverBack();
  const applied = parker(['apply', onlyBeta, '--yes']);
  const destroyed = parker(['destroy', 'beta', '--yes']);
  const preparedStart = driverless();
  const started = parker(['start', 'beta', '--yes']);
  const afterStart = machineState();
  const restored = driverBack();
  result('driverless-device', { ...refused, saved: savedRefused, prepared, before, after, reprobed, applied: applied.code, destroyed: destroyed.code, preparedStart, started, afterStart, oopses: oopses(), restored, state: await settledState() });

  // ---- rollback after a failure on the real kernel: beta comes online but its console never
  // shows the line its layout waits for (a kernel that hangs after its PCI init looks like
  // this), so apply times out on it after alpha and beta are both up, and must undo
  // everything: both kernels stopped through their stop commands, CPUs, memory, devices back.
  const bad = '/root/lab-never-ready.yaml';
  fs.writeFileSync(bad, labLayout('lab-never-ready', [alpha, { ...beta, readyPattern: 'a line no kernel prints', readyTimeout: '5s' }]));
  // Boots counted from here: beta booted once above (the driverless device's start).
  const bootsBefore = { ttyS1: lastBoot('ttyS1').boots, ttyS2: lastBoot('ttyS2').boots };
  const bootsSince = (port) => ({ ...lastBoot(port), boots: lastBoot(port).boots - bootsBefore[port] });
  const rollback = parker(['apply', bad, '--yes']);
  result('rollback', { ...rollback, state: await settledState(), alphaConsole: bootsSince('ttyS1'), betaConsole: bootsSince('ttyS2') });
  result('rollback-status', parker(['status', '-o', 'json']));

  // ---- SIGKILL during apply, then recover.
  const good = '/root/lab-two-nodes.yaml';
  fs.writeFileSync(good, labLayout('lab-two-nodes', [alpha, beta]));
  const child = parkerBackground(['apply', good, '--yes']);
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const seen = await waitUntil(() => fs.existsSync(`${PARKER_FS}/beta`), 300_000, 20);
  await sleep(150);
  const atKill = { betaSeen: seen, alpha: partitionFiles('alpha'), alphaOnline: fs.existsSync(`${PARKER_FS}/alpha`) ? readOnline('alpha') : null, beta: partitionFiles('beta') };
  child.kill('SIGKILL');
  const how = await exited;
  log(`apply killed: ${JSON.stringify(how)}; at the kill: ${JSON.stringify(atKill)}`);
  result('kill', { ...how, atKill, output: child.output, state: machineState() });
  result('kill-status', parker(['status', '-o', 'json']));
  const recover = parker(['recover']);
  result('recover', { ...recover, state: await settledState(), alphaConsole: bootsSince('ttyS1'), betaConsole: bootsSince('ttyS2') });
  result('recover-status', parker(['status', '-o', 'json']));
  process.exit(0);
} catch (e) {
  log(`failures.mjs broke: ${e?.stack ?? e}`);
  result('broken', { message: String(e?.stack ?? e) });
  process.exit(1);
}
