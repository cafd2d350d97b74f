import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';
import { hostMachine } from '../src/machines/host/host-machine.js';
import { withHostHardware } from '../src/service/host-hardware.js';
import { planLayout } from '../src/service/plan.js';
import { parkerInterface } from '../src/interfaces/parker/index.js';
import { readUnpackedMeta } from '../src/snapshot/snapshot.js';
import { DirectoryFs } from '../src/machines/directory-fs.js';
import { missesStructure } from '../src/topology/hardware-topology.js';
import { discover } from '../src/topology/discover.js';

/**
 * A machine that already runs the layout plans no steps, whichever way parker reads it: the
 * simulator, a snapshot gathered from it, that snapshot unpacked as a --root tree, and a host
 * reading that tree with the structure it recorded before partitions took CPUs offline.
 */
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'parker-applied-'));
const archive = path.join(work, 'applied.tar.gz');
const root = path.join(work, 'root');
const layoutData = (r: { stdout: string }) => JSON.parse(r.stdout) as { plan: { steps: unknown[]; kernels: { action: string }[] } };

beforeAll(async () => {
  expect((await runCli('apply', 'examples/default.yaml')).code).toBe(0);
  expect((await runCli('gather', '--machine', 'sim', '-f', archive)).code).toBe(0);
  fs.mkdirSync(root);
  execFileSync('tar', ['xzf', archive, '-C', root]);
});

describe('planning a layout the machine already runs', () => {
  it('gives no steps on the simulator', async () => {
    const plan = layoutData(await runCli('plan', 'examples/default.yaml', '-o', 'json')).plan;
    expect(plan.steps).toEqual([]);
    expect(plan.kernels.every((k) => k.action === 'unchanged')).toBe(true);
  });

  it('gives no steps from a snapshot of it', async () => {
    const plan = layoutData(await runCli('plan', 'examples/default.yaml', '--from', archive, '-o', 'json')).plan;
    expect(plan.steps).toEqual([]);
    expect(plan.kernels.length).toBeGreaterThan(0);
  });

  it('gives no steps from that snapshot unpacked as --root', async () => {
    const plan = layoutData(await runCli('plan', 'examples/default.yaml', '--root', root, '-o', 'json')).plan;
    expect(plan.steps).toEqual([]);
  });

  it('gives no steps on a host that recorded its hardware before the partitions took CPUs offline', () => {
    const stateDir = fs.mkdtempSync(path.join(work, 'host-state-'));
    const hardware = readUnpackedMeta(new DirectoryFs(root))!.hardware!;
    fs.writeFileSync(path.join(stateDir, 'hardware.json'), JSON.stringify({ format: 'parker.hardware/v1', topology: hardware }));
    const host = withHostHardware(hostMachine(root), stateDir);
    expect(missesStructure(discover(host))).toBe(true);
    expect(planLayout('examples/default.yaml', host, parkerInterface, stateDir).plan?.steps).toEqual([]);
  });

  it('a host without a record, whose CPUs are not all online, records nothing and has no structure to offer', () => {
    const stateDir = fs.mkdtempSync(path.join(work, 'host-none-'));
    const host = withHostHardware(hostMachine(root), stateDir);
    expect(host.hardware!(discover(host))).toBeNull();
    expect(fs.existsSync(path.join(stateDir, 'hardware.json'))).toBe(false);
  });

  it('a host records its hardware at first sight, when every CPU is online', async () => {
    const fresh = path.join(work, 'fresh');
    fs.mkdirSync(fresh);
    const state = fs.mkdtempSync(path.join(work, 'fresh-state-'));
    const r = await runCli('gather', '--synthetic', 'pack:1 numa:1 l3:1 core:2 pu:2 mem:8G', '-f', path.join(work, 'fresh.tar.gz'));
    expect(r.code).toBe(0);
    execFileSync('tar', ['xzf', path.join(work, 'fresh.tar.gz'), '-C', fresh]);
    const host = withHostHardware(hostMachine(fresh), state);
    const live = discover(host);
    expect(host.hardware!(live)).toEqual(live);
    expect(JSON.parse(fs.readFileSync(path.join(state, 'hardware.json'), 'utf8')).format).toBe('parker.hardware/v1');
  });
});
