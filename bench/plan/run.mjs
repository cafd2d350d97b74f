// bench/plan: what `parker plan` costs a user on a 4096-CPU, 16-node synthetic machine with 255
// partitions. Headline: the whole process, cold, as a user runs it
//   parker plan layout.yaml --synthetic "<machine>"
// median of several runs, beside `node -e 0` (the floor: starting node) in the same run, and
// with --compare (the first-fit comparison). Target: 500 ms or less for the whole process.
// Underneath: where that process spends its time (V8 CPU profile of whole runs), and the
// in-process pieces, warm (load, place, command lines, rules, diff, first fit).
//
//   node bench/plan/run.mjs [--runs N] [--profile] [--no-write]
//
// --profile adds a table of the top functions of the warm in-process runs.
import { Session } from 'node:inspector/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as fs from 'node:fs';
import { syntheticMachine } from '../../dist/synthetic/tree.js';
import { discover } from '../../dist/topology/discover.js';
import { loadSpec } from '../../dist/spec/load-spec.js';
import { hasErrors } from '../../dist/spec/diagnostic.js';
import { prepareLayout } from '../../dist/validate/prepare-layout.js';
import { place } from '../../dist/plan/place.js';
import { buildCommandLines } from '../../dist/plan/command-lines.js';
import { validateLayout, RULES as ALL_RULES } from '../../dist/validate/validate.js';
import { diffLayout } from '../../dist/plan/diff.js';
import { firstFitScore } from '../../dist/plan/compare-placements.js';
import { parkerInterface } from '../../dist/interfaces/parker/index.js';
import {
  PARKER_BIN,
  hasGnuTime,
  mib,
  profileProcess,
  scriptArgv,
  wholeProcess,
  BENCH_CPUS_PER_KERNEL,
  BENCH_KERNELS,
  BENCH_MACHINE_WITH_CMDLINE,
  benchLayoutYaml,
  hasFlag,
  machineInfo,
  machineLines,
  NODE_START_VARIABLES,
  stockEnvironment,
  median,
  ms,
  profileTables,
  COMMON_STAGES,
  runsFromArgs,
  scratchDir,
  summarizeProfile,
  summary,
  table,
  timedSync,
  writeResults,
  summaryRow,
} from '../bench-support.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '../..');
const TARGET_MS = 500;
const runs = runsFromArgs(7);

const info = machineInfo();
const discovered = timedSync(() => discover(syntheticMachine(BENCH_MACHINE_WITH_CMDLINE)));
const topology = discovered.value;
const yaml = benchLayoutYaml();
const noObserved = { topology, partitions: [] };

/**
 * The whole of one run, as `parker plan` chains it. Returns the time of the whole and of
 * prepareLayout + diffLayout alone (the spec already loaded).
 */
function planOnce() {
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const loaded = loadSpec(yaml, 'bench.yaml');
  if (!loaded.spec || hasErrors(loaded.diagnostics)) throw new Error(`the benchmark layout does not load: ${JSON.stringify(loaded.diagnostics.slice(0, 3))}`);
  const t1 = process.hrtime.bigint();
  const prepared = prepareLayout({ kernelInterface: parkerInterface, spec: loaded.spec, topology });
  if (!prepared.resolved || hasErrors(prepared.diagnostics)) throw new Error(`the benchmark layout has errors: ${JSON.stringify(prepared.diagnostics.filter((d) => d.severity === 'error').slice(0, 3))}`);
  const plan = diffLayout(parkerInterface, prepared.resolved, noObserved);
  const t2 = process.hrtime.bigint();
  const cpu = process.cpuUsage(cpu0);
  return { total: Number(t2 - t0) / 1e6, fromSpec: Number(t2 - t1) / 1e6, cpu: (cpu.user + cpu.system) / 1000, prepared, plan };
}

