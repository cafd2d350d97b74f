import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { openSimMachine } from '../src/machines/sim/sim-machine.js';
import { Journal } from '../src/apply/journal.js';
import { parseCpuList } from '../src/units/cpulist.js';
import { runCli } from './run-cli.js';
import { makeTestBzImage } from '../src/machines/sim/bzimage.js';
import { observedState, orphans } from './fixtures/sim-observed-state.js';
import { journalProblems } from './fixtures/journal-consistency.js';

// The whole file drives one simulated default server, in order: apply, look, stop, start, destroy.
const stateDir = process.env.PARKER_STATE_DIR!;
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'parker-lifecycle-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

interface StatusPartition {
  name: string;
  state: string;
  online: boolean;
  cpus: number[];
  inLayout: boolean;
}

async function status(): Promise<{ partitions: StatusPartition[]; unfinishedTransaction: unknown; lock: unknown }> {
  const r = await runCli('status', '-o', 'json');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout);
}

/** The simulated machine as its state directory tells (what the next command would see). */
function withSim<T>(look: (sim: ReturnType<typeof openSimMachine>) => T): T {
  const sim = openSimMachine(stateDir);
  try {
    return look(sim);
  } finally {
    sim.close();
  }
}

const bootCpusOnline = () => withSim((sim) => parseCpuList(sim.fs.read('sys/devices/system/cpu/online').trim()));

