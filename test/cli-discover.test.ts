import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeTreeToDirectory } from '../src/machines/file-tree-disk.js';
import { buildSyntheticTree } from '../src/synthetic/tree.js';
import { parseSyntheticDescription } from '../src/synthetic/description.js';
import type { Topology } from '../src/topology/model.js';
import { parse as parseYaml } from 'yaml';
import { runCli } from './run-cli.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'parker-cli-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const withoutMachine = (t: Topology) => ({ ...t, machine: null });

describe('parker discover', () => {
  it('describes the simulated default server by default, and says so', async () => {
    const r = await runCli('discover');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('simulated default server (sim)');
    expect(r.stdout).toContain('256 possible, 256 online (0-255)');
    expect(r.stdout).toContain('2 packages, 4 NUMA nodes, 16 last-level caches, 128 cores, 2 threads per core');
  });

  it('prints the versioned JSON shape and the same data as YAML', async () => {
    const json = JSON.parse((await runCli('discover', '-o', 'json')).stdout) as Topology;
    expect(json.schema).toBe('parker.topology/v1');
    expect(json.machine.kind).toBe('sim');
    expect(json.cpu).toHaveLength(256);
    expect(json.cpu[5]).toMatchObject({ id: 5, package: 0, node: 0, threadSiblings: [5, 133] });
    const yaml = parseYaml((await runCli('discover', '-o', 'yaml')).stdout) as Topology;
    expect(yaml).toEqual(json);
  });

  it('describes a synthetic machine', async () => {
    const r = await runCli('discover', '--synthetic', 'pack:2 numa:2 l3:4 core:8 pu:2 mem:64G', '-o', 'json');
    const t = JSON.parse(r.stdout) as Topology;
    expect(t.machine).toEqual({ kind: 'synthetic', description: 'synthetic "pack:2 numa:2 l3:4 core:8 pu:2 mem:64G"', arch: 'x86_64' });
    expect([t.packages.length, t.nodes.length, t.cores.length, t.cpu.length]).toEqual([2, 4, 128, 256]);
  });

  it('describes a copied tree with --root, the same as the tree in memory', async () => {
    const desc = 'pack:1 numa:2 l3:2 core:4 pu:2 mem:8G nvme:1';
    const root = path.join(tmp, 'root');
    writeTreeToDirectory(buildSyntheticTree(parseSyntheticDescription(desc)), root);
    const fromRoot = JSON.parse((await runCli('discover', '--root', root, '-o', 'json')).stdout) as Topology;
    const fromSynthetic = JSON.parse((await runCli('discover', '--synthetic', desc, '-o', 'json')).stdout) as Topology;
    expect(fromRoot.machine.kind).toBe('root');
    expect(withoutMachine(fromRoot)).toEqual(withoutMachine(fromSynthetic));
  });

  it('refuses two machines at once, an unknown machine and a bad description, changing nothing', async () => {
    const both = await runCli('discover', '--machine', 'sim', '--synthetic', 'pack:1 core:1');
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('E_USAGE: choose one machine: --machine and --synthetic were both given');
    const unknown = await runCli('discover', '--machine', 'mainframe');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown machine "mainframe"');
    const bad = await runCli('discover', '--synthetic', 'pack:2 coer:4');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('coer');
    const missing = await runCli('discover', '--root', path.join(tmp, 'nope'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no such directory');
  });

  it('rejects an unknown output format with a usage error', async () => {
    const r = await runCli('discover', '-o', 'xml');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('xml');
  });
});

describe('parker gather and discover --from', () => {
  it('gives the same answer from the snapshot as from the machine', async () => {
    const archive = path.join(tmp, 'server.tar.gz');
    const desc = 'pack:2 numa:2 l3:2 core:4 pu:2 mem:16G nvme:1 nic:1';
    const g = await runCli('gather', '--synthetic', desc, '-f', archive);
    expect(g.code).toBe(0);
    expect(g.stderr).toContain(`-> ${archive}`);
    const original = JSON.parse((await runCli('discover', '--synthetic', desc, '-o', 'json')).stdout) as Topology;
    const fromArchive = JSON.parse((await runCli('discover', '--from', archive, '-o', 'json')).stdout) as Topology;
    expect(fromArchive.machine.kind).toBe('archive');
    expect(fromArchive.machine.description).toContain('server.tar.gz');
    expect(withoutMachine(fromArchive)).toEqual(withoutMachine(original));
  });

  it('writes the same bytes for the same machine and clock', async () => {
    const a = path.join(tmp, 'a.tar.gz');
    const b = path.join(tmp, 'b.tar.gz');
    await runCli('gather', '--machine', 'sim', '-f', a);
    await runCli('gather', '--machine', 'sim', '-f', b);
    expect(fs.readFileSync(a).equals(fs.readFileSync(b))).toBe(true);
  });

  it('refuses a file that is not a snapshot, naming it', async () => {
    const junk = path.join(tmp, 'junk.tar.gz');
    fs.writeFileSync(junk, 'not an archive at all');
    const r = await runCli('discover', '--from', junk);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('junk.tar.gz');
    expect(r.stderr).toContain('parker gather');
  });

  it('gathers this computer read-only and reads the snapshot back to the same topology', async () => {
    const archive = path.join(tmp, 'host.tar.gz');
    const g = await runCli('gather', '--machine', 'host', '-f', archive);
    expect(g.code).toBe(0);
    const host = JSON.parse((await runCli('discover', '--machine', 'host', '-o', 'json')).stdout) as Topology;
    const back = JSON.parse((await runCli('discover', '--from', archive, '-o', 'json')).stdout) as Topology;
    expect(host.machine.kind).toBe('host');
    expect(host.cpus.online.length).toBe(os.cpus().length);
    expect(withoutMachine(back)).toEqual({ ...withoutMachine(host) });
  });
});
