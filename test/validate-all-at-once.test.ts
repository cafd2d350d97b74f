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
});
