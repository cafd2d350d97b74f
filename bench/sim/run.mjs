// bench/sim: what `parker apply` costs a user on the simulated 4096-CPU, 16-node machine, from
// empty to 255 running kernels. Headline: the whole process, cold, as a user runs it
//   parker apply layout.yaml --machine sim --state-dir DIR
// (the simulator made beforehand with `parker sim create --synthetic "<machine>"`, untimed),
// median of several runs, beside `node -e 0` in the same rounds, with the state directory on
// disk and on tmpfs (the journal and the simulator's op log are written there). Target: 1.5 s
// or less. Simulated boot time passes on the machine's clock without waiting. Underneath: where
// the process spends its time (V8 CPU profiles of whole runs), and the in-process pieces with
// the simulator in memory and no op log (one fresh process per run).
//
//   node bench/sim/run.mjs [--runs N] [--profile] [--no-write]
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  BENCH_MACHINE_WITH_CMDLINE,
  PARKER_BIN,
  hasGnuTime,
  profileProcess,
  scratchDir,
  stockEnvironment,
  wholeProcess,
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
  COMMON_STAGES,
  framePattern,
  runsFromArgs,
  summarizeProfile,
  summary,
  table,
  timed,
  timedSync,
  writeResults,
  summaryRow,
} from '../bench-support.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '../..');
const SELF = fileURLToPath(import.meta.url);
const TARGET_MS = 1500;

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

/** What a user's `parker apply` process spends its time on (inclusive times in a CPU profile). */
const STAGES = {
  ...COMMON_STAGES,
  // After its first await a step runs under runTransaction's frame, not executePlan's.
  execute: /^(executePlan|runSteps|runTransaction|undoSteps) /,
  journal: framePattern('append', 'Journal = class', 'apply/journal'),
  simLog: framePattern('append', 'SimStore = class', 'machines/sim/sim-store'),
};