/** The same work piece by piece; bootDependencies empty as prepareLayout's default. */
function piecesOnce() {
  const load = timedSync(() => loadSpec(yaml, 'bench.yaml'));
  const spec = load.value.spec;
  const placed = timedSync(() => place(spec, topology, { bootDependencies: new Map() }));
  const placement = placed.value.placement;
  const lines = timedSync(() => buildCommandLines(spec, placement, topology, parkerInterface.cmdline));
  const ctx = { spec, topology, placement, cmdlines: lines.value.cmdlines, boot: lines.value.boot, configs: new Map(), bootDependencies: new Map() };
  const perRule = new Map();
  for (const rule of ALL_RULES) perRule.set(rule.id, timedSync(() => validateLayout(ctx, [rule])).ms);
  const rules = [...perRule.values()].reduce((a, b) => a + b, 0);
  const resolved = { spec, placement, cmdlines: lines.value.cmdlines, boot: lines.value.boot };
  const diff = timedSync(() => diffLayout(parkerInterface, resolved, noObserved));
  const firstFit = timedSync(() => firstFitScore(spec, topology));
  return { load: load.ms, place: placed.ms, lines: lines.ms, rules, diff: diff.ms, firstFit: firstFit.ms, perRule };
}

// The whole process, as a user runs it: `node -e 0`, `parker plan` and `parker plan --compare`,
// in rotating order so that the machine's other work falls on all three alike.
const scratch = scratchDir('parker-bench-plan-');
const layoutFile = path.join(scratch, 'bench-255.yaml');
fs.writeFileSync(layoutFile, yaml);
const COMMANDS = [
  { key: 'floor', label: '`node -e 0` (the floor: starting node)', argv: [process.execPath, '-e', '0'] },
  { key: 'plan', label: '**`parker plan`, whole process**', argv: [PARKER_BIN, 'plan', layoutFile, '--synthetic', BENCH_MACHINE_WITH_CMDLINE] },
  { key: 'compare', label: '`parker plan --compare`, whole process', argv: [PARKER_BIN, 'plan', layoutFile, '--synthetic', BENCH_MACHINE_WITH_CMDLINE, '--compare'] },
];
const processRuns = new Map(COMMANDS.map((c) => [c.key, []]));
for (const c of COMMANDS) wholeProcess(c.argv, { scratch }); // warm-up: the page cache holds node, dist/ and node_modules/
for (let i = 0; i < runs; i++) {
  const order = COMMANDS.map((_, j) => COMMANDS[(i + j) % COMMANDS.length]);
  for (const c of order) processRuns.get(c.key).push(wholeProcess(c.argv, { scratch }));
  console.log(`process run ${i + 1}/${runs}: ${COMMANDS.map((c) => `${c.key} ${ms(processRuns.get(c.key).at(-1).wallMs)}`).join(', ')}`);
}
const planBytes = processRuns.get('plan')[0].stdoutBytes;

