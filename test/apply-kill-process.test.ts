import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { memorySimMachine, openSimMachine } from '../src/machines/sim/sim-machine.js';
import { Journal } from '../src/apply/journal.js';
import { observedState, orphans } from './fixtures/sim-observed-state.js';
import { journalProblems } from './fixtures/journal-consistency.js';

// A machine big enough that applying 40 kernels takes a good fraction of a second.
const MACHINE = 'pack:2 numa:2 l3:4 core:8 pu:2 mem:64G';
const CMDLINE = 'BOOT_IMAGE=/boot/vmlinuz-6.1.0-parker root=/dev/nvme0n1p2 ro parker_cma=0:48G,1:48G,2:48G,3:48G iommu=pt';
const KERNELS = 40;
const STEPS = KERNELS * 7;
/** Kill once this many steps were announced: well inside the apply. */
const KILL_AFTER_INTENTS = 80;

const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'parker-kill-'));
const layout = path.join(stateDir, 'many.yaml');
const journalFile = path.join(stateDir, 'journal.jsonl');
afterAll(() => fs.rmSync(stateDir, { recursive: true, force: true }));

function parker(...args: string[]) {
  const r = spawnSync(process.execPath, ['bin/parker.js', ...args, '--state-dir', stateDir], { encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const intents = () => (fs.existsSync(journalFile) ? fs.readFileSync(journalFile, 'utf8').split('"type":"intent"').length - 1 : 0);

beforeAll(() => {
  const kernels = Array.from({ length: KERNELS }, (_, i) => [
    `  - name: k${i}`,
    `    cpus: { count: 4, placement: nodes, nodes: [${i % 4}] }`,
    '    memory: 1G',
    '    image: /boot/vmlinuz-parker',
    `    stop: { command: [ssh, root@k${i}, poweroff] }`,
  ]);
  fs.writeFileSync(layout, ['apiVersion: parker/v1alpha1', 'kind: Layout', 'metadata: { name: many }', 'kernels:', ...kernels.flat(), ''].join('\n'));
  const created = parker('sim', 'create', '--synthetic', MACHINE, '--cmdline', CMDLINE);
  expect(created.code).toBe(0);
}, 150_000);

describe('a parker process killed mid-apply', () => {
  test('SIGKILL during apply, then `parker recover`: the machine is as before, no orphans, the journal closed; the next apply succeeds', async () => {
    const child = spawn(process.execPath, ['bin/parker.js', 'apply', layout, '--state-dir', stateDir], { stdio: 'ignore' });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    while (intents() < KILL_AFTER_INTENTS && child.exitCode === null) await new Promise((resolve) => setTimeout(resolve, 2));
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    const announced = intents();
    expect(announced).toBeGreaterThanOrEqual(KILL_AFTER_INTENTS);
    expect(announced).toBeLessThan(STEPS);
    expect(new Journal(stateDir).unfinished()?.begin.command).toBe(`apply ${layout}`);
    // The dead process left its lock behind.
    expect(JSON.parse(fs.readFileSync(path.join(stateDir, 'lock'), 'utf8')).pid).toBe(child.pid);

    const recovered = parker('recover');
    expect(recovered.stderr).toBe('');
    expect(recovered.code).toBe(0);
    expect(recovered.stdout).toMatch(new RegExp(`^recovered the unfinished "apply ${layout}" \\(.+\\): rolled back \\d+ steps\\n`));
    expect(recovered.stdout).not.toContain('could not undo');

    const sim = openSimMachine(stateDir);
    try {
      expect(orphans(sim)).toEqual([]);
      expect(observedState(sim)).toEqual(observedState(memorySimMachine({ kind: 'synthetic', description: MACHINE }, CMDLINE)));
    } finally {
      sim.close();
    }
    const journal = new Journal(stateDir);
    expect(journal.unfinished()).toBeUndefined();
    expect(journalProblems(journal.records(), { closed: true })).toEqual([]);
    expect(fs.existsSync(path.join(stateDir, 'lock'))).toBe(false);

    const applied = parker('apply', layout);
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain(`done: ${STEPS} steps`);
  }, 60_000);
});
