// Runs inside the Parker lab's boot kernel only (lab/parker/boot.sh --node): parker's own CLI
// against the real Parker kernel when things go wrong.
//   rollback: a layout whose second kernel's image is not a kernel: kexec refuses it after the
//             first kernel is up, and apply must undo everything (stop the first kernel through
//             its stop command, give back CPUs, memory and devices).
//   kill:     apply of a good layout, SIGKILLed once the second partition appears (the first
//             kernel runs, the second is half made); then `parker recover`.
// After each: no orphans, as the boot kernel shows them (partitions, CPUs, CMA counters,
// the NVMe drives' drivers). LAB-RESULT lines; test/lab-parker/failures.test.ts asserts.
import * as fs from 'node:fs';
import {
  INITRD,
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

try {
  result('boot', { state: machineState() });

  // ---- rollback after a failure the kernel reports: beta's image is an initramfs, not a kernel.
  const bad = '/root/lab-bad-image.yaml';
  fs.writeFileSync(bad, labLayout('lab-bad-image', [alpha, { ...beta, image: INITRD }]));
  const rollback = parker(['apply', bad, '--yes']);
  result('rollback', { ...rollback, state: await settledState(), alphaConsole: lastBoot('ttyS1') });
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
  result('recover', { ...recover, state: await settledState(), alphaConsole: lastBoot('ttyS1'), betaConsole: lastBoot('ttyS2') });
  result('recover-status', parker(['status', '-o', 'json']));
  process.exit(0);
} catch (e) {
  log(`failures.mjs broke: ${e?.stack ?? e}`);
  result('broken', { message: String(e?.stack ?? e) });
  process.exit(1);
}
