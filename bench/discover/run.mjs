// bench/discover: a synthetic 8-package, 16-node, 4096-CPU machine's sysfs/procfs tree written
// to disk, then read back by `parker discover --root DIR -o json` and by hwloc's
// `lstopo --of xml` (HWLOC_FSROOT=DIR), each as a whole process, alternating, several runs.
// Targets, both judged: parker's median wall time at most 0.5x lstopo's, and its median peak
// memory (maximum RSS) at most 1.5x lstopo's.
//
//   node bench/discover/run.mjs [--runs N] [--profile] [--no-write]
//
// --profile also runs parker once under `node --cpu-prof` and records where its time goes;
// --no-write prints the figures without touching RESULTS.md.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseSyntheticDescription } from '../../dist/synthetic/description.js';
import { buildSyntheticTree } from '../../dist/synthetic/tree.js';
import { writeTreeToDirectory } from '../../dist/machines/file-tree-disk.js';
import { hasFlag, machineInfo, machineLines, mib, ms, profileTables, runsFromArgs, scratchDir, summarizeProfile, summary, table, timedSync, writeResults } from '../bench-support.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '../..');
const PARKER = path.join(REPO, 'bin/parker.js');
const DESCRIPTION = 'pack:8 numa:2 l3:4 core:32 pu:2 mem:16G';
const EXPECTED = { cpus: 4096, nodes: 16 };
const TIME = '/usr/bin/time';
/** The targets: parker / lstopo, median wall time and median peak memory. */
const TARGET = { wall: 0.5, memory: 1.5 };
const runs = runsFromArgs(7);

const tools = {
  parker: (root) => ({ file: process.execPath, args: [PARKER, 'discover', '--root', root, '-o', 'json'], env: process.env }),
  lstopo: (root) => ({
    file: 'lstopo',
    args: ['--whole-system', '--of', 'xml'],
    env: { ...process.env, HWLOC_FSROOT: root, HWLOC_COMPONENTS: 'linux,-x86' },
  }),
};

/**
 * Runs one tool as a whole process, its output in a file. Wall time from spawn to exit;
 * peak memory (maximum RSS, KB) and CPU time (user + system) from GNU time when it is
 * installed: on a shared machine CPU time varies less than wall time.
 */
function runOnce(tool, root, scratch) {
  const { file, args, env } = tools[tool](root);
  const out = path.join(scratch, `${tool}.out`);
  const memFile = path.join(scratch, `${tool}.maxrss`);
  const withTime = fs.existsSync(TIME);
  const [cmd, argv] = withTime ? [TIME, ['-f', '%M %U %S', '-o', memFile, file, ...args]] : [file, args];
  const fd = fs.openSync(out, 'w');
  try {
    const { ms: wall, value: result } = timedSync(() => spawnSync(cmd, argv, { env, stdio: ['ignore', fd, 'pipe'], maxBuffer: 64 * 2 ** 20 }));
    if (result.error) throw result.error;
    if (result.status !== 0) throw new Error(`${tool} exited ${result.status}: ${result.stderr.toString().slice(0, 2000)}`);
    // GNU time's last line is ours; a line before it would be a note about the child's exit.
    const [maxRssKb, user, system] = withTime ? fs.readFileSync(memFile, 'utf8').trim().split('\n').pop().split(' ').map(Number) : [NaN, NaN, NaN];
    return { wall, maxRssKb, cpuMs: (user + system) * 1000, out };
  } finally {
    fs.closeSync(fd);
  }
}

