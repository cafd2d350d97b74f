// What the three benchmarks share: statistics, a description of the machine they ran on, the
// benchmark layout, CPU-profile summaries, and writing the figures into RESULTS.md.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';

/** The machine the plan and sim benchmarks partition: 4096 CPUs, 16 nodes, 16G of CMA per node. */
export const BENCH_CMDLINE = 'BOOT_IMAGE=/boot/vmlinuz-6.1.0-parker root=/dev/nvme0n1p2 ro console=ttyS0,115200 iommu=pt parker_cma=256G';
export const BENCH_MACHINE = 'pack:8 numa:2 l3:4 core:32 pu:2 mem:64G';
export const BENCH_MACHINE_WITH_CMDLINE = `${BENCH_MACHINE} cmdline:"${BENCH_CMDLINE}"`;
export const BENCH_KERNELS = 255;
export const BENCH_CPUS_PER_KERNEL = 16;

/**
 * 255 application kernels of 16 CPUs (8 whole cores) and 1G each: 4080 CPUs, leaving the boot
 * kernel the 16 CPUs placement leaves, CPU 0 among them.
 */
export function benchLayout(image = '/boot/vmlinuz-parker') {
  return {
    apiVersion: 'parker/v1alpha1',
    kind: 'Layout',
    metadata: { name: 'bench-255' },
    kernels: Array.from({ length: BENCH_KERNELS }, (_, i) => ({
      name: `k${String(i + 1).padStart(3, '0')}`,
      cpus: { count: BENCH_CPUS_PER_KERNEL },
      memory: '1G',
      image,
    })),
  };
}

export function benchLayoutYaml(image) {
  return stringify(benchLayout(image));
}

/** `--runs N` from argv, else the default. */
export function runsFromArgs(fallback) {
  const i = process.argv.indexOf('--runs');
  if (i < 0) return fallback;
  const n = Number(process.argv[i + 1]);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--runs needs a whole number of at least 1, got ${JSON.stringify(process.argv[i + 1])}`);
  return n;
}

export const hasFlag = (flag) => process.argv.includes(flag);

export function median(values) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function summary(values) {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values), runs: values.length };
}

export const ms = (value) => (Number.isFinite(value) ? `${value.toFixed(value < 10 ? 2 : 1)} ms` : 'n/a');
export const mib = (kb) => (Number.isFinite(kb) ? `${(kb / 1024).toFixed(1)} MiB` : 'n/a');

/** A results-table row: label, median, min, max of the values, formatted. */
export function summaryRow(label, values, format = ms) {
  const m = summary(values);
  return [label, format(m.median), format(m.min), format(m.max)];
}

/** Milliseconds a synchronous or async function takes, and its result. */
export async function timed(fn) {
  const t0 = process.hrtime.bigint();
  const value = await fn();
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, value };
}

export function timedSync(fn) {
  const t0 = process.hrtime.bigint();
  const value = fn();
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, value };
}

function cpuModel() {
  try {
    const line = fs.readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => l.startsWith('model name'));
    return line ? line.slice(line.indexOf(':') + 1).trim() : 'unknown';
  } catch {
    return 'unknown';
  }
}

/**
 * Variables node itself reads as it starts, before any of parker's code, that change what every
 * node process costs: with NODE_EXTRA_CA_CERTS set, node 20 builds its whole certificate store
 * at start (nodejs/node#40524: about 40 ms here, `node -e 0` included); NODE_OPTIONS can hold any
 * flag (some make V8 refuse the CLI's code cache). Stock Debian sets neither.
 */
export const NODE_START_VARIABLES = ['NODE_EXTRA_CA_CERTS', 'NODE_OPTIONS'];

/** This process's environment without NODE_START_VARIABLES: what a stock server's shell gives node. */
export function stockEnvironment(env = process.env) {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !NODE_START_VARIABLES.includes(name)));
}

/** NODE_START_VARIABLES set in this process's environment (names only: their values are this machine's). */
export function nodeStartVariablesSet(env = process.env) {
  return NODE_START_VARIABLES.filter((name) => env[name]);
}

/** Where and when the figures were taken; the load average says how busy the shared machine was. */
export function machineInfo() {
  return {
    date: new Date().toISOString(),
    cpus: os.availableParallelism(),
    cpuModel: cpuModel(),
    memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    loadAverage: os.loadavg().map((l) => l.toFixed(2)).join(' '),
    nodeStartVariables: nodeStartVariablesSet(),
  };
}

export function machineLines(info, extra = {}) {
  const rows = {
    Date: info.date,
    CPUs: `${info.cpus} (nproc), ${info.cpuModel}`,
    Memory: info.memory,
    Kernel: info.kernel,
    Node: info.node,
    "Node's start-up variables in the environment": info.nodeStartVariables.length
      ? `${info.nodeStartVariables.join(', ')} set (every node process pays for them, \`node -e 0\` included${info.nodeStartVariables.includes('NODE_EXTRA_CA_CERTS') ? "; parker's bin, run as a program, starts node without NODE_EXTRA_CA_CERTS" : ''})`
      : 'none (NODE_EXTRA_CA_CERTS, NODE_OPTIONS unset)',
    ...extra,
    'Load average at start': `${info.loadAverage} (the machine is shared: other work runs beside the benchmark)`,
  };
  return Object.entries(rows).map(([k, v]) => `- ${k}: ${v}`);
}

