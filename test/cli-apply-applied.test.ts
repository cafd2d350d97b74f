import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { runCli } from './run-cli.js';

// `parker apply --applied` (what parker-apply.service runs at boot) on one simulated default
// server, in order: nothing applied yet, apply, a machine reset (H10), every kernel back; the
// layout as it was applied (its text kept in applied.json), checked again each time, from
// wherever the command runs.

interface Partition {
  name: string;
  state: string;
  cpus: number[];
  memory: { start: number; end: number } | null;
  devices: string[];
}

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'parker-applied-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));
const layoutFile = path.join(scratch, 'layout.yaml');
/** The kernels as first applied: where --applied brings them back each time. */
let before: Partition[] = [];
const DEFAULT = fs.readFileSync(path.join(import.meta.dirname, '../examples/default.yaml'), 'utf8');

async function partitions(): Promise<Partition[]> {
  const r = await runCli('status', '-o', 'json');
  expect(r.code).toBe(0);
  return (JSON.parse(r.stdout) as { partitions: Partition[] }).partitions.sort((a, b) => a.name.localeCompare(b.name));
}

describe('apply --applied: the layout last applied, checked again', () => {
  test('wants a file or --applied, not both and not neither', async () => {
    expect(await runCli('sim', 'create')).toMatchObject({ code: 0 });
    const neither = await runCli('apply');
    expect(neither.code).toBe(2);
    expect(neither.stderr).toContain('E_USAGE: missing layout');
    const both = await runCli('apply', 'examples/default.yaml', '--applied');
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('E_USAGE: give a layout file or --applied, not both');
  });

  test('refuses when no layout was ever applied to the machine', async () => {
    const r = await runCli('apply', '--applied', '--yes');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('E_NO_LAYOUT');
    expect(await partitions()).toEqual([]);
  });

  test('changes nothing while the machine matches the applied layout, from any directory', async () => {
    fs.writeFileSync(layoutFile, DEFAULT);
    // Applied by a relative name: --applied finds it by the absolute path it had (systemd runs it from /).
    const here = process.cwd();
    process.chdir(scratch);
    try {
      expect((await runCli('apply', 'layout.yaml', '--yes')).code).toBe(0);
    } finally {
      process.chdir(here);
    }
    before = await partitions();
    expect(before.map((p) => `${p.name}:${p.state}`)).toEqual(['batch:online', 'db:online', 'web:online']);
    const r = await runCli('apply', '--applied', '--yes', '-o', 'json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ schema: 'parker.apply/v1', file: layoutFile, outcome: 'no-changes' });
    // The applied layout keeps the name it was applied under, and when.
    const status = JSON.parse((await runCli('status', '-o', 'json')).stdout) as { layout: { file: string } };
    expect(status.layout.file).toBe('layout.yaml');
  });

  test('after a machine reset brings every kernel back on the CPUs, memory and devices it had', async () => {
    const reset = await runCli('sim', 'inject', 'db', 'reboot');
    expect(reset.stdout + reset.stderr).toContain('H10');
    expect(await partitions()).toEqual([]);
    // A dry run shows the plan and changes nothing.
    const dry = await runCli('apply', '--applied', '--dry-run', '-o', 'json');
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ outcome: 'dry-run', plan: { steps: expect.any(Array) } });
    expect(await partitions()).toEqual([]);
    // Exactly the command deploy/systemd/parker-apply.service runs at boot, on this simulated machine.
    const unit = fs.readFileSync(path.join(import.meta.dirname, '../deploy/systemd/parker-apply.service'), 'utf8');
    const argv = /^ExecStart=\/usr\/bin\/parker (.*)$/m.exec(unit)![1]!.split(' ');
    expect(argv).toEqual(['apply', '--applied', '--machine', 'host', '--yes']);
    const r = await runCli(...argv.filter((a, i) => a !== '--machine' && argv[i - 1] !== '--machine'));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('done: 27 steps');
    const after = await partitions();
    expect(after.map(({ name, state, cpus, memory, devices }) => ({ name, state, cpus, memory, devices }))).toEqual(before.map(({ name, state, cpus, memory, devices }) => ({ name, state, cpus, memory, devices })));
  });

  test('brings back only what is missing: a destroyed kernel, the others left running', async () => {
    expect((await runCli('destroy', 'web', '--yes')).code).toBe(0);
    const r = await runCli('apply', '--applied', '--yes', '-o', 'json');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { outcome: string; plan: { kernels: { kernel: string; action: string }[] } };
    expect(report.outcome).toBe('applied');
    expect(report.plan.kernels.filter((k) => k.action !== 'unchanged').map((k) => `${k.kernel}:${k.action}`)).toEqual(['web:create']);
    expect((await partitions()).map((p) => `${p.name}:${p.state}`)).toEqual(['batch:online', 'db:online', 'web:online']);
  });
});

