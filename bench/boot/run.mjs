// bench/boot: on the real Parker kernel under QEMU/TCG, the time from `parker start NAME` to the
// application kernel's readiness line on its console, against a busybox script doing the same
// kernel writes and kexec (bench/boot/floor.sh), alternating in one VM boot; node's start-up
// reported apart. Target: parker / floor <= 1.1 (median). Needs the Parker lab (docs/lab.md):
// the RFC patches and lab/parker/build-kernel.sh, as root. Writes bench/boot/RESULTS.md.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { hasFlag, machineInfo, machineLines, median, ms, profileTables, runsFromArgs, table, writeResults } from '../bench-support.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const LAB_DIR = process.env.PARKER_LAB_DIR ?? '/var/tmp/parker-lab';
const RUNS = runsFromArgs(3);
const RUN = `bench-boot-${Date.now()}`;

const info = machineInfo();
console.log(`bench/boot: ${RUNS} runs each of parker start and the floor, in one VM boot (QEMU TCG); this takes a few minutes`);
const t0 = performance.now();
const boot = spawnSync(path.join(ROOT, 'lab/parker/boot.sh'), ['--node', '--run', RUN, '--timeout', String(300 + RUNS * 150 + (hasFlag('--profile') ? 200 : 0)), '--script', 'bench/boot/guest.mjs', '--args', hasFlag('--profile') ? `${RUNS},profile` : String(RUNS)], {
  cwd: ROOT,
  encoding: 'utf8',
  stdio: ['ignore', 'pipe', 'pipe'],
});
const vmSeconds = (performance.now() - t0) / 1000;
const dir = path.join(LAB_DIR, 'parker-runs', RUN);
const output = fs.existsSync(path.join(dir, 'script-output.log')) ? fs.readFileSync(path.join(dir, 'script-output.log'), 'utf8').replace(/\r/g, '') : '';
const results = output
  .split('\n')
  .filter((l) => l.includes('LAB-RESULT '))
  .map((l) => JSON.parse(l.slice(l.indexOf('LAB-RESULT ') + 11)));
const named = (name) => results.filter((r) => r.name === name);
if (boot.status !== 0 || named('broken').length > 0) {
  console.error(`${boot.stderr}\n${output.split('\n').slice(-30).join('\n')}`);
  console.error(`bench/boot failed (boot.sh exit ${boot.status}); logs in ${dir}`);
  process.exit(1);
}

const parkerReady = named('run-parker').map((r) => r.readyMs);
const parkerExit = named('run-parker').map((r) => r.exitMs);
const floorReady = named('run-floor').map((r) => r.readyMs);
const node = named('node')[0];
const setup = named('setup')[0];
const parkerVersion = median(node.parkerVersionMs);
const ratio = median(parkerReady) / median(floorReady);
const ratioWithoutNode = (median(parkerReady) - parkerVersion) / median(floorReady);
const kernelRelease = fs.existsSync(path.join(LAB_DIR, 'parker-kernel/latest/kernel-release')) ? fs.readFileSync(path.join(LAB_DIR, 'parker-kernel/latest/kernel-release'), 'utf8').trim() : 'unknown';
const row = (label, values) => [label, ms(median(values)), ms(Math.min(...values)), ms(Math.max(...values)), values.map((v) => (v / 1000).toFixed(2)).join(', ')];

const body = [
  '## Machine',
  '',
  ...machineLines(info, {
    'Guest': `QEMU ${spawnSync('qemu-system-x86_64', ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0]} TCG (no KVM), lab/parker/boot.sh: q35, 4 vCPUs on 2 NUMA nodes`,
    'Boot and application kernel': `${kernelRelease} (Debian linux-source-6.12 + the Parker RFC + the lab's TCG-only changes)`,
  }),
  '',
  '## Setup',
  '',
  '- One VM boot: `parker apply` of a one-kernel layout (alpha: CPU 1 on node 0, 1 GiB from the CMA pool of node 0, the NVMe 00:04.0, console ttyS1 read through a cabled PCI serial port), then `parker stop alpha`.',
  `- Then ${RUNS} runs each, alternating (parker, floor, floor, parker, ...), each followed by \`parker stop alpha\` (untimed):`,
  '  - **parker**: `node bin/parker.js start alpha --yes --machine host` (it removes the used partition, makes it again, binds the NVMe, kexec -l into the partition, writes online, waits for online and for the readiness line on the console);',
  '  - **floor**: `bench/boot/floor.sh` in busybox sh: the same rmdir, mkdir, cpus, memory, bind, `kexec -l --mem-min/--mem-max` with the same command line, the online write, then a poll of the console log for the readiness line.',
  '- Measured in the guest (node `performance.now()`), from spawning the command to the readiness line `parker-lab: userspace ready` appearing in the console log (polled every 10 ms). The application kernel prints that line from its /init once its NVMe is up.',
  `- Node start-up, apart: \`node -e 0\` and \`node bin/parker.js --version\`, 3 times each in the guest.`,
  `- Whole VM run: ${vmSeconds.toFixed(0)} s of QEMU wall time (boot, apply, ${RUNS * 2} starts and stops, destroy).`,
  '',
  '## Figures',
  '',
  table(['start to readiness', 'median', 'min', 'max', 'runs (s)'], [row('parker start', parkerReady), row('floor (busybox sh)', floorReady), row('parker start, to its exit', parkerExit)]),
  '',
  table(['node start-up in the guest', 'median', 'min', 'max', 'runs (s)'], [row('`node -e 0`', node.nodeEmptyMs), row('`node bin/parker.js --version`', node.parkerVersionMs)]),
  '',
  `Ratio parker / floor (median start to readiness): **${ratio.toFixed(2)}**; without node's start-up and parker's module loading (\`parker --version\`): ${ratioWithoutNode.toFixed(2)}. Target (<= 1.1): **${ratio <= 1.1 ? 'met' : 'not met'}**.`,
  '',
  `The first apply of the layout took ${setup.apply.toFixed(1)} s (boot, validation, planning, the whole create and start).`,
].join('\n');

const profile = named('profile')[0];
const profileBody = profile
  ? [
      '',
      '## Where `parker start` spends its time in the guest (`--profile`: one more start under `node --cpu-prof`)',
      '',
      `Profiled run: ${ms(profile.parts.wallMs)} wall, ${ms(profile.parts.sampledMs)} sampled (the rest: starting node and exiting). Inclusive times of the samples; the stages nest (the lock holds the others).`,
      '',
      table(['stage', 'time'], Object.entries(profile.parts.parts).map(([k, v]) => [k, ms(v)])),
      ...(profile.top ? ['', profileTables(profile.top)] : []),
    ].join('\n')
  : '';
const fullBody = body + profileBody;
console.log(fullBody);
if (!hasFlag('--no-write')) writeResults(path.join(HERE, 'RESULTS.md'), 'bench/boot results', fullBody);