describe('the kernel lifecycle through the CLI, on the default simulated server', () => {
  test('apply examples/default.yaml starts its three kernels', async () => {
    const r = await runCli('apply', 'examples/default.yaml');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('ok [1/27] db: mkdir sys/fs/parker/db');
    expect(r.stdout).toContain('done: 27 steps\n');
  });

  test('status -o json shows three online kernels of the layout, nothing unfinished', async () => {
    const s = await status();
    expect(s.partitions.map((p) => [p.name, p.state, p.online, p.inLayout])).toEqual([
      ['batch', 'online', true, true],
      ['db', 'online', true, true],
      ['web', 'online', true, true],
    ]);
    expect(s.unfinishedTransaction).toBeNull();
    expect(s.lock).toBeNull();
    expect(withSim(orphans)).toEqual([]);
  });

  test('applying it again changes nothing', async () => {
    const before = withSim(observedState);
    const r = await runCli('apply', 'examples/default.yaml');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Plan: no changes. The machine already matches the layout.');
    expect(r.stdout).not.toContain('done:');
    expect(withSim(observedState)).toEqual(before);
  });

  test('console db shows its boot log with its own resources', async () => {
    const r = await runCli('console', 'db');
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^\[ +0\.000000\] Linux version .* \(parker application kernel\)/);
    expect(r.stdout).toContain('parker: partition 1 "db", control structure at 0x');
    expect(r.stdout).toContain('smp: Brought up 1 node, 32 CPUs (boot kernel CPUs 32-47,160-175)');
    expect(r.stdout).toContain('0000:40:01.0');
    expect(lines.at(-1)).toMatch(/Run \/init as init process$/);
  });

  test('console of a kernel that does not exist is a usage error naming it', async () => {
    const r = await runCli('console', 'nosuch');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no partition named nosuch');
  });

  test('stop db: not online, its partition kept', async () => {
    const r = await runCli('stop', 'db');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('run ssh root@db.lab poweroff');
    const db = (await status()).partitions.find((p) => p.name === 'db')!;
    expect([db.state, db.online]).toEqual(['stopped', false]);
    const again = await runCli('stop', 'db');
    expect([again.code, again.stdout]).toEqual([0, 'db is not running\n']);
  });

  test('start db: online again, in a new partition (a Parker partition is single-use)', async () => {
    const r = await runCli('start', 'db');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/1\. rmdir sys\/fs\/parker\/db\b[^\n]*\n\s+2\. mkdir sys\/fs\/parker\/db\b/);
    expect(r.stdout).toContain('done: 10 steps');
    const db = (await status()).partitions.find((p) => p.name === 'db')!;
    expect([db.state, db.online]).toEqual(['online', true]);
  });

  test('destroy web: gone, its CPUs back online in the boot kernel', async () => {
    const web = (await status()).partitions.find((p) => p.name === 'web')!;
    expect(web.cpus).toHaveLength(48);
    expect(bootCpusOnline().filter((c) => web.cpus.includes(c))).toEqual([]);
    const r = await runCli('destroy', 'web');
    expect(r.code).toBe(0);
    expect((await status()).partitions.map((p) => p.name)).toEqual(['batch', 'db']);
    expect(bootCpusOnline().filter((c) => web.cpus.includes(c))).toEqual(web.cpus);
    expect(withSim(orphans)).toEqual([]);
  });

  test('destroy with neither a name nor --all is a usage error', async () => {
    const r = await runCli('destroy');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('name one partition or give --all');
  });

  test('destroy --all: no partitions, every CPU online again', async () => {
    const r = await runCli('destroy', '--all');
    expect(r.code).toBe(0);
    // Every step it runs is in the plan it shows, the boot kernel's last one too.
    const steps = [...r.stdout.matchAll(/^ {8}(\d+)\. /gm)].map((m) => Number(m[1]));
    const ran = [...r.stdout.matchAll(/^ok \[(\d+)\/(\d+)\]/gm)].map((m) => Number(m[1]));
    expect(steps.length).toBeGreaterThan(0);
    expect(steps).toEqual(ran);
    expect(r.stdout).toContain('~ boot change: no partition is left');
    expect((await status()).partitions).toEqual([]);
    expect(bootCpusOnline()).toHaveLength(256);
    expect(withSim(orphans)).toEqual([]);
    // Whatever image was loaded pointed into memory now back in its pool.
    expect(withSim((sim) => sim.kexec!.loaded())).toBe(false);
  });

  test('recover with nothing open says so', async () => {
    const r = await runCli('recover');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('nothing to recover: the journal has no unfinished transaction\n');
  });

  test('a failing apply exits 5, names the failed step and its error, and leaves the machine as it was', async () => {
    const layout = path.join(scratch, 'unloadable-image.yaml');
    // A bzImage validate accepts, whose init_size (3 GiB) no 2 GiB partition holds: kexec refuses it at step 11.
    const image = path.join(scratch, 'vmlinuz-huge-init');
    fs.writeFileSync(image, makeTestBzImage({ initSize: 3 * 2 ** 30 }));
    fs.writeFileSync(
      layout,
      [
        'apiVersion: parker/v1alpha1',
        'kind: Layout',
        'metadata: { name: unloadable-image }',
        'kernels:',
        '  - { name: good, cpus: { count: 4, placement: nodes, nodes: [1] }, memory: 2G, image: /boot/vmlinuz-parker, order: 1, stop: { command: [ssh, good, poweroff] } }',
        `  - { name: bad, cpus: { count: 4, placement: nodes, nodes: [2] }, memory: 2G, image: ${image}, order: 2, stop: { command: [ssh, bad, poweroff] } }`,
        '',
      ].join('\n'),
    );
    const before = withSim(observedState);
    const r = await runCli('apply', layout);
    expect(r.code).toBe(5);
    // good was created and started before bad failed: the rollback stopped and removed it.
    expect(r.stdout).toContain('ok [6/14] good: wait until sys/fs/parker/good/online = 1');
    expect(r.stdout).toContain('undo good: run ssh good poweroff');
    expect(r.stdout).toContain(`failed at step 11 (bad: kexec load ${image} for bad): `);
    expect(r.stdout).toContain('ENOMEM (init_size');
    expect(r.stdout).toContain('rolled back the 10 steps before it: the machine is as it was');
    expect(r.stdout).not.toContain('could not undo');
    expect(withSim(observedState)).toEqual(before);
    expect(withSim(orphans)).toEqual([]);
    const journal = new Journal(stateDir);
    expect(journal.unfinished()).toBeUndefined();
    expect(journalProblems(journal.records(), { closed: true })).toEqual([]);
  });

  test('validate and apply refuse a missing, unreadable or non-bzImage image or initrd, and a command line over the image\'s limit, before anything changes', async () => {
    const notImage = path.join(scratch, 'not-a-bzimage');
    fs.writeFileSync(notImage, 'just text\n');
    const shortLine = path.join(scratch, 'vmlinuz-short-cmdline');
    fs.writeFileSync(shortLine, makeTestBzImage({ cmdlineSize: 64 }));
    const unreadable = path.join(scratch, 'initrd-dir');
    fs.mkdirSync(unreadable, { recursive: true });
    const kernel = (name: string, extra: string, node: number) => `  - { name: ${name}, cpus: { count: 2, placement: nodes, nodes: [${node}] }, memory: 1G, ${extra} }`;
    const layout = path.join(scratch, 'bad-files.yaml');
    fs.writeFileSync(
      layout,
      [
        'apiVersion: parker/v1alpha1',
        'kind: Layout',
        'metadata: { name: bad-files }',
        'kernels:',
        kernel('missing', 'image: /boot/vmlinuz-missing', 0),
        kernel('text', `image: ${notImage}`, 1),
        kernel('short', `image: ${shortLine}`, 2),
        kernel('noinitrd', 'image: /boot/vmlinuz-parker, initrd: /boot/initrd-missing.img', 3),
        kernel('dirinitrd', `image: /boot/vmlinuz-parker, initrd: ${unreadable}`, 3),
        '',
      ].join('\n'),
    );
    const before = withSim(observedState);
    const v = await runCli('validate', layout);
    expect(v.code).toBe(1);
    expect(v.stdout + v.stderr).toContain('kernel-image: kernel missing: its image /boot/vmlinuz-missing does not exist');
    expect(v.stdout + v.stderr).toContain(`kernel-image: kernel text: its image ${notImage} is not a bzImage`);
    expect(v.stdout + v.stderr).toMatch(/cmdline-length: kernel short: its command line may be \d+ bytes once parker fills it in, over the 64/);
    expect(v.stdout + v.stderr).toContain('kernel-initrd: kernel noinitrd: its initrd /boot/initrd-missing.img does not exist');
    expect(v.stdout + v.stderr).toContain('kernel-initrd: kernel dirinitrd: its initrd');
    const a = await runCli('apply', layout);
    expect(a.code).toBe(1);
    expect(withSim(observedState)).toEqual(before);
  });

  test('apply -o json prints one JSON document on stdout, progress on stderr', async () => {
    const r = await runCli('apply', 'examples/default.yaml', '-o', 'json');
    expect(r.code).toBe(0);
    const data = JSON.parse(r.stdout);
    expect(data.schema).toBe('parker.apply/v1');
    expect(data.outcome).toBe('applied');
    expect(data.result.outcome).toBe('applied');
    expect(data.result.stepsRun).toBe(27);
    expect(data.plan.steps).toHaveLength(27);
    expect(r.stderr).toContain('ok [26/27] batch: wait until sys/fs/parker/batch/online = 1');
    expect((await status()).partitions.filter((p) => p.online).map((p) => p.name)).toEqual(['batch', 'db', 'web']);
  });

  test('apply --dry-run shows the plan and changes nothing', async () => {
    const before = withSim(observedState);
    const journalBefore = fs.readFileSync(path.join(stateDir, 'journal.jsonl'));
    const layout = path.join(scratch, 'only-db.yaml');
    fs.writeFileSync(layout, fs.readFileSync('examples/default.yaml', 'utf8').replace(/\n {2}- name: web[\s\S]*$/, '\n'));
    const r = await runCli('apply', layout, '--dry-run');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Plan: 0 to create, 0 to change, 2 to delete, 1 unchanged');
    expect(withSim(observedState)).toEqual(before);
    expect(fs.readFileSync(path.join(stateDir, 'journal.jsonl'))).toEqual(journalBefore);
  });
});