describe('apply --applied: the layout as it was applied, checked again', () => {
  const placed = (list: Partition[]) => list.map(({ name, state, cpus, memory, devices }) => ({ name, state, cpus, memory, devices }));

  test('an edit of its file since, not applied, is not taken in, and a note says so', async () => {
    expect((await runCli('sim', 'inject', 'db', 'reboot')).code).toBe(0);
    expect(await partitions()).toEqual([]);
    // Edited since it was applied: db now asks for more memory than node 1's pool holds.
    fs.writeFileSync(layoutFile, DEFAULT.replace(/^(\s+memory:) 32G$/m, '$1 480G'));
    expect(fs.readFileSync(layoutFile, 'utf8')).not.toBe(DEFAULT);
    const r = await runCli('apply', '--applied', '--yes', '-o', 'json');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ outcome: 'applied', fileSinceApplied: 'changed' });
    expect(r.stderr).toContain(`note: ${layoutFile} changed since it was applied: --applied applies it as it was applied; to apply it as it is now: parker apply ${layoutFile}`);
    expect(placed(await partitions())).toEqual(placed(before));
    // Applied by its file, the edit is what it is: errors, nothing changed.
    const edited = await runCli('apply', layoutFile, '--yes');
    expect(edited.code).toBe(1);
    expect(placed(await partitions())).toEqual(placed(before));
  });

  test('a file gone since does not keep the kernels from coming back', async () => {
    expect((await runCli('sim', 'inject', 'db', 'reboot')).code).toBe(0);
    fs.rmSync(layoutFile);
    const r = await runCli('apply', '--applied', '--yes');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`note: ${layoutFile} cannot be read now: --applied applies the layout as it was applied from it`);
    expect(placed(await partitions())).toEqual(placed(before));
    const again = JSON.parse((await runCli('apply', '--applied', '--yes', '-o', 'json')).stdout) as { outcome: string; fileSinceApplied: string };
    expect(again).toMatchObject({ outcome: 'no-changes', fileSinceApplied: 'gone' });
  });

  test('a layout that no longer holds on the machine as it is now changes nothing: a kernel config file gone', async () => {
    // The same layout with a .config for db, beside it: read again, relative to where the layout was.
    const withConfig = path.join(scratch, 'with-config.yaml');
    const config = path.join(scratch, 'db.config');
    fs.writeFileSync(withConfig, DEFAULT.replace(/^(\s+)image: \/boot\/vmlinuz-parker$/m, '$1image: /boot/vmlinuz-parker\n$1config: db.config'));
    fs.writeFileSync(config, 'CONFIG_SMP=y\n');
    expect((await runCli('apply', withConfig, '--yes')).code).toBe(0);
    expect((await runCli('sim', 'inject', 'db', 'reboot')).code).toBe(0);
    fs.rmSync(config);
    const r = await runCli('apply', '--applied', '--yes');
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`error E_SPEC_READ: kernel db: cannot read its config ${config}`);
    expect(await partitions()).toEqual([]);
    fs.writeFileSync(config, 'CONFIG_SMP=y\n');
    expect((await runCli('apply', '--applied', '--yes')).code).toBe(0);
    expect(placed(await partitions())).toEqual(placed(before));
  });
});

describe('apply --applied after a saved plan', () => {
  test('finds the layout the plan was made from by its absolute path, from any directory', async () => {
    expect((await runCli('destroy', '--all', '--yes')).code).toBe(0);
    fs.writeFileSync(layoutFile, DEFAULT);
    const planFile = path.join(scratch, 'plan.json');
    // Planned and applied by relative names, as a user in that directory types them.
    const here = process.cwd();
    process.chdir(scratch);
    try {
      expect((await runCli('plan', 'layout.yaml', '--out', 'plan.json')).code).toBe(0);
      expect((await runCli('apply', 'plan.json', '--yes')).code).toBe(0);
    } finally {
      process.chdir(here);
    }
    expect(JSON.parse(fs.readFileSync(planFile, 'utf8'))).toMatchObject({ file: 'layout.yaml', source: layoutFile });
    // systemd runs it from /: the plan's relative name alone would not be found there.
    expect((await runCli('sim', 'inject', 'db', 'reboot')).code).toBe(0);
    process.chdir('/');
    try {
      const r = await runCli('apply', '--applied', '--yes');
      expect(r.code, r.stderr).toBe(0);
    } finally {
      process.chdir(here);
    }
    expect((await partitions()).map((p) => `${p.name}:${p.state}`)).toEqual(['batch:online', 'db:online', 'web:online']);
  });
});
