// Runs inside the Parker lab's boot kernel only (lab/parker/boot.sh --node): parker's own CLI
// (this checkout's bin/parker.js, --machine host) drives the real Parker kernel through a whole
// lifecycle of two application kernels, one per NUMA node, each with its NVMe drive:
//   apply (both started in order, each up once its console says so) -> consoles -> stop one
//   through its stop command -> start it again (parker recreates its partition) -> destroy all.
// Each stage reports a LAB-RESULT line; test/lab-parker/lifecycle.test.ts asserts on them.
// Exits 0 when every stage ran (the assertions are the host's), 1 when the script itself broke.
import * as fs from 'node:fs';
import {
  NVME,
  assertInParkerLab,
  labLayout,
  lastBoot,
  log,
  machineState,
  memoryRange,
  parker,
  parkerAsync,
  parkerBackground,
  parkerDmesg,
  partitionFiles,
  readOnline,
  result,
  startWriterRunning,
  waitUntil,
} from './lab-guest.mjs';

assertInParkerLab('lifecycle.mjs');

const LAYOUT = '/root/lab-two-nodes.yaml';
const KERNELS = [
  { name: 'alpha', cpus: '1', devices: [NVME[0]], console: 'ttyS1', order: 1 },
  { name: 'beta', cpus: '3', devices: [NVME[1]], console: 'ttyS2', order: 2 },
];

/** What the kernel shows of one partition now, with where its kernel's image and RAM lie. */
function partitionReport(k) {
  const files = partitionFiles(k.name);
  const boot = lastBoot(k.console);
  const range = memoryRange(files?.memory);
  const inside = (r) => range !== null && r !== null && range.start <= r.start && r.end <= range.end;
  return {
    files,
    online: files ? readOnline(k.name) : null,
    memory: range,
    boot,
    kernelInside: boot.kernel ? inside(boot.kernel) : null,
    ramInside: boot.ram.length > 0 ? boot.ram.every(inside) : null,
  };
}

try {
  result('boot', { state: machineState(), dmesg: parkerDmesg(), cmdline: fs.readFileSync('/proc/cmdline', 'utf8').trim() });
  fs.writeFileSync(LAYOUT, labLayout('lab-two-nodes', KERNELS));
  log(`layout ${LAYOUT}:\n${fs.readFileSync(LAYOUT, 'utf8')}`);

  result('version', parker(['--version']));
  result('validate', parker(['validate', LAYOUT]));
  result('plan', parker(['plan', LAYOUT]));

  const apply = parker(['apply', LAYOUT, '--yes']);
  result('apply', { ...apply, state: machineState(), alpha: partitionReport(KERNELS[0]), beta: partitionReport(KERNELS[1]) });

  result('status', parker(['status', '-o', 'json']));
  result('console-alpha', parker(['console', 'alpha']));
  result('console-beta', parker(['console', 'beta']));

  const stop = parker(['stop', 'beta', '--yes']);
  result('stop-beta', { ...stop, state: machineState(), alpha: partitionReport(KERNELS[0]), beta: partitionReport(KERNELS[1]) });

  // The restart, and `parker status` while its start write is in flight (the kernel blocks
  // every read of the partition's `online` then: status must neither hang nor block).
  const child = parkerBackground(['start', 'beta', '--yes']);
  const t0 = performance.now();
  const startExit = new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  const inFlight = await waitUntil(startWriterRunning, 240_000, 50);
  const during = await parkerAsync(['status', '-o', 'json'], { timeoutMs: 120_000 });
  const stillInFlight = startWriterRunning();
  const how = await startExit;
  const start = { args: ['start', 'beta', '--yes'], ...how, stdout: child.output, stderr: '', seconds: Number(((performance.now() - t0) / 1000).toFixed(2)) };
  log(`start beta: exit ${how.code} after ${start.seconds}s`);
  for (const line of child.output.trimEnd().split('\n').slice(-14)) process.stdout.write(`  | ${line}\n`);
  result('status-during-start', { ...during, inFlight, stillInFlight });
  result('start-beta', { ...start, state: machineState(), alpha: partitionReport(KERNELS[0]), beta: partitionReport(KERNELS[1]) });
  result('console-beta-again', parker(['console', 'beta']));

  const destroy = parker(['destroy', '--all', '--yes']);
  result('destroy', { ...destroy, state: machineState(), alphaConsole: lastBoot('ttyS1'), betaConsole: lastBoot('ttyS2') });
  result('status-after', parker(['status', '-o', 'json']));
  process.exit(0);
} catch (e) {
  log(`lifecycle.mjs broke: ${e?.stack ?? e}`);
  result('broken', { message: String(e?.stack ?? e) });
  process.exit(1);
}
