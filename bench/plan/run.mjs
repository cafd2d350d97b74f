// bench/plan: validate + place + plan a 4096-CPU, 16-node synthetic machine into 255
// partitions, in-process, median of several runs. Target: 100 ms or less.
//
//   node bench/plan/run.mjs [--runs N] [--profile] [--no-write]
//
// One run is what `parker plan` does between reading the file and printing: load the layout
// (YAML, schema, spec checks), place, generate command lines, run the validation rules, diff
// against the machine's partitions (none). Discovery is done once, untimed. Each piece is also
// timed on its own, to say where the time goes. --profile records a V8 CPU profile of extra runs.
import { Session } from 'node:inspector/promises';
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
import { compareWithFirstFit } from '../../dist/plan/compare-placements.js';
import { parkerInterface } from '../../dist/interfaces/parker/index.js';
import {
  BENCH_CPUS_PER_KERNEL,
  BENCH_KERNELS,
  BENCH_MACHINE_WITH_CMDLINE,
  benchLayoutYaml,
  hasFlag,
  machineInfo,
  machineLines,
  median,
  ms,
  profileTables,
  runsFromArgs,
  scratchDir,
  summarizeProfile,
  summary,
  table,
  timedSync,
  writeResults,
} from '../bench-support.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '../..');
const TARGET_MS = 100;
const runs = runsFromArgs(9);

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
  const firstFit = timedSync(() => compareWithFirstFit(spec, topology));
  return { load: load.ms, place: placed.ms, lines: lines.ms, rules, diff: diff.ms, firstFit: firstFit.ms, perRule };
}

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
const fromSpec = summary(runsDone.map((r) => r.fromSpec));
const cpuTotal = summary(runsDone.map((r) => r.cpu));
const verdictOf = (s) => (s.median <= TARGET_MS ? 'met' : 'missed');
const verdict = verdictOf(total);
const part = (key) => summary(pieces.map((p) => p[key]));
const ruleMedians = ALL_RULES.map((r) => [r.id, median(pieces.map((p) => p.perRule.get(r.id)))]).sort((a, b) => b[1] - a[1]);
const placement = prepared.resolved.placement;
const warnings = prepared.diagnostics.filter((d) => d.severity === 'warning');
const byRule = new Map();
for (const d of warnings) byRule.set(d.rule, (byRule.get(d.rule) ?? 0) + 1);

const body = [
  '## Machine',
  '',
  ...machineLines(info),
  '',
  '## Setup',
  '',
  `- Synthetic machine \`${BENCH_MACHINE_WITH_CMDLINE}\`: ${topology.cpu.length} CPUs, ${topology.nodes.length} NUMA nodes, ${topology.caches.filter((c) => c.level === 3).length} L3 caches, parker_cma= giving each node a 16G pool. Discovered once in memory (${ms(discovered.ms)}, not timed below).`,
  `- Layout: ${BENCH_KERNELS} kernels of \`cpus: { count: ${BENCH_CPUS_PER_KERNEL} }\` (packed, whole cores) and 1G each, as YAML text; the boot kernel keeps the ${placement.boot.cpus.length} CPUs left. Result: ${plan.steps.length} steps, ${prepared.diagnostics.length} findings (0 errors; warnings: ${[...byRule].map(([r, n]) => `${r} ${n}`).join(', ')}), boot-kernel changes: ${plan.bootChanges.map((p) => `${p.key}=${p.value}`).join(' ') || 'none'}.`,
  `- One run: \`loadSpec\` (YAML, schema, spec checks) + \`prepareLayout\` (place, command lines, rules) + \`diffLayout\` against no partitions, in this process. One cold run first (reported on its own, not in the median), then ${runs} runs. After each run the same work is timed piece by piece (the pieces' medians need not add up to the total's). CPU time (\`process.cpuUsage\`) is given beside wall time: on a shared machine it depends less on what else runs (it counts the garbage collector's helper threads too).`,
  '',
  '## Figures',
  '',
  table(
    ['', 'median', 'min', 'max'],
    [
      ['**total: YAML text to plan**', `**${ms(total.median)}**`, ms(total.min), ms(total.max)],
      ['total, CPU time of the process (user + sys)', ms(cpuTotal.median), ms(cpuTotal.min), ms(cpuTotal.max)],
      ['prepareLayout + diffLayout (spec already loaded)', ms(fromSpec.median), ms(fromSpec.min), ms(fromSpec.max)],
      ['first run, total (cold JIT, not in the median)', ms(cold.total), '', ''],
      ...[
        ['load: YAML + schema + spec checks', 'load'],
        ['place', 'place'],
        ['command lines', 'lines'],
        ['validation rules (all)', 'rules'],
        ['diff', 'diff'],
        ['first-fit comparison (`parker plan` and `apply` also run it, for the report; not in the total)', 'firstFit'],
      ].map(([label, key]) => {
        const s = part(key);
        return [label, ms(s.median), ms(s.min), ms(s.max)];
      }),
    ],
  ),
  '',
  `Target (median ${TARGET_MS} ms or less): **${verdict}** for the total, **${verdictOf(fromSpec)}** for prepareLayout + diffLayout alone.`,
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

console.log(`\nmedian ${ms(total.median)} (CPU ${ms(cpuTotal.median)}; prepare + diff ${ms(fromSpec.median)}; cold ${ms(cold.total)}): target ${verdict}; pieces: load ${ms(part('load').median)}, place ${ms(part('place').median)}, command lines ${ms(part('lines').median)}, rules ${ms(part('rules').median)}, diff ${ms(part('diff').median)}`);
if (!hasFlag('--no-write')) {
  writeResults(path.join(HERE, 'RESULTS.md'), 'bench/plan results', body.join('\n'));
  console.log(`figures written to ${path.relative(REPO, path.join(HERE, 'RESULTS.md'))}`);
}
