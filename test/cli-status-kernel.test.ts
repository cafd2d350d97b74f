import * as fs from 'node:fs';
import { parse } from 'yaml';
import { beforeAll, describe, expect, test } from 'vitest';
import { runCli } from './run-cli.js';

// `parker status NAME`: one kernel in full, as `kubectl describe` shows one object.
describe('status NAME on the default simulated server', () => {
  beforeAll(async () => {
    expect((await runCli('sim', 'create')).code).toBe(0);
    expect((await runCli('apply', 'examples/default.yaml')).code).toBe(0);
  });

  test('-o json: its partition, the layout view, devices, console tail and only its own events', async () => {
    const all = JSON.parse((await runCli('status', '-o', 'json')).stdout);
    const r = await runCli('status', 'db', '-o', 'json');
    expect(r.code).toBe(0);
    const k = JSON.parse(r.stdout);
    expect(k.schema).toBe('parker.kernel-status/v1');
    expect(k.partition).toEqual(all.partitions.find((p: { name: string }) => p.name === 'db'));
    const spec = parse(fs.readFileSync('examples/default.yaml', 'utf8')) as { kernels: { name: string; profile?: string }[] };
    expect(k.layout.profile).toBe(spec.kernels.find((x) => x.name === 'db')!.profile ?? 'balanced');
    expect(k.layout.cmdline).toContain('parker=');
    expect(k.devices.map((d: { address: string }) => d.address)).toEqual(k.partition.devices);
    expect(k.devices.every((d: { class: string | null }) => d.class !== null)).toBe(true);
    expect(k.console.length).toBeGreaterThan(0);
    expect(k.console.length).toBeLessThanOrEqual(20);
    expect(k.console.at(-1)).toMatch(/Run .* as init process/);
    expect(k.events.length).toBeGreaterThan(0);
    expect(k.events.every((e: { kernel?: string }) => e.kernel === 'db')).toBe(true);
  });

  test('the table names the kernel, its CPUs, its command line and its console', async () => {
    const r = await runCli('status', 'web');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Kernel +web$/m);
    expect(r.stdout).toMatch(/^CPUs +\S+ \(\d+\)$/m);
    expect(r.stdout).toMatch(/^Cmdline +.*console=ttyS/m);
    expect(r.stdout).toContain('Console (last ');
  });

  test('an unknown name exits 2 and lists the kernels there are', async () => {
    const r = await runCli('status', 'nope');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('E_NOT_FOUND');
    const names = JSON.parse((await runCli('status', '-o', 'json')).stdout).partitions.map((p: { name: string }) => p.name);
    expect(r.stderr).toContain(`one of: ${names.join(', ')}`);
  });
});