// The interactive commands on the default simulated server, with examples/default.yaml applied
// (untimed), and validate as a user's first command, before any machine is made: each a whole
// process, beside `node -e 0`, in rotating order.
const INTERACTIVE_TARGET_MS = 120;
// parker refuses state directories under /dev, where the scratch directory is: the disk's temporary directory.
const simState = fs.mkdtempSync(path.join(os.tmpdir(), 'parker-bench-interactive-'));
wholeProcess([PARKER_BIN, 'apply', path.join(REPO, 'examples/default.yaml'), '--state-dir', simState], { scratch });
// A user's first command finds no simulated machine yet: parker makes the default server in
// memory for it and writes nothing until something changes it, so this directory stays absent.
const firstParent = fs.mkdtempSync(path.join(os.tmpdir(), 'parker-bench-first-'));
const newState = path.join(firstParent, 'state');
// Beside them, without a target: the CLI's entry chunk loaded through the code cache, nothing
// run; and `status` with every chunk compiled from its text (the recording mode of
// bin/load-bundle.js reads no cache), to show what the cache saves.
const LOADER = JSON.stringify(path.join(REPO, 'bin/load-bundle.js'));
const UNCACHED_STATUS = `require(${LOADER}).loadBundle(undefined, { record: true }).main(['node', 'parker', 'status', '--state-dir', ${JSON.stringify(simState)}]).then((code) => process.exit(code));`;
const INTERACTIVE = [
  { key: 'floor', label: '`node -e 0`', argv: [process.execPath, '-e', '0'], noTarget: true },
  { key: 'entry', label: "loading the CLI's entry chunk through the code cache, nothing run (`loadBundle()`)", argv: [process.execPath, '-e', `require(${LOADER}).loadBundle();`], noTarget: true },
  { key: 'uncached', label: '`parker status` with no code cache (every chunk compiled from its text)', argv: [process.execPath, '-e', UNCACHED_STATUS], noTarget: true },
  { key: 'version', label: '`parker --version`', argv: [PARKER_BIN, '--version'] },
  { key: 'status', label: '`parker status`', argv: [PARKER_BIN, 'status', '--state-dir', simState] },
  { key: 'console', label: '`parker console db`', argv: [PARKER_BIN, 'console', 'db', '--state-dir', simState] },
  { key: 'validate', label: '`parker validate examples/default.yaml`', argv: [PARKER_BIN, 'validate', path.join(REPO, 'examples/default.yaml'), '--state-dir', simState] },
  { key: 'first', label: '`parker validate examples/default.yaml` as the first command (no simulated machine made yet)', argv: [PARKER_BIN, 'validate', path.join(REPO, 'examples/default.yaml'), '--state-dir', newState] },
  // The same validate with node started by hand: node then reads its start-up variables itself.
  { key: 'byHand', label: '`node bin/parker.js validate examples/default.yaml` (node started by hand, not through the bin)', argv: [process.execPath, PARKER_BIN, 'validate', path.join(REPO, 'examples/default.yaml'), '--state-dir', simState], noTarget: true },
];
// Twice the rounds: these processes are short, and a neighbour's burst moves a median of 7.
const interactiveRounds = 2 * runs;
// Each in a stock environment (this one without node's start-up variables: a server's shell
// sets none), and, when this machine sets some, also as given, in the same rounds.
const ENVIRONMENTS = [{ key: 'stock', env: stockEnvironment() }, ...(info.nodeStartVariables.length ? [{ key: 'given', env: process.env }] : [])];
const runKey = (environment, command) => `${environment}:${command}`;
const interactiveRuns = new Map(ENVIRONMENTS.flatMap((e) => INTERACTIVE.map((c) => [runKey(e.key, c.key), []])));
for (const e of ENVIRONMENTS) for (const c of INTERACTIVE) wholeProcess(c.argv, { scratch, env: e.env });
for (let i = 0; i < interactiveRounds; i++) {
  for (const e of i % 2 ? [...ENVIRONMENTS].reverse() : ENVIRONMENTS) {
    const order = INTERACTIVE.map((_, j) => INTERACTIVE[(i + j) % INTERACTIVE.length]);
    for (const c of order) interactiveRuns.get(runKey(e.key, c.key)).push(wholeProcess(c.argv, { scratch, env: e.env }));
  }
}
const interactiveWall = (environment, command) => summary(interactiveRuns.get(runKey(environment, command)).map((r) => r.wallMs));
for (const e of ENVIRONMENTS) console.log(`interactive (${e.key} environment): ${INTERACTIVE.map((c) => `${c.key} ${ms(interactiveWall(e.key, c.key).median)}`).join(', ')}`);
const verdict = (wall) => (wall.median <= INTERACTIVE_TARGET_MS ? 'met' : 'missed');
const givenVariables = info.nodeStartVariables.join(' and ');

// Where the whole process spends its time: inclusive time of the CLI's stages in V8 CPU
// profiles of whole runs (the profiler adds a little to each).
const STAGES = {
  ...COMMON_STAGES,
  main: /^main .*dist\/(cli\/main\.js|bundle\/main\.cjs)/,
  render: /^printData /,
};
const profiled = [];
for (let i = 0; i < Math.min(runs, 5); i++) profiled.push(profileProcess(scriptArgv(COMMANDS[1].argv), STAGES, { scratch, env: stockEnvironment() }));
const stage = (key) => summary(profiled.map((p) => p.parts[key]));
const unsampled = summary(profiled.map((p) => p.wallMs - p.sampledMs));
// The same for the interactive commands that miss or nearly miss their target.
const INTERACTIVE_PROFILED = INTERACTIVE.filter((c) => c.key === 'status' || c.key === 'validate' || c.key === 'first');
const interactiveProfiles = new Map(INTERACTIVE_PROFILED.map((c) => [c.key, []]));
for (let i = 0; i < 5; i++) for (const c of INTERACTIVE_PROFILED) interactiveProfiles.get(c.key).push(profileProcess(scriptArgv(c.argv), STAGES, { scratch, env: ENVIRONMENTS[0].env, okCodes: [0] }));
fs.rmSync(scratch, { recursive: true, force: true });
fs.rmSync(simState, { recursive: true, force: true });
const firstWrote = fs.existsSync(newState);
fs.rmSync(firstParent, { recursive: true, force: true });
if (firstWrote) throw new Error(`${newState} was made: validate as the first command was to write nothing`);