/** A markdown table from a header row and rows of cells. */
export function table(header, rows) {
  const line = (cells) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

const START = '<!-- bench:results:start -->';
const END = '<!-- bench:results:end -->';

/**
 * Puts the generated figures between the markers of RESULTS.md, keeping what is written
 * around them (the analysis); creates the file with a title when it is missing.
 */
export function writeResults(file, title, body) {
  const block = `${START}\n${body.trim()}\n${END}`;
  let text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : `# ${title}\n\n${START}\n${END}\n`;
  const start = text.indexOf(START);
  const end = text.indexOf(END);
  text = start >= 0 && end > start ? text.slice(0, start) + block + text.slice(end + END.length) : `${text.trimEnd()}\n\n${block}\n`;
  fs.writeFileSync(file, text);
}

/** A directory for scratch files: on tmpfs when /dev/shm exists, so the disk does not time itself. */
export function scratchDir(prefix) {
  const base = fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir();
  return fs.mkdtempSync(path.join(base, prefix));
}

const FS_TYPES = { 0xef53: 'ext4', 0x01021994: 'tmpfs', 0x58465342: 'xfs', 0x9123683e: 'btrfs', 0x794c7630: 'overlayfs' };

/** "ext4", "tmpfs", ... of the filesystem holding a path. */
export function filesystemType(dir) {
  try {
    const type = fs.statfsSync(dir).type;
    return FS_TYPES[type] ?? `0x${type.toString(16)}`;
  } catch {
    return 'unknown';
  }
}

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The functions a V8 CPU profile spent most time in: self time (the function's own code)
 * and inclusive time (with what it calls), for "where does the time go". Samples whose stack
 * passes through a frame matching `exclude` (the profiler's own calls) are left out, and so
 * are rows for frames matching `hide` (the benchmark's own wrappers).
 */
export function summarizeProfile(file, { top = 15, exclude = /node:inspector/, hide = /^\(root\)|bench\// } = {}) {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const name = (n) => {
    const url = n.callFrame.url.replace(/^file:\/\//, '');
    const where = url.startsWith('/') ? path.relative(REPO, url) : url;
    return `${n.callFrame.functionName || '(anonymous)'} ${where ? `${where}:${n.callFrame.lineNumber + 1}` : ''}`.trim();
  };
  const stackOf = (id) => {
    const names = [];
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) names.push(name(byId.get(cur)));
    return names;
  };
  const self = new Map();
  const inclusive = new Map();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    const stack = stackOf(id);
    if (stack.some((frame) => exclude.test(frame))) return;
    total += dt;
    self.set(stack[0], (self.get(stack[0]) ?? 0) + dt);
    for (const frame of new Set(stack)) inclusive.set(frame, (inclusive.get(frame) ?? 0) + dt);
  });
  const rows = (m) =>
    [...m]
      .filter(([k]) => !hide.test(k))
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, t]) => [`\`${k}\``, ms(t / 1000), `${((100 * t) / total).toFixed(1)}%`]);
  return { totalMs: total / 1000, self: rows(self), inclusive: rows(inclusive) };
}

export function profileTables(summaryOfProfile) {
  return [
    `Sampled ${ms(summaryOfProfile.totalMs)}.`,
    '',
    'Self time:',
    '',
    table(['function', 'time', 'share'], summaryOfProfile.self),
    '',
    'Inclusive time:',
    '',
    table(['function', 'time', 'share'], summaryOfProfile.inclusive),
  ].join('\n');
}

const GNU_TIME = '/usr/bin/time';
export const hasGnuTime = fs.existsSync(GNU_TIME);

/**
 * One whole process, as a user runs it: wall time from spawn to exit, and, when GNU time is
 * installed, its CPU time (user + system) and peak memory (maximum RSS, KB). Standard output
 * goes to a file in `scratch` (a user's terminal or pipe would take it); the exit status is checked.
 */
