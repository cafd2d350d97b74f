import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { runCli } from './run-cli.js';
import { freshSmallSimPlanner, layoutArb, SMALL_SIM, SMALL_SIM_CMDLINE } from './fixtures/small-sim.js';

const stateDir = process.env.PARKER_STATE_DIR!;
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'parker-invalid-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

type Layout = Record<string, unknown> & { kernels: Record<string, unknown>[] };

/** One way to make a layout wrong, each certain to be an error whatever the rest holds. */
const BREAKAGES: Record<string, (layout: Layout) => Layout | string> = {
  'boot CPU given away': (l) => ({ ...l, kernels: [{ ...l.kernels[0], cpus: '0-1,16-17' }, ...l.kernels.slice(1)] }),
  'CPUs the machine lacks': (l) => ({ ...l, kernels: [{ ...l.kernels[0], cpus: '40-41' }, ...l.kernels.slice(1)] }),
  'more CPUs than there are': (l) => ({ ...l, kernels: [{ ...l.kernels[0], cpus: { count: 40 } }, ...l.kernels.slice(1)] }),
  'a NUMA node that does not exist': (l) => ({ ...l, kernels: [{ ...l.kernels[0], cpus: { count: 2, placement: 'nodes', nodes: [7] } }, ...l.kernels.slice(1)] }),
  'memory not in whole GiB': (l) => ({ ...l, kernels: [{ ...l.kernels[0], memory: '1536M' }, ...l.kernels.slice(1)] }),
  'more memory than the CMA pool': (l) => ({ ...l, kernels: [{ ...l.kernels[0], memory: '9G' }, ...l.kernels.slice(1)] }),
  'a device that does not exist': (l) => ({ ...l, kernels: [{ ...l.kernels[0], devices: ['0000:99:00.0'] }, ...l.kernels.slice(1)] }),
  'one device for two kernels': (l) => ({
    ...l,
    kernels: [{ ...l.kernels[0], devices: ['0000:80:01.0'] }, { ...l.kernels[0], name: 'twin', cpus: { count: 2, placement: 'nodes', nodes: [1] }, devices: ['0000:80:01.0'] }, ...l.kernels.slice(1)],
  }),
  'two kernels with one name': (l) => ({ ...l, kernels: [...l.kernels, { ...l.kernels[0], cpus: { count: 2 } }] }),
  'a name that is not a DNS label': (l) => ({ ...l, kernels: [{ ...l.kernels[0], name: 'Bad_Name' }, ...l.kernels.slice(1)] }),
  'a paging depth the boot kernel lacks': (l) => ({ ...l, kernels: [{ ...l.kernels[0], cmdline: 'no5lvl' }, ...l.kernels.slice(1)] }),
  'a boot timeout that is not a duration': (l) => ({ ...l, kernels: [{ ...l.kernels[0], bootTimeout: 'soon' }, ...l.kernels.slice(1)] }),
  'an empty image path': (l) => ({ ...l, kernels: [{ ...l.kernels[0], image: '' }, ...l.kernels.slice(1)] }),
  'an unknown field': (l) => ({ ...l, kernelz: [] }),
  'another API version': (l) => ({ ...l, apiVersion: 'parker/v9' }),
  'broken YAML': (l) => `${stringify(l)}\n  - { name: [\n`,
};

/** Every file under a directory, with its bytes: "nothing written" means this does not change. */
function filesUnder(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    out.set(path.relative(dir, file), fs.readFileSync(file).toString('base64'));
  }
  return out;
}

beforeAll(async () => {
  // A small machine with one kernel already applied: the journal and ops.log hold something.
  expect((await runCli('sim', 'create', '--synthetic', SMALL_SIM, '--cmdline', SMALL_SIM_CMDLINE)).code).toBe(0);
  const layout = path.join(scratch, 'one.yaml');
  fs.writeFileSync(layout, stringify({ apiVersion: 'parker/v1alpha1', kind: 'Layout', metadata: { name: 'one' }, kernels: [{ name: 'one', cpus: { count: 2, placement: 'nodes', nodes: [1] }, memory: '1G', image: '/boot/vmlinuz-parker', stop: { command: ['true'] } }] }));
  const r = await runCli('apply', layout);
  expect(r.code).toBe(0);
});

describe('invalid layouts never write anything', () => {
  test('the state directory holds an applied layout to protect', () => {
    const files = [...filesUnder(stateDir).keys()];
    expect(files).toEqual(expect.arrayContaining(['journal.jsonl', path.join('sim', 'ops.log')]));
    expect(fs.readFileSync(path.join(stateDir, 'sim', 'ops.log'), 'utf8')).not.toBe('');
  });

  let n = 0;
  test.each(Object.keys(BREAKAGES))('apply of random layouts with %s exits 1 and leaves the state directory byte for byte', async (breakage) => {
    const before = filesUnder(stateDir);
    await fc.assert(
      fc.asyncProperty(layoutArb, async (spec) => {
        const broken = BREAKAGES[breakage]!(JSON.parse(JSON.stringify(spec)) as Layout);
        const file = path.join(scratch, `invalid-${n++}.yaml`);
        fs.writeFileSync(file, typeof broken === 'string' ? broken : stringify(broken));

        const r = await runCli('apply', file);

        expect([r.code, r.stderr]).toEqual([1, '']);
        expect(r.stdout).toContain('No plan: fix the errors above first.');
        expect(filesUnder(stateDir)).toEqual(before);
      }),
      { numRuns: 2 },
    );
  });

  test('random layouts that are invalid as generated (overlaps, pools overfilled) exit 1 and write nothing', async () => {
    const fresh = freshSmallSimPlanner();
    const before = filesUnder(stateDir);
    await fc.assert(
      fc.asyncProperty(layoutArb, async (spec) => {
        fc.pre(fresh.plan(spec) === null);
        const file = path.join(scratch, `invalid-${n++}.yaml`);
        fs.writeFileSync(file, stringify(spec));
        const r = await runCli('apply', file);
        expect([r.code, r.stderr]).toEqual([1, '']);
        expect(filesUnder(stateDir)).toEqual(before);
      }),
      { numRuns: 10 },
    );
  });

  test('under -o json too: exit 1, the diagnostics as JSON, nothing written', async () => {
    const before = filesUnder(stateDir);
    const file = path.join(scratch, 'boot-cpu.yaml');
    fs.writeFileSync(file, stringify({ apiVersion: 'parker/v1alpha1', kind: 'Layout', metadata: { name: 'x' }, kernels: [{ name: 'x', cpus: '0-1', memory: '1G', image: '/boot/vmlinuz-parker' }] }));
    const r = await runCli('apply', file, '-o', 'json');
    expect(r.code).toBe(1);
    const data = JSON.parse(r.stdout);
    expect(data.plan).toBeNull();
    expect(data.diagnostics.filter((d: { severity: string }) => d.severity === 'error').length).toBeGreaterThan(0);
    expect(filesUnder(stateDir)).toEqual(before);
  });
});