const cold = planOnce();
const { prepared, plan } = cold;
const runsDone = [];
const pieces = [];
for (let i = 0; i < runs; i++) {
  const run = planOnce();
  runsDone.push(run);
  pieces.push(piecesOnce());
  console.log(`run ${i + 1}/${runs} ${ms(run.total).padStart(10)} (CPU ${ms(run.cpu)}, prepare + diff ${ms(run.fromSpec)})`);
}

const total = summary(runsDone.map((r) => r.total));
const wholePlan = summary(processRuns.get('plan').map((r) => r.wallMs));
const verdictWhole = wholePlan.median <= TARGET_MS ? 'met' : 'missed';
const fromSpec = summary(runsDone.map((r) => r.fromSpec));
const cpuTotal = summary(runsDone.map((r) => r.cpu));

const part = (key) => summary(pieces.map((p) => p[key]));
const ruleMedians = ALL_RULES.map((r) => [r.id, median(pieces.map((p) => p.perRule.get(r.id)))]).sort((a, b) => b[1] - a[1]);
const placement = prepared.resolved.placement;
const warnings = prepared.diagnostics.filter((d) => d.severity === 'warning');
const byRule = new Map();
for (const d of warnings) byRule.set(d.rule, (byRule.get(d.rule) ?? 0) + 1);