export function wholeProcess(argv, { scratch, env = process.env, okCodes = [0], label = argv.join(' ') } = {}) {
  const out = path.join(scratch, 'stdout');
  const fd = fs.openSync(out, 'w');
  try {
    const [cmd, args] = hasGnuTime ? [GNU_TIME, ['-f', '%M %U %S', ...argv]] : [argv[0], argv.slice(1)];
    const t0 = process.hrtime.bigint();
    const result = spawnSync(cmd, args, { env: withThisNode(env), stdio: ['ignore', fd, 'pipe'], maxBuffer: 64 * 2 ** 20 });
    const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
    const stderr = result.stderr.toString();
    if (!okCodes.includes(result.status)) throw new Error(`${label} exited ${result.status}: ${stderr.slice(-2000)}`);
    let cpuMs = NaN;
    let maxRssKb = NaN;
    if (hasGnuTime) {
      const [kb, user, sys] = stderr.trim().split('\n').pop().split(' ').map(Number);
      cpuMs = (user + sys) * 1000;
      maxRssKb = kb;
    }
    return { wallMs, cpuMs, maxRssKb, stdoutBytes: fs.statSync(out).size };
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Where one whole process spends its time: runs it under `node --cpu-prof` and returns, for
 * each pattern, the time of the samples with a matching frame on their stack (inclusive time),
 * the sampled total and the wall time of the profiled run.
 */
export function profileProcess(argv, patterns, { scratch, env = process.env, okCodes = [0], onProfile } = {}) {
  const dir = fs.mkdtempSync(path.join(scratch, 'prof-'));
  try {
    const t0 = process.hrtime.bigint();
    const result = spawnSync(process.execPath, ['--cpu-prof', '--cpu-prof-dir', dir, ...argv], { env, stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 64 * 2 ** 20 });
    const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
    if (!okCodes.includes(result.status)) throw new Error(`profiled run exited ${result.status}: ${result.stderr.toString().slice(-2000)}`);
    const file = fs.readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
    // A caller that wants more of the same profile (summarizeProfile) reads it before it goes.
    onProfile?.(path.join(dir, file));
    const profile = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const parent = new Map();
    for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
    const frame = (n) => `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.replace(/^file:\/\//, '')}`;
    const totals = new Map(Object.keys(patterns).map((k) => [k, 0]));
    let sampled = 0;
    profile.samples.forEach((id, i) => {
      const dt = profile.timeDeltas[i] ?? 0;
      sampled += dt;
      const stack = [];
      for (let cur = id; cur !== undefined; cur = parent.get(cur)) stack.push(frame(byId.get(cur)));
      for (const [key, pattern] of Object.entries(patterns)) if (stack.some((f) => pattern.test(f))) totals.set(key, totals.get(key) + dt);
    });
    return { wallMs, sampledMs: sampled / 1000, parts: Object.fromEntries([...totals].map(([k, v]) => [k, v / 1000])) };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Stages every whole-process profile of a parker command names (inclusive times). */
export const COMMON_STAGES = {
  // node's module loader, and the bundle's own (bin/load-bundle.js requires the chunks itself).
  modules: / node:internal\/modules\/|^loadChunk .*bin\/load-bundle\.js$/,
  open: /^openMachine /,
  discover: /^machineTopology /,
  load: /^loadSpec /,
  prepare: /^prepareLayout /,
  diff: /^diffLayout /,
  gc: /^\(garbage collector\)/,
};

/**
 * A profile's frames name the bundle's chunk files (dist/bundle/NAME-HASH.cjs), not the source
 * modules: the pattern of the frames of `functionName` in the chunk whose text holds `marker`
 * (such as "Journal = class"), or in the unbundled `module` (such as "apply/journal").
 */
export function framePattern(functionName, marker, module) {
  const dir = path.join(REPO, 'dist', 'bundle');
  const chunk = fs.existsSync(dir) ? fs.readdirSync(dir).find((f) => f.endsWith('.cjs') && fs.readFileSync(path.join(dir, f), 'utf8').includes(marker)) : undefined;
  const escape = (t) => t.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  const files = [`dist/${module}.js`, ...(chunk ? [`dist/bundle/${chunk}`] : [])].map(escape).join('|');
  return new RegExp(`^${escape(functionName)} .*(${files})$`);
}

export const REPO_ROOT = REPO;
export const PARKER_BIN = path.join(REPO, 'bin', 'parker.js');

/**
 * `env` with this node first on PATH: the bin run as a program (as the installed `parker` is)
 * starts the `node` its PATH finds (its first line, bin/parker.js), which is to be this one.
 */
export function withThisNode(env) {
  return { ...env, PATH: [path.dirname(process.execPath), env.PATH].filter(Boolean).join(path.delimiter) };
}

/** What node is to run to profile `argv`: the script and its arguments, whether argv starts with node or is the bin run as a program. */
export function scriptArgv(argv) {
  return argv[0] === process.execPath ? argv.slice(1) : argv;
}