/** Both tools must have seen the whole machine, or the race is not the same race. */
function checkOutputs(parkerOut, lstopoOut) {
  const topology = JSON.parse(fs.readFileSync(parkerOut, 'utf8'));
  const xml = fs.readFileSync(lstopoOut, 'utf8');
  const seen = {
    parker: { cpus: topology.cpu.length, nodes: topology.nodes.length },
    lstopo: { cpus: (xml.match(/<object type="PU"/g) ?? []).length, nodes: (xml.match(/<object type="NUMANode"/g) ?? []).length },
  };
  for (const [tool, got] of Object.entries(seen)) {
    if (got.cpus !== EXPECTED.cpus || got.nodes !== EXPECTED.nodes) {
      throw new Error(`${tool} saw ${got.cpus} CPUs and ${got.nodes} NUMA nodes in the tree; expected ${EXPECTED.cpus} and ${EXPECTED.nodes}`);
    }
  }
  return { parkerBytes: fs.statSync(parkerOut).size, lstopoBytes: fs.statSync(lstopoOut).size };
}

function countEntries(dir) {
  let n = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    n++;
    if (entry.isDirectory()) n += countEntries(path.join(dir, entry.name));
  }
  return n;
}

function lstopoVersion() {
  const result = spawnSync('lstopo', ['--version'], { encoding: 'utf8' });
  if (result.error) throw new Error('lstopo is not installed: apt-get install hwloc (Debian package hwloc)');
  return result.stdout.trim();
}