const row = summaryRow;
const body = [
  '## Machine',
  '',
  ...machineLines(info),
  '',
  '## Setup',
  '',
  `- Synthetic machine \`${BENCH_MACHINE_WITH_CMDLINE}\`: ${topology.cpu.length} CPUs, ${topology.nodes.length} NUMA nodes, ${topology.caches.filter((c) => c.level === 3).length} L3 caches, parker_cma= giving each node a 16G pool.`,
  `- Layout: ${BENCH_KERNELS} kernels of \`cpus: { count: ${BENCH_CPUS_PER_KERNEL} }\` (packed, whole cores) and 1G each, a YAML file; the boot kernel keeps the ${placement.boot.cpus.length} CPUs left. Result: ${plan.steps.length} steps, ${prepared.diagnostics.length} findings (0 errors; warnings: ${[...byRule].map(([r, n]) => `${r} ${n}`).join(', ') || 'none'}), boot-kernel changes: ${plan.bootChanges.map((p) => `${p.key}=${p.value}`).join(' ') || 'none'}.`,
  `- Whole process: \`parker plan FILE --synthetic "<machine>"\` as a user runs it (bin/parker.js run as a program, as the installed \`parker\` is: its first line starts node), cold (a new process each time: start node, load the modules, build the machine's sysfs tree in memory and discover it, read and check the layout, place, validate, plan, print ${(planBytes / 1024).toFixed(0)} KiB of plan to a file). One warm-up of each command, then ${runs} rounds of the three commands in rotating order, in this machine's environment as given${info.nodeStartVariables.length ? ` (with ${info.nodeStartVariables.join(' and ')}: see below)` : ''}. Wall time from spawn to exit; CPU time and peak memory from GNU time${hasGnuTime ? '' : ' (not installed here: n/a)'}.`,
  '',
  '## The whole process',
  '',
  table(
    ['', 'median', 'min', 'max'],
    [
      row(COMMANDS[1].label, processRuns.get('plan').map((r) => r.wallMs)),
      row('  CPU time (user + sys)', processRuns.get('plan').map((r) => r.cpuMs)),
      row('  peak memory', processRuns.get('plan').map((r) => r.maxRssKb), mib),
      row(COMMANDS[0].label, processRuns.get('floor').map((r) => r.wallMs)),
      row(COMMANDS[2].label, processRuns.get('compare').map((r) => r.wallMs)),
    ],
  ),
  '',
  `Target (whole \`parker plan\`, median ${TARGET_MS} ms or less): **${verdictWhole}** (${ms(wholePlan.median)}; \`node -e 0\` ${ms(summary(processRuns.get('floor').map((r) => r.wallMs)).median)} in the same rounds).`,
  '',
  `### Where the process spends its time (${profiled.length} profiled runs, \`node --cpu-prof\`${givenVariables ? `, in the stock environment (node started by hand would read ${givenVariables})` : ''}; inclusive times of the samples, medians; stages overlap: the garbage collector runs within them)`,
  '',
  table(
    ['stage', 'median', 'min', 'max'],
    [
      ['profiled run, wall', ms(summary(profiled.map((p) => p.wallMs)).median), ms(summary(profiled.map((p) => p.wallMs)).min), ms(summary(profiled.map((p) => p.wallMs)).max)],
      ['in no sample: starting node, exiting, waiting for a CPU', ms(unsampled.median), ms(unsampled.min), ms(unsampled.max)],
      ["loading the bundle's chunks (the bundle's loader and node's, the code cache, their top-level code)", ...['median', 'min', 'max'].map((k) => ms(stage('modules')[k]))],
      ['`main` (the command)', ...['median', 'min', 'max'].map((k) => ms(stage('main')[k]))],
      ['  `openMachine`: build the synthetic sysfs tree', ...['median', 'min', 'max'].map((k) => ms(stage('open')[k]))],
      ['  `machineTopology`: discover it', ...['median', 'min', 'max'].map((k) => ms(stage('discover')[k]))],
      ['  `loadSpec`: YAML, schema, spec checks', ...['median', 'min', 'max'].map((k) => ms(stage('load')[k]))],
      ['  `prepareLayout`: place, command lines, rules', ...['median', 'min', 'max'].map((k) => ms(stage('prepare')[k]))],
      ['  `diffLayout`: the steps', ...['median', 'min', 'max'].map((k) => ms(stage('diff')[k]))],
      ['  `printData`: render the plan as a table', ...['median', 'min', 'max'].map((k) => ms(stage('render')[k]))],
      ['garbage collector (within the above)', ...['median', 'min', 'max'].map((k) => ms(stage('gc')[k]))],
    ],
  ),
  '',
  '## Interactive commands on the default server',
  '',
  `Each a whole process on the built-in simulated server with examples/default.yaml applied (the first command's: on none made yet), ${interactiveRounds} rounds in rotating order after one warm-up each, run as a user runs \`parker\`: bin/parker.js as a program, whose first line starts node. Target: ${INTERACTIVE_TARGET_MS} ms or less (median wall), in a stock environment (this one without ${NODE_START_VARIABLES.join(' and ')}, which node reads at its own start and stock Debian does not set) and in this machine's.${
    givenVariables
      ? ` This machine's environment sets ${givenVariables}: the last columns are the same commands with it, in the same rounds. With NODE_EXTRA_CA_CERTS, node 20 builds its whole certificate store before running any code (nodejs/node#40524), \`node -e 0\` included; parker makes no TLS connection, and its bin starts node without the variable (and puts it back for the programs parker starts), so its commands do not pay for it. Started by hand (\`node bin/parker.js\`, the last row), node reads it.`
      : ''
  }`,
  '',
  table(
    ['command', 'median wall', 'min', 'max', 'median CPU (user + sys)', 'target', ...(givenVariables ? [`median wall with ${givenVariables}`, 'target'] : [])],
    [
      ...INTERACTIVE.map((c) => {
        const w = interactiveWall('stock', c.key);
        const cpu = summary(interactiveRuns.get(runKey('stock', c.key)).map((r) => r.cpuMs));
        const given = givenVariables ? [ms(interactiveWall('given', c.key).median), c.noTarget ? '' : verdict(interactiveWall('given', c.key))] : [];
        return [c.label, ms(w.median), ms(w.min), ms(w.max), ms(cpu.median), c.noTarget ? '' : verdict(w), ...given];
      }),
    ],
  ),
  '',
  "What parker adds to starting node (median wall minus `node -e 0`'s median, in the stock environment: there both start node alike):",
  '',
  table(
    ['command', 'stock environment'],
    INTERACTIVE.filter((c) => !c.noTarget).map((c) => [c.label, ms(interactiveWall('stock', c.key).median - interactiveWall('stock', 'floor').median)]),
  ),
  '',
  `Where they spend their time (5 profiled runs each, \`node --cpu-prof\`, in the stock environment; inclusive times of the samples, medians; stages overlap):`,
  '',
  table(
    ['stage', ...INTERACTIVE_PROFILED.map((c) => c.label)],
    [
      ['profiled run, wall', (p) => p.wallMs],
      ['in no sample: starting node, exiting, waiting for a CPU', (p) => p.wallMs - p.sampledMs],
      ["loading the bundle's chunks (the bundle's loader and node's, the code cache, their top-level code)", (p) => p.parts.modules],
      ['`main` (the command)', (p) => p.parts.main],
      ['  `openMachine`: open the simulated server (its tree, its op log replayed)', (p) => p.parts.open],
      ['  `machineTopology`: its live topology', (p) => p.parts.discover],
      ['  `loadSpec`: YAML, schema, spec checks', (p) => p.parts.load],
      ['  `prepareLayout`: place, command lines, rules', (p) => p.parts.prepare],
      ['  `printData`: render the output', (p) => p.parts.render],
      ['garbage collector (within the above)', (p) => p.parts.gc],
    ].map(([label, value]) => [label, ...INTERACTIVE_PROFILED.map((c) => ms(median(interactiveProfiles.get(c.key).map(value))))]),
  ),
  '',
  '## In the process, warm',
  '',
  `The same work from the YAML text to the plan, in this process, the machine discovered once (${ms(discovered.ms)}, not timed): one cold first run, then ${runs} runs, each followed by its pieces timed one by one (their medians need not add up to the total).`,
  '',
  table(
    ['', 'median', 'min', 'max'],
    [
      ['total: YAML text to plan', ms(total.median), ms(total.min), ms(total.max)],
      ['total, CPU time of the process (user + sys)', ms(cpuTotal.median), ms(cpuTotal.min), ms(cpuTotal.max)],
      ['prepareLayout + diffLayout (spec already loaded)', ms(fromSpec.median), ms(fromSpec.min), ms(fromSpec.max)],
      ['first run, total (cold JIT, not in the median)', ms(cold.total), '', ''],
      ...[
        ['load: YAML + schema + spec checks', 'load'],
        ['place', 'place'],
        ['command lines', 'lines'],
        ['validation rules (all)', 'rules'],
        ['diff', 'diff'],
        ['first-fit placement (only with `plan --compare`; not in the total)', 'firstFit'],
      ].map(([label, key]) => {
        const p = part(key);
        return [label, ms(p.median), ms(p.min), ms(p.max)];
      }),
    ],
  ),
  '',
  'Slowest validation rules (median of each rule run alone):',
  '',
  table(['rule', 'median'], ruleMedians.slice(0, 8).map(([id, t]) => [`\`${id}\``, ms(t)])),
];

