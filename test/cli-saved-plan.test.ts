import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { openSimMachine } from '../src/machines/sim/sim-machine.js';
import { runCli } from './run-cli.js';
import { observedState } from './fixtures/sim-observed-state.js';

// terraform's flow: `plan --out FILE` saves the plan with a fingerprint of the machine; `apply
// FILE` applies exactly it, and refuses, changing nothing, once the machine has moved.
const stateDir = process.env.PARKER_STATE_DIR!;
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'parker-saved-plan-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

function observed() {
  const sim = openSimMachine(stateDir);
  try {
    return observedState(sim);
  } finally {
    sim.close();
  }
}

/**
 * Writes `saved` edited by `edit` to `name`, then applies it, and with --dry-run: each exits 3,
 * its standard error as `said` checks, and nothing changes (the machine, applied.json).
 */
async function expectEditRefused<T>(saved: T, edit: (plan: T) => void, name: string, said: (stderr: string, file: string) => void): Promise<void> {
  const copy = JSON.parse(JSON.stringify(saved)) as T;
  edit(copy);
  const file = path.join(scratch, name);
  fs.writeFileSync(file, JSON.stringify(copy));
  const before = observed();
  for (const args of [['apply', file], ['apply', file, '--dry-run']]) {
    const r = await runCli(...args);
    expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(3);
    said(r.stderr, file);
  }
  expect(observed()).toEqual(before);
  expect(fs.existsSync(path.join(stateDir, 'applied.json'))).toBe(false);
}

