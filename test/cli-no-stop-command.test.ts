import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { runCli } from './run-cli.js';

// A kernel whose layout gives no stop command cannot be asked to power off: stop, destroy and
// an apply that would change it are refused at once, with nothing changed, until it powers
// itself off; then they go on. A kernel that panicked and halted does not answer its stop command.

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'parker-no-stop-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

const layout = (kernels: string) => {
  const file = path.join(scratch, `layout-${Math.random().toString(36).slice(2)}.yaml`);
  fs.writeFileSync(file, `apiVersion: parker/v1alpha1\nkind: Layout\nmetadata: { name: t }\nboot: { cpus: "0-15,128-143" }\nkernels:\n${kernels}`);
  return file;
};
const K1 = `  - name: k1\n    cpus: { count: 4 }\n    memory: 4G\n    image: /boot/vmlinuz-parker\n`;
const K2_WITH_STOP = `  - name: k2\n    cpus: { count: 4 }\n    memory: 4G\n    image: /boot/vmlinuz-parker\n    stop: { command: [ssh, root@k2, poweroff] }\n`;

async function states(): Promise<Record<string, string>> {
  const r = await runCli('status', '-o', 'json');
  expect(r.code, r.stderr).toBe(0);
  return Object.fromEntries((JSON.parse(r.stdout) as { partitions: { name: string; state: string }[] }).partitions.map((p) => [p.name, p.state]));
}

describe('a kernel with no stop command', () => {
  test('validate notes it; stop, destroy and a changing apply are refused at once until it powers itself off', async () => {
    const file = layout(K1 + K2_WITH_STOP);
    const v = await runCli('validate', file, '-o', 'json');
    const notes = (JSON.parse(v.stdout) as { diagnostics: { rule: string; kernels: string[] }[] }).diagnostics.filter((d) => d.rule === 'stop-command');
    expect(notes.map((d) => d.kernels)).toEqual([['k1']]);

    expect((await runCli('apply', file)).code).toBe(0);
    expect(await states()).toEqual({ k1: 'online', k2: 'online' });

    const started = Date.now();
    for (const args of [['stop', 'k1'], ['destroy', 'k1'], ['destroy', '--all'], ['apply', layout(K2_WITH_STOP)]]) {
      const r = await runCli(...args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(3);
      expect(r.stderr).toContain('error E_CANNOT_STOP: k1 runs, and no stop command is known for it');
      expect(r.stderr).toContain('power k1 off from inside');
    }
    // At once (the stop would have waited 300 s), and nothing changed: k2 runs too.
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(await states()).toEqual({ k1: 'online', k2: 'online' });

    // It powers itself off: destroy goes on.
    expect((await runCli('sim', 'inject', 'k1', 'poweroff')).code).toBe(0);
    expect(await states()).toMatchObject({ k1: 'stopped' });
    const d = await runCli('destroy', 'k1');
    expect(d.code, d.stderr).toBe(0);
    expect(await states()).toEqual({ k2: 'online' });
  });

  test("a layout that changes a running kernel and drops its stop command stops it with the one it was started with", async () => {
    const changed = layout(K2_WITH_STOP.replace('stop: { command: [ssh, root@k2, poweroff] }\n', '').replace('memory: 4G', 'memory: 6G'));
    const r = await runCli('apply', changed);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('run ssh root@k2 poweroff');
    expect(await states()).toEqual({ k2: 'online' });
    // Put it back as it was, for the next test.
    expect((await runCli('apply', layout(K2_WITH_STOP))).code).toBe(0);
  });

  test('a rollback that would have to stop a kernel with no stop command fails at once and leaves it running, said', async () => {
    expect((await runCli('destroy', '--all')).code).toBe(0);
    const never = `  - name: k3\n    cpus: { count: 4 }\n    memory: 4G\n    image: /boot/vmlinuz-parker\n    order: 2\n    ready: { pattern: NEVER-PRINTED, timeout: 1s }\n    stop: { command: [ssh, root@k3, poweroff] }\n`;
    const started = Date.now();
    const r = await runCli('apply', layout(K1.replace('    image:', '    order: 1\n    image:') + never));
    expect(r.code).toBe(5);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(r.stdout + r.stderr).toContain('could not undo');
    expect(r.stdout + r.stderr).toContain('k1 runs, and no stop command is known for it: parker cannot ask it to power off, so it is left running');
    expect(await states()).toMatchObject({ k1: 'online' });
    expect((await runCli('sim', 'inject', 'k1', 'poweroff')).code).toBe(0);
    expect((await runCli('destroy', '--all')).code).toBe(0);
    expect((await runCli('apply', layout(K2_WITH_STOP))).code).toBe(0);
  }, 60_000);

  test('a kernel that panicked and halted does not answer its stop command: stop fails, the kernel stays halted', async () => {
    expect((await runCli('sim', 'inject', 'k2', 'panic')).code).toBe(0);
    const r = await runCli('stop', 'k2');
    expect(r.code).toBe(5);
    expect(r.stdout + r.stderr).toContain('exited 255');
    expect(r.stdout + r.stderr).toContain('panicked and halted');
    expect(await states()).toEqual({ k2: 'halted' });
  });
});