if (hasFlag('--profile')) {
  const scratch = scratchDir('parker-bench-plan-');
  try {
    const session = new Session();
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
    for (let i = 0; i < 3; i++) planOnce();
    const { profile } = await session.post('Profiler.stop');
    session.disconnect();
    const file = path.join(scratch, 'plan.cpuprofile');
    fs.writeFileSync(file, JSON.stringify(profile));
    body.push('', '## Profile of 3 warm runs (V8 CPU profiler)', '', profileTables(summarizeProfile(file, { top: 20 })));
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

console.log(`interactive target (${INTERACTIVE_TARGET_MS} ms): ${ENVIRONMENTS.map((e) => `${e.key} environment: ${INTERACTIVE.filter((c) => !c.noTarget).map((c) => `${c.key} ${verdict(interactiveWall(e.key, c.key))}`).join(', ')}`).join('; ')}`);
console.log(`\nwhole parker plan: median ${ms(wholePlan.median)} (node -e 0 ${ms(summary(processRuns.get('floor').map((r) => r.wallMs)).median)}, --compare ${ms(summary(processRuns.get('compare').map((r) => r.wallMs)).median)}): target ${verdictWhole}; in-process warm ${ms(total.median)}, cold ${ms(cold.total)}`);
if (!hasFlag('--no-write')) {
  writeResults(path.join(HERE, 'RESULTS.md'), 'bench/plan results', body.join('\n'));
  console.log(`figures written to ${path.relative(REPO, path.join(HERE, 'RESULTS.md'))}`);
}
