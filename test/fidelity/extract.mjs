#!/usr/bin/env node
// Host side of the recording: puts the transcript that guest/record.mjs printed on the Parker
// lab VM's console back together, checks its hash, adds the QEMU version, and writes
//   test/fixtures/parker-transcript.json   the transcript (without the snapshot)
//   test/fixtures/parker-lab.tar.gz        the `parker gather` snapshot of the VM as it booted
// Usage: node test/fidelity/extract.mjs RUN/boot-console.log
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';

const [log] = process.argv.slice(2);
if (!log) {
  console.error('usage: node test/fidelity/extract.mjs RUN/boot-console.log');
  process.exit(2);
}
const pieces = new Map();
let end = null;
for (const line of fs.readFileSync(log, 'utf8').split(/\r?\n/)) {
  const m = /PFT (\d+|end) (\S+)(?: (\S+))?$/.exec(line);
  if (!m) continue;
  if (m[1] === 'end') end = { count: Number(m[2]), sha: m[3] };
  else pieces.set(Number(m[1]), m[2]);
}
if (!end) throw new Error(`${log}: no "PFT end" line: the recording did not finish`);
const parts = [];
for (let i = 0; i < end.count; i++) {
  if (!pieces.has(i)) throw new Error(`${log}: piece ${i} of ${end.count} is missing`);
  parts.push(pieces.get(i));
}
const text = Buffer.from(parts.join(''), 'base64').toString('utf8');
const sha = createHash('sha256').update(text).digest('hex');
if (sha !== end.sha) throw new Error(`${log}: the transcript's hash does not match (a console line was torn): record again`);
const doc = JSON.parse(text);
try {
  doc.recorded.qemu = execFileSync('qemu-system-x86_64', ['--version'], { encoding: 'utf8' }).split('\n')[0].trim();
} catch {
  doc.recorded.qemu = null;
}
const fixtures = new URL('../fixtures/', import.meta.url);
fs.writeFileSync(new URL('parker-lab.tar.gz', fixtures), Buffer.from(doc.snapshot, 'base64'));
delete doc.snapshot;
fs.writeFileSync(new URL('parker-transcript.json', fixtures), JSON.stringify(doc, null, 2) + '\n');
console.log(`parker-transcript.json: ${doc.ops.length} operations, recorded ${doc.recorded.date} on ${doc.recorded.kernelRelease} (${doc.recorded.qemu})`);