describe('saved plans', () => {
  const planFile = path.join(scratch, 'default.plan.json');

  test('plan --out saves the steps with a fingerprint; --detailed-exitcode says there are changes', async () => {
    expect((await runCli('sim', 'create')).code).toBe(0);
    const r = await runCli('plan', 'examples/default.yaml', '--out', planFile, '--detailed-exitcode', '-o', 'json');
    expect(r.code).toBe(2);
    const saved = JSON.parse(fs.readFileSync(planFile, 'utf8'));
    expect(saved.schema).toBe('parker.saved-plan/v1');
    expect(saved.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(saved.plan.steps).toEqual(JSON.parse(r.stdout).plan.steps);
    expect(r.stderr).toContain(`parker apply ${planFile}`);
  });

  test('--detailed-exitcode keeps 2 for changes: a usage mistake or a machine that cannot be read exits 1', async () => {
    // Without the flag, these are usage errors (2).
    expect((await runCli('plan', 'examples/default.yaml', '--no-such-flag')).code).toBe(2);
    expect((await runCli('plan', 'examples/default.yaml', '--synthetic', 'pack:0')).code).toBe(2);
    for (const args of [
      ['plan', 'examples/default.yaml', '--detailed-exitcode', '--no-such-flag'],
      ['plan', '--detailed-exitcode', 'examples/default.yaml', '--synthetic', 'pack:0'],
      ['--detailed-exitcode', 'plan', 'examples/default.yaml', '--machine', 'sim', '--synthetic', 'pack:2 core:4'],
      ['plan', 'examples/default.yaml', '--detailed-exitcode=1'],
    ]) {
      const r = await runCli(...args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr, args.join(' ')).toMatch(/error E_/);
    }
    // A mistake before the command's name hides which command it is: still never 2.
    expect((await runCli('--state-dir', '/tmp/x', '--no-such', 'plan', 'examples/default.yaml', '--detailed-exitcode')).code).toBe(1);
    expect((await runCli('--no-such', 'plan', 'examples/default.yaml')).code).toBe(2);
  });

  test('apply FILE runs exactly those steps; the next plan has none (exit 0 with --detailed-exitcode)', async () => {
    const saved = JSON.parse(fs.readFileSync(planFile, 'utf8'));
    const r = await runCli('apply', planFile, '-o', 'json');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.outcome).toBe('applied');
    expect(report.result.stepsRun).toBe(saved.plan.steps.length);
    expect((await runCli('plan', 'examples/default.yaml', '--detailed-exitcode')).code).toBe(0);
    const status = JSON.parse((await runCli('status', '-o', 'json')).stdout);
    expect(status.layout.file).toBe('examples/default.yaml');
    expect(status.partitions.every((p: { online: boolean }) => p.online)).toBe(true);
  });

  test('a plan made before the machine changed is refused, and nothing changes', async () => {
    expect((await runCli('sim', 'create')).code).toBe(0);
    expect((await runCli('plan', 'examples/default.yaml', '--out', planFile)).code).toBe(0);
    expect((await runCli('apply', 'examples/default.yaml')).code).toBe(0);
    expect((await runCli('destroy', 'web')).code).toBe(0);
    const before = observed();
    const r = await runCli('apply', planFile);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/E_PLAN: .* is stale: .* changed since the plan was made/);
    expect(observed()).toEqual(before);
  });

  test('a damaged saved plan is named as such, not read as a layout', async () => {
    const damaged = path.join(scratch, 'damaged.json');
    fs.writeFileSync(damaged, JSON.stringify({ schema: 'parker.saved-plan/v1', plan: {} }));
    const r = await runCli('apply', damaged);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('E_PLAN');
    expect(r.stderr).toContain('damaged saved plan');
  });

  test('a saved plan edited into one that is not parker\'s (a step or its layout) changes nothing, and keeps applied.json whole', async () => {
    expect((await runCli('sim', 'create')).code).toBe(0);
    expect((await runCli('plan', 'examples/default.yaml', '--out', planFile)).code).toBe(0);
    const saved = JSON.parse(fs.readFileSync(planFile, 'utf8'));
    const edits: [string, (plan: typeof saved) => void, string][] = [
      ['a step that is null', (p) => (p.plan.steps[0] = null), 'step 1 is malformed: it is not an object'],
      ['a step with no intent', (p) => delete p.plan.steps[2].intent, 'step 3 is malformed: its intent is malformed'],
      ['two steps with one number', (p) => (p.plan.steps[1].id = p.plan.steps[0].id), `two steps are numbered ${saved.plan.steps[0].id}`],
      ['no boot changes', (p) => delete p.plan.bootChanges, "its plan's boot changes are malformed"],
      ['no kernels', (p) => delete p.plan.kernels, "its plan's kernels are malformed"],
      ['an empty layout', (p) => (p.layout = {}), 'its layout has no kernels'],
      ['a layout without command lines', (p) => delete p.layout.cmdlines, 'its layout has no command lines'],
    ];
    for (const [what, edit, words] of edits) {
      await expectEditRefused(saved, edit, 'edited.plan.json', (stderr) => {
        expect(stderr, what).toContain('E_PLAN');
        expect(stderr, what).toContain(`damaged saved plan: ${words}`);
        expect(stderr, what).not.toContain('internal error');
      });
    }
  });

  test('a saved plan edited into another well-formed one (CPUs, a summary, its layout) is not what parker makes of its layout: refused, nothing changed', async () => {
    expect((await runCli('sim', 'create')).code).toBe(0);
    expect((await runCli('plan', 'examples/default.yaml', '--out', planFile)).code).toBe(0);
    const saved = JSON.parse(fs.readFileSync(planFile, 'utf8'));
    type Saved = typeof saved;
    const cpuStep = (p: Saved) => p.plan.steps.find((st: { intent: { kind: string } }) => st.intent.kind === 'assign-cpus');
    const edits: [string, (plan: Saved) => void, string][] = [
      // CPU 0 and half a core more than the layout gives, the printed line left as it was.
      ['CPUs added to a step', (p) => cpuStep(p).intent.cpus.unshift(0) && cpuStep(p).intent.cpus.push(176), 'its steps differ'],
      ['a step that prints what it does not do', (p) => (cpuStep(p).summary = 'write sys/fs/parker/db/cpus = 0-47'), 'its steps differ'],
      ['a kernel placed elsewhere', (p) => (p.layout.placement.kernels[0].memoryNode = 0), 'its placement, command lines or boot kernel changes differ'],
      ['a command line edited', (p) => p.layout.cmdlines[0].params.push({ key: 'init', value: '/bin/sh', source: 'layout', reason: 'edited' }), 'its placement, command lines or boot kernel changes differ'],
      ['its layout text edited', (p) => (p.text = p.text.replace('memory: 32G', 'memory: 30G')), 'the layout text it holds says something else'],
      // With no text (as plans saved before it was kept), the layout alone is checked.
      ['a layout that breaks a rule', (p) => { p.layout.spec.kernels[0].cpus = '0-15'; delete p.text; }, 'does not pass validation'],
    ];
    for (const [what, edit, words] of edits) {
      await expectEditRefused(saved, edit, 'forged.plan.json', (stderr, file) => {
        expect(stderr, what).toContain('error E_PLAN: ');
        expect(stderr, what).toContain(words);
        expect(stderr, what).toContain(`parker plan examples/default.yaml --out ${file}`);
      });
    }
    // The plan as saved still applies.
    expect((await runCli('apply', planFile)).code).toBe(0);
  });
});
