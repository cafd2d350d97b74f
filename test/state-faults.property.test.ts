import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync, spawn } from 'node:child_process';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCli } from './run-cli.js';
import { openSimMachine } from '../src/machines/sim/sim-machine.js';
import { Journal } from '../src/apply/journal.js';
import type { Step } from '../src/plan/step.js';

// Property tests of the state files under damage, and of two parkers applying at once.

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'parker-faults-prop-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

/** A state directory with every state file: a machine with a layout applied, an unfinished transaction, a dead holder's lock. */
const baseline = path.join(work, 'baseline');

beforeAll(async () => {
  fs.mkdirSync(baseline);
  expect((await runCli('apply', 'examples/default.yaml', '--state-dir', baseline)).code).toBe(0);
  const m = openSimMachine(baseline);
  m.fs.mkdir('sys/fs/parker/extra');
  m.close();
  const step: Step = { id: 1, action: 'create', kernel: 'extra', intent: { kind: 'create-partition', partition: 'extra' }, why: 'test', undo: { kind: 'remove-partition', partition: 'extra' }, summary: 'mkdir' };
  const journal = new Journal(baseline);
  journal.append({ type: 'begin', txn: 't9', at: '2026-12-06T12:00:00.000Z', command: 'apply crashed.yaml', machine: 'simulated default server', interface: 'parker', owner: { pid: 999_999_999, hostname: os.hostname() }, steps: [step] });
  journal.append({ type: 'intent', txn: 't9', step: 1 });
  journal.append({ type: 'done', txn: 't9', step: 1, ms: 1 });
  journal.close();
  fs.writeFileSync(path.join(baseline, 'lock'), JSON.stringify({ pid: 999_999_999, hostname: os.hostname(), command: 'apply crashed.yaml', since: '2026-12-06T12:00:00.000Z' }) + '\n');
}, 60_000);

const STATE_FILES = ['journal.jsonl', 'sim/ops.log', 'applied.json', 'sim/machine.json', 'sim/hardware.json', 'lock'] as const;

type Damage = { kind: 'flip'; at: number; bit: number } | { kind: 'cut'; at: number } | { kind: 'insert'; at: number; bytes: number[] } | { kind: 'overwrite'; at: number; bytes: number[] };

function damage(bytes: Buffer, d: Damage): Buffer {
  const at = bytes.length === 0 ? 0 : d.at % bytes.length;
  switch (d.kind) {
    case 'flip': {
      const out = Buffer.from(bytes);
      if (out.length) out[at] = out[at]! ^ (1 << d.bit);
      return out;
    }
    case 'cut':
      return bytes.subarray(0, at);
    case 'insert':
      return Buffer.concat([bytes.subarray(0, at), Buffer.from(d.bytes), bytes.subarray(at)]);
    case 'overwrite': {
      const out = Buffer.from(bytes);
      Buffer.from(d.bytes).copy(out, at);
      return out;
    }
  }
}

const damages: fc.Arbitrary<Damage> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 12 }) }),
  fc.record({ kind: fc.constant('overwrite' as const), at: fc.nat(), bytes: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 12 }) }),
);

/** Records (lines) of a line-framed file that end in a newline: the intact ones a reader must keep. */
const terminatedLines = (bytes: Buffer) => {
  const text = bytes.toString('latin1');
  return text.slice(0, text.lastIndexOf('\n') + 1);
};

describe('random damage to each state file', () => {
  test('never gives exit 70, and never loses a record that was intact: read-only commands leave the file as it was, save a torn last line cut off', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...STATE_FILES), damages, async (file, d) => {
        const dir = path.join(work, `run${run++}`);
        fs.cpSync(baseline, dir, { recursive: true });
        const target = path.join(dir, file);
        const damaged = damage(fs.readFileSync(target), d);
        fs.writeFileSync(target, damaged);
        for (const args of [['status', '-o', 'json'], ['plan', 'examples/default.yaml']]) {
          const r = await runCli(...args, '--state-dir', dir);
          expect(r.code, `${args[0]} after ${JSON.stringify(d)} of ${file}:\n${r.stderr}`).not.toBe(70);
          expect(r.stderr).not.toContain('internal error');
          const after = fs.readFileSync(target);
          // The op log drops a torn last line (a change that never happened); nothing else changes.
          if (file === 'sim/ops.log') expect(terminatedLines(after)).toBe(terminatedLines(damaged));
          else expect(after.equals(damaged), `${args[0]} changed ${file}`).toBe(true);
        }
        const recovered = await runCli('recover', '--state-dir', dir);
        expect(recovered.code, `recover after ${JSON.stringify(d)} of ${file}:\n${recovered.stderr}`).not.toBe(70);
        expect(recovered.stderr).not.toContain('internal error');
        fs.rmSync(dir, { recursive: true, force: true });
      }),
      { numRuns: 60, interruptAfterTimeLimit: 90_000 },
    );
  }, 150_000);
});

describe('two applies racing', () => {
  beforeAll(() => {
    execFileSync('npm', ['run', 'build', '--silent'], { stdio: 'pipe', timeout: 150_000 });
  }, 160_000);

  function apply(stateDir: string, layout: string): Promise<{ code: number | null; stdout: string; stderr: string; endedAt: bigint }> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, ['bin/parker.js', 'apply', layout, '--state-dir', stateDir], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.on('exit', (code) => resolve({ code, stdout, stderr, endedAt: process.hrtime.bigint() }));
    });
  }

  const planIsEmpty = (stateDir: string, layout: string) => {
    try {
      execFileSync(process.execPath, ['bin/parker.js', 'plan', layout, '--detailed-exitcode', '--state-dir', stateDir], { stdio: 'pipe', timeout: 30_000 });
      return true;
    } catch {
      return false;
    }
  };

  test('never both report success unless the machine matches what the second one applied; a refused one names the lock', async () => {
    const layouts = ['examples/default.yaml', 'examples/profile-latency.yaml'];
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 80 }), fc.boolean(), async (offsetMs, swap) => {
        const dir = path.join(work, `race${run++}`);
        fs.mkdirSync(dir);
        const [a, b] = swap ? [layouts[1]!, layouts[0]!] : [layouts[0]!, layouts[1]!];
        const first = apply(dir, a);
        await new Promise((resolve) => setTimeout(resolve, offsetMs));
        const second = apply(dir, b);
        const [ra, rb] = await Promise.all([first, second]);
        for (const r of [ra, rb]) {
          expect(r.code === 0 || r.code === 3, r.stderr).toBe(true);
          if (r.code === 3) expect(r.stderr).toContain('E_LOCKED');
        }
        const ok = [[ra, a], [rb, b]].filter(([r]) => (r as { code: number }).code === 0) as [{ endedAt: bigint }, string][];
        expect(ok.length).toBeGreaterThan(0);
        // The one that finished last is what the machine must be.
        const last = ok.sort((x, y) => (x[0].endedAt < y[0].endedAt ? -1 : 1)).at(-1)!;
        expect(planIsEmpty(dir, last[1]), `the machine does not match ${last[1]}, which reported done`).toBe(true);
        fs.rmSync(dir, { recursive: true, force: true });
      }),
      { numRuns: 4, interruptAfterTimeLimit: 120_000 },
    );
  }, 240_000);
});
