// bench/boot, the part that runs inside the Parker lab's boot kernel (lab/parker/boot.sh
// --node; bench/boot/run.mjs boots it). Times `parker start alpha` of a stopped kernel from the
// command to the readiness line on the kernel's console, against bench/boot/floor.sh doing the
// same kernel writes and kexec in busybox sh; alternating, in one VM boot. Node's own start-up
// is timed apart. Reports LAB-RESULT lines for run.mjs.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  NVME,
  PARKER_BIN,
  assertInParkerLab,
  consoleLog,
  labLayout,
  log,
  machineState,
  parker,
  result,
  sleep,
} from '../../test/lab-parker/guest/lab-guest.mjs';
import { COMMON_STAGES, profileProcess, summarizeProfile } from '../bench-support.mjs';

assertInParkerLab('bench/boot/guest.mjs');
const HERE = path.dirname(fileURLToPath(import.meta.url));
const RUNS = Number(process.argv[2] ?? 3);
const PROFILE = process.argv[3] === 'profile';
const KERNEL = { name: 'alpha', cpus: '1', devices: [NVME[0]], console: 'ttyS1', order: 1 };
const LOG = consoleLog(KERNEL.console);
const READY = 'parker-lab: userspace ready';

/** Spawns argv and resolves when the readiness line appears on the console after the spawn: ms from spawn to it, and to the process's exit. */
function timeToReady(argv) {
  const at = fs.statSync(LOG).size;
  const t0 = performance.now();
  const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exit = new Promise((resolve) => child.on('exit', (code) => resolve({ code, ms: performance.now() - t0 })));
  return (async () => {
    let readyMs = null;
    const fd = fs.openSync(LOG, 'r');
    try {
      while (readyMs === null && performance.now() - t0 < 300_000) {
        const size = fs.fstatSync(fd).size;
        if (size > at) {
          const buf = Buffer.alloc(size - at);
          fs.readSync(fd, buf, 0, buf.length, at);
          if (buf.toString('latin1').includes(READY)) readyMs = performance.now() - t0;
        }
        if (readyMs === null) await sleep(10);
      }
    } finally {
      fs.closeSync(fd);
    }
    const done = await exit;
    return { readyMs, exitMs: done.ms, code: done.code, output };
  })();
}

function nodeStartup() {
  const time = (argv) => {
    const t0 = performance.now();
    spawnSync(process.execPath, argv, { stdio: 'ignore' });
    return performance.now() - t0;
  };
  const empty = [];
  const version = [];
  for (let i = 0; i < 3; i++) {
    empty.push(time(['-e', '0']));
    version.push(time([PARKER_BIN, '--version']));
  }
  return { nodeEmptyMs: empty, parkerVersionMs: version };
}

async function stop() {
  const r = parker(['stop', KERNEL.name, '--yes']);
  if (r.code !== 0) throw new Error(`parker stop failed: ${r.stdout}${r.stderr}`);
}

/**
 * The application kernel's line as parker boots it, without what floor.sh fills in: from the
 * applied layout parker saved (its state directory on a host), never from the console log,
 * which can lose characters under TCG (a lost digit of tsc_early_khz= hangs the kernel).
 */
function appliedCmdline() {
  const stateDir = process.env.PARKER_STATE_DIR || '/var/lib/parker';
  const applied = JSON.parse(fs.readFileSync(path.join(stateDir, 'applied.json'), 'utf8'));
  const line = applied.layout.cmdlines.find((c) => c.name === KERNEL.name)?.text;
  if (!line) throw new Error(`the applied layout has no command line for ${KERNEL.name}`);
  return line
    .split(/\s+/)
    .filter((t) => t && !/^(parker|memmap)=/.test(t))
    .join(' ');
}

try {
  result('machine', { state: machineState(), uptime: fs.readFileSync('/proc/uptime', 'utf8').trim() });
  result('node', nodeStartup());
  const layout = '/root/bench-boot.yaml';
  fs.writeFileSync(layout, labLayout('bench-boot', [KERNEL]));
  const apply = parker(['apply', layout, '--yes']);
  if (apply.code !== 0) throw new Error(`apply failed: ${apply.stdout}${apply.stderr}`);
  const cmdline = appliedCmdline();
  result('setup', { apply: apply.seconds, cmdline });
  await stop();

  const parkerRuns = [];
  const floorRuns = [];
  const order = [];
  for (let i = 0; i < RUNS; i++) order.push(...(i % 2 === 0 ? ['parker', 'floor'] : ['floor', 'parker']));
  for (const which of order) {
    let r;
    if (which === 'parker') {
      r = await timeToReady([process.execPath, PARKER_BIN, 'start', KERNEL.name, '--yes', '--machine', 'host']);
      parkerRuns.push(r);
    } else {
      r = await timeToReady(['sh', path.join(HERE, 'floor.sh'), KERNEL.name, KERNEL.cpus, '1G', KERNEL.devices[0], LOG, cmdline]);
      floorRuns.push(r);
    }
    log(`${which}: ready after ${r.readyMs?.toFixed(0)} ms, exit ${r.code} after ${r.exitMs.toFixed(0)} ms`);
    result(`run-${which}`, { readyMs: r.readyMs, exitMs: r.exitMs, code: r.code, output: r.output });
    for (const line of r.output.trimEnd().split('\n')) process.stdout.write(`  | ${line}\n`);
    if (r.readyMs === null || r.code !== 0) throw new Error(`${which} did not reach readiness: ${r.output}`);
    await stop();
  }
  if (PROFILE) {
    // One more start, untimed, under the V8 profiler: where parker's own time goes in this guest.
    const scratch = fs.mkdtempSync('/tmp/bench-boot-prof-');
    const argv = [PARKER_BIN, 'start', KERNEL.name, '--yes', '--machine', 'host'];
    const stages = {
      modules: COMMON_STAGES.modules,
      lock: /withLock /,
      open: /(openMachine|openHost) /,
      recover: /recoverOpenFirst /,
      applied: /loadApplied /,
      resources: /bootResources /,
      plan: /diffLayout /,
      steps: /runSteps /,
    };
    let top = null;
    const parts = profileProcess(argv, stages, { scratch, onProfile: (file) => (top = summarizeProfile(file, { top: 25 })) });
    result('profile', { parts, top });
    await stop();
  }
  const destroy = parker(['destroy', '--all', '--yes']);
  result('done', { destroy: destroy.code, state: machineState() });
  process.exit(0);
} catch (e) {
  log(`bench broke: ${e?.stack ?? e}`);
  result('broken', { message: String(e?.stack ?? e) });
  process.exit(1);
}
