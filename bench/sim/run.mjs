// bench/sim: the 4096-CPU synthetic machine, simulated, from empty to 255 running kernels.
// Target: 2 s or less of wall time (simulated boot time is simulated: the machine's clock
// advances without waiting, so it is excluded by construction and reported on its own).
//
//   node bench/sim/run.mjs [--runs N] [--profile] [--no-write]
//
// Every measured run is a fresh process (as `parker apply` is), so its peak memory is its own
// maximum RSS. One run: load the layout, discover the machine, place, generate command lines,
// validate, diff, then execute the 1530 steps with executePlan and a Journal (fsync'd JSONL)
// in a state directory. The journal's cost depends on the filesystem, so runs alternate
// between a state directory on disk (os.tmpdir()) and one on tmpfs (/dev/shm).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  BENCH_CMDLINE,
  BENCH_KERNELS,
  BENCH_MACHINE,
  benchLayoutYaml,
  filesystemType,
  hasFlag,
  machineInfo,
  machineLines,
  mib,
  ms,
  profileTables,
  runsFromArgs,
  summarizeProfile,
  summary,
  table,
  timed,
  timedSync,
  writeResults,
} from '../bench-support.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '../..');
const SELF = fileURLToPath(import.meta.url);
const TARGET_MS = 2000;

