// The whole `parker apply examples/default.yaml` process on the default simulated server, from
// a fresh machine to its kernels running: the cost of reading the machine under the lock and of
// the checked, framed state files. With `--before DIR` (a built checkout of an earlier commit)
// both are measured, interleaved, and the ratio is the figure: 1.10 or less.
//
//   node bench/apply/run.mjs [--runs N] [--before DIR] [--no-write]
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const arg = (name) => {
  const i = process.argv.indexOf(name);
  return i === -1 ? undefined : process.argv[i + 1];
};
const runs = Number(arg('--runs') ?? 7);
const before = arg('--before');
const write = !process.argv.includes('--no-write');

function once(tree) {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'parker-bench-apply-'));
  try {
    const created = spawnSync(process.execPath, [path.join(tree, 'bin/parker.js'), 'sim', 'create', '--state-dir', stateDir], { encoding: 'utf8' });
    if (created.status !== 0) throw new Error(`sim create failed: ${created.stderr}`);
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, [path.join(tree, 'bin/parker.js'), 'apply', path.join(root, 'examples/default.yaml'), '--state-dir', stateDir], { encoding: 'utf8' });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 0) throw new Error(`apply failed: ${r.stderr}`);
    return ms;
  } finally {
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const trees = before ? [['before', path.resolve(before)], ['after', root]] : [['after', root]];
const times = Object.fromEntries(trees.map(([name]) => [name, []]));
once(root); // warm the file cache
for (let i = 0; i < runs; i++) for (const [name, tree] of i % 2 ? [...trees].reverse() : trees) times[name].push(once(tree));

const lines = [
  '# apply benchmark',
  '',
  `\`parker apply examples/default.yaml\` on a fresh default simulated server, whole processes, ${runs} runs each (interleaved), on ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? 'unknown'}), node ${process.version}, load average ${os.loadavg()[0].toFixed(1)} at the start.`,
  '',
  '| tree | median ms | min ms | max ms |',
  '| --- | --- | --- | --- |',
  ...trees.map(([name]) => `| ${name} | ${median(times[name]).toFixed(0)} | ${Math.min(...times[name]).toFixed(0)} | ${Math.max(...times[name]).toFixed(0)} |`),
];
if (before) lines.push('', `after / before: ${(median(times.after) / median(times.before)).toFixed(3)} (target 1.10 or less)`);
const text = lines.join('\n') + '\n';
process.stdout.write(text);
if (write) fs.writeFileSync(path.join(here, 'RESULTS.md'), text);