async function parent() {
  const runs = runsFromArgs(5);
  const info = machineInfo();
  const locations = [{ label: 'disk', base: os.tmpdir() }];
  // parker refuses state directories under /dev: the tmpfs one is reached through a symbolic link
  // in the temporary directory.
  let shm = null;
  if (fs.existsSync('/dev/shm')) {
    shm = { target: fs.mkdtempSync('/dev/shm/parker-bench-sim-'), link: path.join(os.tmpdir(), `parker-bench-shm-${process.pid}`) };
    fs.rmSync(shm.link, { force: true });
    fs.symlinkSync(shm.target, shm.link);
    locations.push({ label: 'tmpfs', base: shm.link });
  }
  for (const l of locations) {
    l.fs = filesystemType(l.base);
    l.name = l.fs === l.label ? l.label : `${l.label} (${l.fs})`;
  }

  // A simulator made once per location (untimed); every measured apply gets a fresh copy of it.
  const layoutDir = scratchDir('parker-bench-sim-layout-');
  const layoutFile = path.join(layoutDir, 'bench-255.yaml');
  fs.writeFileSync(layoutFile, benchLayoutYaml());
  for (const l of locations) {
    l.template = fs.mkdtempSync(path.join(l.base, 'parker-bench-sim-template-'));
    wholeProcess([PARKER_BIN, 'sim', 'create', '--synthetic', BENCH_MACHINE_WITH_CMDLINE, '--state-dir', l.template], { scratch: layoutDir });
  }
  const fresh = (l) => {
    const dir = fs.mkdtempSync(path.join(l.base, 'parker-bench-sim-state-'));
    fs.cpSync(l.template, dir, { recursive: true });
    return dir;
  };
  const applyArgv = (dir) => [PARKER_BIN, 'apply', layoutFile, '--machine', 'sim', '--state-dir', dir];
  const applyOnce = (l) => {
    const dir = fresh(l);
    try {
      return wholeProcess(applyArgv(dir), { scratch: layoutDir, label: 'parker apply' });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };

  try {
    // Warm-up: the page cache holds node, dist/ and node_modules/ after this.
    applyOnce(locations.at(-1));
    const floor = [];
    const whole = new Map(locations.map((l) => [l.label, []]));
    for (let i = 0; i < runs; i++) {
      floor.push(wholeProcess([process.execPath, '-e', '0'], { scratch: layoutDir }));
      for (const l of i % 2 === 0 ? locations : [...locations].reverse()) {
        const r = applyOnce(l);
        whole.get(l.label).push(r);
        console.log(`run ${i + 1}/${runs} state on ${l.label.padEnd(5)} whole apply ${ms(r.wallMs).padStart(10)} (CPU ${ms(r.cpuMs)}, peak ${mib(r.maxRssKb)}); node -e 0 ${ms(floor.at(-1).wallMs)}`);
      }
    }

    // Where the time goes, per location.
    const profiles = new Map();
    for (const l of locations) {
      const list = [];
      for (let i = 0; i < Math.min(runs, 3); i++) {
        const dir = fresh(l);
        try {
          list.push(profileProcess(applyArgv(dir), STAGES, { scratch: layoutDir, env: stockEnvironment() }));
        } finally {
          fs.rmSync(dir, { recursive: true, force: true });
        }
      }
      profiles.set(l.label, list);
    }

    // In the process: the simulator in memory, no op log; one fresh process per run (the earlier headline).
    spawnChild(locations.at(-1).base);
    const samples = new Map(locations.map((l) => [l.label, []]));
    const childRuns = Math.min(runs, 3);
    for (let i = 0; i < childRuns; i++) {
      for (const l of i % 2 === 0 ? locations : [...locations].reverse()) samples.get(l.label).push(spawnChild(l.base));
    }

    const row = summaryRow;
    const verdicts = locations.map((l) => {
      const m = summary(whole.get(l.label).map((r) => r.wallMs)).median;
      return `**${m <= TARGET_MS ? 'met' : 'missed'}** with the state directory on ${l.name} (${ms(m)})`;
    });
    const first = samples.get(locations[0].label)[0];
    const stageRows = (label) => {
      const list = profiles.get(label);
      const part = (key) => list.map((p) => p.parts[key]);
      return [
        row(`state on ${label}: profiled run, wall`, list.map((p) => p.wallMs)),
        row('  in no sample: starting node, exiting, waiting for a CPU', list.map((p) => p.wallMs - p.sampledMs)),
        row("  loading the bundle's chunks (the bundle's loader and node's, the code cache, their top-level code)", part('modules')),
        row('  `openMachine`: load the simulator from its state directory', part('open')),
        row('  `machineTopology`: discover the simulated machine', part('discover')),
        row('  `loadSpec`: YAML, schema, spec checks', part('load')),
        row('  `prepareLayout`: place, command lines, rules', part('prepare')),
        row('  `diffLayout`: the steps', part('diff')),
        row('  the steps (`executePlan` and what it calls), with the journal', part('execute')),
        row('    of which journal appends (fsync included)', part('journal')),
        row("    of which the simulator's op log", part('simLog')),
        row('  garbage collector (within the above)', part('gc')),
      ];
    };

    const body = [
      '## Machine',
      '',
      ...machineLines(info),
      '',
      '## Setup',
      '',
      `- Simulated machine: \`parker sim create --synthetic '${BENCH_MACHINE_WITH_CMDLINE}'\` (4096 CPUs, 16 NUMA nodes, a 16G Parker CMA pool per node), made once per location, untimed; each measured apply starts from a fresh copy of that state directory.`,
      `- Layout: ${BENCH_KERNELS} kernels of 16 CPUs and 1G each (the bench/plan layout), a YAML file. The plan has ${first.steps} steps; all ${first.online} kernels are online at the end (checked in the in-process runs; the whole apply exits 0).`,
      `- Whole process: \`parker apply FILE --machine sim --state-dir DIR\`, cold, as a user runs it (bin/parker.js run as a program, as the installed \`parker\` is: its first line starts node; progress lines go to a file). One warm-up, then ${runs} rounds: \`node -e 0\`, then one apply per location (disk and tmpfs, alternating which goes first). Wall time from spawn to exit; CPU time and peak memory from GNU time${hasGnuTime ? '' : ' (not installed here: n/a)'}.`,
      `- Simulated time that passed (boots of ${BENCH_KERNELS} kernels, polling): ${(first.simulatedMs / 1000).toFixed(1)} s on the machine's clock, none of it waited for.`,
      '',
      '## The whole process',
      '',
      table(['', 'median', 'min', 'max'], [
        row('`node -e 0` (the floor: starting node)', floor.map((r) => r.wallMs)),
        ...locations.flatMap((l) => [
          row(`**\`parker apply\`, whole process, state on ${l.name}**`, whole.get(l.label).map((r) => r.wallMs)),
          row('  CPU time (user + sys)', whole.get(l.label).map((r) => r.cpuMs)),
          row('  peak memory', whole.get(l.label).map((r) => r.maxRssKb), mib),
        ]),
      ]),
      '',
      `Target (whole \`parker apply\`, median ${TARGET_MS / 1000} s or less): ${verdicts.join('; ')}.`,
      '',
      `### Where the process spends its time (${Math.min(runs, 3)} profiled runs per location, \`node --cpu-prof\`${info.nodeStartVariables.length ? ', in the stock environment (node started by hand would read ' + info.nodeStartVariables.join(' and ') + ')' : ''}; inclusive times of the samples, medians)`,
      '',
      table(['stage', 'median', 'min', 'max'], locations.flatMap((l) => stageRows(l.label))),
      '',
      'A sample names the code the process is in, also while it waits in a system call: the journal appends include their fsyncs. Stages overlap (the garbage collector runs within them).',
      '',
      '## In the process: the simulator in memory, no op log',
      '',
      `${childRuns} fresh processes per location (the headline of earlier versions of this benchmark): each builds the machine as an in-memory simulator (\`memorySimMachine\`, timed apart), then loads the layout, discovers, prepares, diffs and runs \`executePlan\` under the apply lock with a \`Journal\` (${first.journalAppends} appends, ${first.journalBytes} bytes) in a new state directory.`,
      '',
      table(['', 'median', 'min', 'max'], [
        ...locations.flatMap((l) => {
          const s = samples.get(l.label);
          return [
            row(`apply in the process, state on ${l.name}`, s.map((r) => r.applyMs)),
            row('  plan: load, discover, place, rules, diff', s.map((r) => r.planMs)),
            row('    of which discovery', s.map((r) => r.discoverMs)),
            row('  execute: the steps, with the journal', s.map((r) => r.executeMs)),
            row('    of which journal appends', s.map((r) => r.journalMs)),
          ];
        }),
        row('building the simulated machine in memory (not in apply)', [...samples.values()].flat().map((r) => r.setupMs)),
      ]),
    ];

    if (hasFlag('--profile')) {
      const dir = fs.mkdtempSync(path.join(locations.at(-1).base, 'parker-bench-sim-profile-'));
      try {
        spawnChild(locations.at(-1).base, ['--cpu-prof', '--cpu-prof-dir', dir]);
        const [profile] = fs.readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
        body.push('', `## Profile of one in-process run, state on ${locations.at(-1).label} (\`node --cpu-prof\`)`, '', profileTables(summarizeProfile(path.join(dir, profile), { top: 20 })));
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }

    console.log(`\nwhole parker apply: ${locations.map((l) => `state on ${l.label} median ${ms(summary(whole.get(l.label).map((r) => r.wallMs)).median)}`).join('; ')}; node -e 0 ${ms(summary(floor.map((r) => r.wallMs)).median)}; target: ${verdicts.join('; ').replaceAll('**', '')}`);
    if (!hasFlag('--no-write')) {
      writeResults(path.join(HERE, 'RESULTS.md'), 'bench/sim results', body.join('\n'));
      console.log(`figures written to ${path.relative(REPO, path.join(HERE, 'RESULTS.md'))}`);
    }
  } finally {
    fs.rmSync(layoutDir, { recursive: true, force: true });
    for (const l of locations) if (l.template) fs.rmSync(l.template, { recursive: true, force: true });
    if (shm) {
      fs.rmSync(shm.link, { force: true });
      fs.rmSync(shm.target, { recursive: true, force: true });
    }
  }
}

const at = process.argv.indexOf('--child');
if (at >= 0) {
  const figures = await child(process.argv[at + 1]);
  console.log(JSON.stringify(figures));
} else {
  await parent();
}