/** One run, in this process; prints its figures as JSON on the last line of stdout. */
async function child(stateBase) {
  const { memorySimMachine } = await import('../../dist/machines/sim/sim-machine.js');
  const { makeTestBzImage } = await import('../../dist/machines/sim/bzimage.js');
  const { machineTopology } = await import('../../dist/service/layout-input.js');
  const { discoverBootDependencies } = await import('../../dist/topology/boot-dependencies.js');
  const { readPartitions } = await import('../../dist/interfaces/parker/read-partitions.js');
  const { loadSpec } = await import('../../dist/spec/load-spec.js');
  const { hasErrors } = await import('../../dist/spec/diagnostic.js');
  const { prepareLayout } = await import('../../dist/validate/prepare-layout.js');
  const { diffLayout } = await import('../../dist/plan/diff.js');
  const { executePlan } = await import('../../dist/apply/execute.js');
  const { Journal } = await import('../../dist/apply/journal.js');
  const { ApplyLock } = await import('../../dist/apply/lock.js');
  const { parkerInterface } = await import('../../dist/interfaces/parker/index.js');

  const stateDir = fs.mkdtempSync(path.join(stateBase, 'parker-bench-sim-'));
  try {
    const image = path.join(stateDir, 'vmlinuz-parker');
    fs.writeFileSync(image, makeTestBzImage());
    const yaml = benchLayoutYaml(image);

    const setup = timedSync(() => memorySimMachine({ kind: 'synthetic', description: BENCH_MACHINE }, BENCH_CMDLINE));
    const machine = setup.value;
    const rssAfterSetupKb = process.resourceUsage().maxRSS;
    const clockBefore = machine.clock.now();

    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    const loaded = loadSpec(yaml, 'bench.yaml');
    if (!loaded.spec || hasErrors(loaded.diagnostics)) throw new Error(`the benchmark layout does not load: ${JSON.stringify(loaded.diagnostics.slice(0, 3))}`);
    const discovered = timedSync(() => machineTopology(machine));
    const topology = discovered.value;
    const prepared = prepareLayout({ kernelInterface: parkerInterface, spec: loaded.spec, topology, bootDependencies: discoverBootDependencies(machine.fs) });
    if (!prepared.resolved || hasErrors(prepared.diagnostics)) throw new Error(`the benchmark layout has errors: ${JSON.stringify(prepared.diagnostics.filter((d) => d.severity === 'error').slice(0, 3))}`);
    const plan = diffLayout(parkerInterface, prepared.resolved, { topology, partitions: readPartitions(machine.fs) });
    const blocking = plan.bootChanges.filter((p) => p.key === 'parker_cma');
    if (blocking.length) throw new Error(`the boot kernel needs ${blocking.map((p) => `parker_cma=${p.value}`).join(' ')}`);
    const t1 = process.hrtime.bigint();

    const journal = new Journal(stateDir);
    const journalTime = { ms: 0, appends: 0 };
    const append = journal.append.bind(journal);
    journal.append = (record) => {
      const t = process.hrtime.bigint();
      append(record);
      journalTime.ms += Number(process.hrtime.bigint() - t) / 1e6;
      journalTime.appends++;
    };
    const lock = new ApplyLock(stateDir);
    const executed = await timed(async () => {
      lock.acquire('bench');
      try {
        return await executePlan(machine, parkerInterface, plan.steps, journal, { command: 'bench' });
      } finally {
        lock.release();
      }
    });
    const t2 = process.hrtime.bigint();
    const cpu = process.cpuUsage(cpu0);
    const result = executed.value;
    if (result.outcome !== 'applied') throw new Error(`the plan was rolled back at step ${result.failure?.step.id}: ${result.failure?.error}`);
    const online = readPartitions(machine.fs).filter((p) => p.online).length;
    if (online !== BENCH_KERNELS) throw new Error(`${online} partitions online after applying, expected ${BENCH_KERNELS}`);

    return {
      stateFs: filesystemType(stateDir),
      setupMs: setup.ms,
      planMs: Number(t1 - t0) / 1e6,
      discoverMs: discovered.ms,
      executeMs: executed.ms,
      journalMs: journalTime.ms,
      journalAppends: journalTime.appends,
      applyMs: Number(t2 - t0) / 1e6,
      applyCpuMs: (cpu.user + cpu.system) / 1000,
      steps: plan.steps.length,
      online,
      simulatedMs: machine.clock.now() - clockBefore,
      rssAfterSetupKb,
      maxRssKb: process.resourceUsage().maxRSS,
      journalBytes: fs.statSync(journal.file).size,
    };
  } finally {
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
}

function spawnChild(stateBase, extraNodeArgs = []) {
  const result = spawnSync(process.execPath, [...extraNodeArgs, SELF, '--child', stateBase], { encoding: 'utf8', maxBuffer: 16 * 2 ** 20 });
  if (result.status !== 0) throw new Error(`the benchmark run exited ${result.status}: ${result.stderr.slice(0, 4000)}`);
  return JSON.parse(result.stdout.trim().split('\n').pop());
}

async function parent() {
  const runs = runsFromArgs(5);
  const info = machineInfo();
  const locations = [{ label: 'disk', base: os.tmpdir() }];
  if (fs.existsSync('/dev/shm')) locations.push({ label: 'tmpfs', base: '/dev/shm' });
  for (const l of locations) {
    l.fs = filesystemType(l.base);
    l.name = l.fs === l.label ? l.label : `${l.label} (${l.fs})`;
  }

  // Warm-up: the page cache holds dist/ and node_modules/ after this.
  spawnChild(locations.at(-1).base);
  const samples = new Map(locations.map((l) => [l.label, []]));
  for (let i = 0; i < runs; i++) {
    for (const l of i % 2 === 0 ? locations : [...locations].reverse()) {
      const r = spawnChild(l.base);
      samples.get(l.label).push(r);
      console.log(`run ${i + 1}/${runs} state on ${l.label.padEnd(5)} apply ${ms(r.applyMs).padStart(10)} (plan ${ms(r.planMs)}, execute ${ms(r.executeMs)} of which journal ${ms(r.journalMs)}) peak ${mib(r.maxRssKb)}`);
    }
  }

  const first = samples.get(locations[0].label)[0];
  const rows = [];
  const verdicts = [];
  for (const l of locations) {
    const s = samples.get(l.label);
    const row = (label, key, format = ms) => {
      const m = summary(s.map((r) => r[key]));
      return [label, format(m.median), format(m.min), format(m.max)];
    };
    const apply = summary(s.map((r) => r.applyMs));
    verdicts.push(`${apply.median <= TARGET_MS ? 'met' : 'missed'} with the state directory on ${l.name}`);
    rows.push(
      row(`**apply, state on ${l.name}**`, 'applyMs'),
      row('  CPU time of the process during apply (user + sys)', 'applyCpuMs'),
      row('  plan: load, discover, place, rules, diff', 'planMs'),
      row('    of which discovery', 'discoverMs'),
      row('  execute: the steps, with the journal', 'executeMs'),
      row(`    of which journal appends (${first.journalAppends}, begin, intent, undo-intent and end fsync'd)`, 'journalMs'),
      row('  peak memory (maximum RSS of the process)', 'maxRssKb', mib),
    );
  }
  const all = [...samples.values()].flat();
  const setup = summary(all.map((r) => r.setupMs));
  const setupRss = summary(all.map((r) => r.rssAfterSetupKb));

  const body = [
    '## Machine',
    '',
    ...machineLines(info),
    '',
    '## Setup',
    '',
    `- Simulated machine: synthetic \`${BENCH_MACHINE}\` booted with \`${BENCH_CMDLINE}\` (4096 CPUs, 16 NUMA nodes, a 16G Parker CMA pool per node), built in memory by \`memorySimMachine\`.`,
    `- Layout: ${BENCH_KERNELS} kernels of 16 CPUs and 1G each (the bench/plan layout), as YAML text. The plan has ${first.steps} steps; all ${first.online} kernels are online at the end (checked).`,
    `- One run = one fresh \`node\` process: build the simulated machine (timed apart: the simulator's work, not parker's), then "apply": \`loadSpec\`, \`machineTopology\` (discovery), \`prepareLayout\`, \`diffLayout\`, then \`executePlan\` under the apply lock with a \`Journal\` in a new state directory (${first.journalAppends} appends, ${first.journalBytes} bytes).`,
    `- One warm-up run, then ${runs} runs per state-directory location, alternating. Wall time from \`process.hrtime\`; peak memory is the process's own maximum RSS (\`process.resourceUsage().maxRSS\`), which includes the simulated machine.`,
    `- Simulated time that passed (boots of ${BENCH_KERNELS} kernels, polling): ${(first.simulatedMs / 1000).toFixed(1)} s on the machine's clock, none of it waited for.`,
    '',
    '## Figures',
    '',
    table(['', 'median', 'min', 'max'], [
      ...rows,
      ['building the simulated machine (not in apply)', ms(setup.median), ms(setup.min), ms(setup.max)],
      ['  peak memory once it is built', mib(setupRss.median), mib(setupRss.min), mib(setupRss.max)],
    ]),
    '',
    `One journal append (write, fsync for announcing records), median: ${locations.map((l) => `${ms(summary(samples.get(l.label).map((r) => r.journalMs / r.journalAppends)).median)} on ${l.name}`).join(', ')}. fsync on a shared virtual disk swings by 10x with the other work on the machine, so the disk figures move with it.`,
    '',
    `Target (apply in ${TARGET_MS / 1000} s or less): ${verdicts.map((v) => `**${v.split(' ')[0]}** ${v.slice(v.indexOf(' ') + 1)}`).join('; ')}.`,
  ];

  if (hasFlag('--profile')) {
    const dir = fs.mkdtempSync(path.join(locations.at(-1).base, 'parker-bench-sim-profile-'));
    try {
      spawnChild(locations.at(-1).base, ['--cpu-prof', '--cpu-prof-dir', dir]);
      const [profile] = fs.readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
      body.push('', `## Profile of one run, state on ${locations.at(-1).label} (\`node --cpu-prof\`)`, '', profileTables(summarizeProfile(path.join(dir, profile), { top: 20 })));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  console.log(`\n${locations.map((l) => `state on ${l.label}: apply median ${ms(summary(samples.get(l.label).map((r) => r.applyMs)).median)}`).join('; ')}; target: ${verdicts.join('; ')}`);
  if (!hasFlag('--no-write')) {
    writeResults(path.join(HERE, 'RESULTS.md'), 'bench/sim results', body.join('\n'));
    console.log(`figures written to ${path.relative(REPO, path.join(HERE, 'RESULTS.md'))}`);
  }
}

const at = process.argv.indexOf('--child');
if (at >= 0) {
  const figures = await child(process.argv[at + 1]);
  console.log(JSON.stringify(figures));
} else {
  await parent();
}
