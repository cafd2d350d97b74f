import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'parker-all-at-once-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

describe('validate shows every problem at once', () => {
  it('the command-line hazards of the other kernels are judged even when one kernel cannot be placed', async () => {
    const layout = path.join(scratch, 'two-problems.yaml');
    fs.writeFileSync(
      layout,
      [
        'apiVersion: parker/v1alpha1',
        'kind: Layout',
        'metadata: { name: two-problems }',
        'kernels:',
        '  - { name: huge, cpus: { count: 300 }, memory: 2G, image: /boot/vmlinuz-parker }',
        '  - { name: small, cpus: { count: 4 }, memory: 2G, image: /boot/vmlinuz-parker, cmdline: "panic=10" }',
        '',
      ].join('\n'),
    );
    expect((await runCli('sim', 'create')).code).toBe(0);
    const r = await runCli('validate', layout, '-o', 'json');
    expect(r.code).toBe(1);
    const rules = (JSON.parse(r.stdout) as { diagnostics: { rule: string; severity: string }[] }).diagnostics.map((d) => d.rule);
    expect(rules).toContain('cpu-capacity');
    expect(rules).toContain('reboot-panic');
    // Nothing that needs a placement is judged on the kernels that have none.
    expect(rules).not.toContain('shared-llc');
    expect(rules).not.toContain('memory-cma');
  });

  it("the layout's own CPU lists and device addresses are judged against the machine even when a kernel cannot be placed", async () => {
    // The default layout on a machine of 8 CPUs and no devices: db and web cannot be placed.
    const r = await runCli('validate', 'examples/default.yaml', '--synthetic', 'pack:1 numa:1 l3:1 core:4 pu:2 mem:8G', '-o', 'json');
    expect(r.code).toBe(1);
    const found = (JSON.parse(r.stdout) as { diagnostics: { rule: string; message: string }[] }).diagnostics;
    const said = (rule: string) => found.filter((d) => d.rule === rule).map((d) => d.message);
    expect(said('cpu-capacity').length).toBeGreaterThan(0);
    expect(said('cpu-exists')).toEqual([
      'the boot kernel names CPUs 128-135, which the machine does not have (its CPUs are 0-7)',
      'kernel "batch" names CPUs 96-127,224-255, which the machine does not have (its CPUs are 0-7)',
    ]);
    // Every address the layout names: the boot kernel's two, db's, web's and batch's two.
    expect(said('device-exists')).toHaveLength(6);
  });
});