function profileParker(root, scratch) {
  const dir = path.join(scratch, 'profile');
  const { file, args } = tools.parker(root);
  const result = spawnSync(file, ['--cpu-prof', '--cpu-prof-dir', dir, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  if (result.status !== 0) throw new Error(`parker under --cpu-prof exited ${result.status}: ${result.stderr}`);
  const [profile] = fs.readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  return summarizeProfile(path.join(dir, profile), { top: 20 });
}

const info = machineInfo();
const version = lstopoVersion();
const scratch = scratchDir('parker-bench-discover-');
// The tree takes over a gigabyte of tmpfs: an interrupted run still removes it. Signals are
// handled between runs (see settle), and a child killed by the same Ctrl-C ends the run.
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    fs.rmSync(scratch, { recursive: true, force: true });
    process.exit(130);
  });
}
const settle = () => new Promise((resolve) => setImmediate(resolve));
try {
  const root = path.join(scratch, 'tree');
  const tree = timedSync(() => buildSyntheticTree(parseSyntheticDescription(DESCRIPTION)));
  const written = timedSync(() => writeTreeToDirectory(tree.value, root));
  const entries = countEntries(root);
  console.log(`tree of "${DESCRIPTION}": ${entries} entries in ${root}, built in ${ms(tree.ms)}, written in ${ms(written.ms)}`);

  // Warm-up: the page cache, the dynamic loader and node's compile cache settle on the first run.
  const warm = { parker: runOnce('parker', root, scratch), lstopo: runOnce('lstopo', root, scratch) };
  const sizes = checkOutputs(warm.parker.out, warm.lstopo.out);

  const samples = { parker: [], lstopo: [] };
  for (let i = 0; i < runs; i++) {
    // ABBA order, so neither tool always runs right after the other.
    const order = i % 2 === 0 ? ['parker', 'lstopo'] : ['lstopo', 'parker'];
    for (const tool of order) {
      await settle();
      const r = runOnce(tool, root, scratch);
      samples[tool].push(r);
      console.log(`run ${i + 1}/${runs} ${tool.padEnd(6)} ${ms(r.wall).padStart(10)} cpu ${ms(r.cpuMs).padStart(10)} ${mib(r.maxRssKb).padStart(10)}`);
    }
  }

  const wall = { parker: summary(samples.parker.map((r) => r.wall)), lstopo: summary(samples.lstopo.map((r) => r.wall)) };
  const rss = { parker: summary(samples.parker.map((r) => r.maxRssKb)), lstopo: summary(samples.lstopo.map((r) => r.maxRssKb)) };
  const cpu = { parker: summary(samples.parker.map((r) => r.cpuMs)), lstopo: summary(samples.lstopo.map((r) => r.cpuMs)) };
  const ratio = wall.parker.median / wall.lstopo.median;
  const verdict = ratio <= TARGET.wall ? 'met' : 'missed';
  const memoryRatio = rss.parker.median / rss.lstopo.median;
  const memoryVerdict = Number.isFinite(memoryRatio) ? (memoryRatio <= TARGET.memory ? 'met' : 'missed') : 'not judged (no /usr/bin/time)';
  const memoryNote = fs.existsSync(TIME)
    ? 'maximum resident set size from GNU time (`/usr/bin/time -f "%M %U %S"`), which also gives the CPU time (user + system, 10 ms resolution)'
    : 'not measured: /usr/bin/time is missing (Debian package `time`)';

  const body = [
    '## Machine',
    '',
    ...machineLines(info, { hwloc: version }),
    '',
    '## Setup',
    '',
    `- Synthetic machine \`${DESCRIPTION}\`: ${EXPECTED.cpus} CPUs, ${EXPECTED.nodes} NUMA nodes; its tree has ${entries} files, directories and links, written to ${path.dirname(scratch)} (${scratch.startsWith('/dev/shm') ? 'tmpfs' : 'disk'}) in ${ms(written.ms)} (built in memory in ${ms(tree.ms)}).`,
    `- parker: \`node bin/parker.js discover --root DIR -o json\` (${sizes.parkerBytes} bytes of JSON); lstopo: \`HWLOC_FSROOT=DIR HWLOC_COMPONENTS=linux,-x86 lstopo --whole-system --of xml\` (${sizes.lstopoBytes} bytes of XML). Output goes to a file on the same tmpfs.`,
    `- One warm-up run each, then ${runs} runs each, alternating in ABBA order. Both outputs were checked to hold all ${EXPECTED.cpus} CPUs and ${EXPECTED.nodes} nodes.`,
    `- Wall time: \`process.hrtime\` around each whole process (spawn to exit). Peak memory: ${memoryNote}.`,
    '',
    '## Figures',
    '',
    table(
      ['', 'median wall', 'min', 'max', 'median CPU (user + sys)', 'median peak memory', 'max peak memory'],
      ['parker', 'lstopo'].map((t) => [t, ms(wall[t].median), ms(wall[t].min), ms(wall[t].max), ms(cpu[t].median), mib(rss[t].median), mib(rss[t].max)]),
    ),
    '',
    `Ratio parker / lstopo (median wall): **${ratio.toFixed(2)}** (median CPU time: ${(cpu.parker.median / cpu.lstopo.median).toFixed(2)}). Target (at most ${TARGET.wall}x lstopo's): **${verdict}**.`,
    '',
    `Ratio parker / lstopo (median peak memory): **${Number.isFinite(memoryRatio) ? memoryRatio.toFixed(2) : 'n/a'}**. Target (at most ${TARGET.memory}x lstopo's): **${memoryVerdict}**.`,
  ];
  if (hasFlag('--profile')) {
    body.push('', '## Profile of one parker run (`node --cpu-prof`)', '', profileTables(profileParker(root, scratch)));
  }
  console.log(
    `\nparker median ${ms(wall.parker.median)} (peak ${mib(rss.parker.median)}), lstopo median ${ms(wall.lstopo.median)} (peak ${mib(rss.lstopo.median)}): ` +
      `wall ${ratio.toFixed(2)}x, target ${TARGET.wall}x ${verdict}; memory ${Number.isFinite(memoryRatio) ? memoryRatio.toFixed(2) : 'n/a'}x, target ${TARGET.memory}x ${memoryVerdict}`,
  );
  if (!hasFlag('--no-write')) {
    writeResults(path.join(HERE, 'RESULTS.md'), 'bench/discover results', body.join('\n'));
    console.log(`figures written to ${path.relative(REPO, path.join(HERE, 'RESULTS.md'))}`);
  }
} finally {
  fs.rmSync(scratch, { recursive: true, force: true });
}
