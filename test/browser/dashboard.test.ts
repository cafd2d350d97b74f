/// <reference lib="dom" />
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type Daemon } from '../../src/server/daemon.js';
import { parseListen } from '../../src/server/listen-address.js';
import { createSim } from '../../src/service/sim.js';

// The dashboard served by a daemon on the simulated server, driven in Debian's chromium
// (apt-get install chromium; never a browser download). Screenshots and the 4096-CPU timing go
// to $PARKER_ARTIFACTS (where a CI keeps its artefacts), by default test/browser/artifacts.
const CHROMIUM = process.env.PARKER_CHROMIUM ?? '/usr/bin/chromium';
const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const ARTIFACTS = path.resolve(process.env.PARKER_ARTIFACTS ?? path.join(ROOT, 'test/browser/artifacts'));
const WEB = path.join(ROOT, 'web/dist');
/**
 * The 4096-CPU machine: the page draws it within DRAW_BUDGET_MS once the topology has arrived
 * (to the first paint of all 4096 boxes), no task blocks the page longer than that, and the
 * whole load (the daemon discovers the machine first) stays within LOAD_BUDGET_MS. Measured on
 * the shared 2-core machine on 2026-12-07 (docs/server.md, "The dashboard"): drawn in 170-210
 * ms, longest task 85-120 ms, whole load 1.0-1.3 s; each run writes render-4096.json.
 */
const DRAW_BUDGET_MS = 3000;
const LOAD_BUDGET_MS = 60_000;

if (!fs.existsSync(CHROMIUM)) throw new Error(`chromium is not at ${CHROMIUM}: apt-get install chromium (or set PARKER_CHROMIUM)`);
if (!fs.existsSync(path.join(WEB, 'index.html'))) throw new Error('the dashboard is not built: npm run build:web');

async function daemonOn(source: { kind: 'default' } | { kind: 'synthetic'; description: string }, cmdline?: string): Promise<{ daemon: Daemon; base: string }> {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'parker-e2e-'));
  createSim(stateDir, { source, now: new Date(), ...(cmdline ? { cmdline } : {}) });
  const daemon = await startDaemon({ machine: { machine: 'sim', stateDir }, stateDir, listen: parseListen('127.0.0.1:0', stateDir), version: 'e2e', log: () => {}, webDir: WEB, pollMs: 200 });
  return { daemon, base: daemon.address };
}

let browser: Browser;
beforeAll(async () => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
});
afterAll(() => browser?.close());

async function cpuColors(page: Page): Promise<Record<string, string>> {
  return page.$$eval('[data-cpu]', (els) => Object.fromEntries(els.map((e) => [(e as HTMLElement).dataset.cpu!, getComputedStyle(e).backgroundColor])));
}

type ApiStatus = { partitions: { name: string; state: string; cpus: number[]; memory: { start: number; end: number } | null; devices: string[]; profile: string | null }[] };
type ApiTopology = {
  cpu: { id: number; package: number; node: number }[];
  packages: unknown[];
  nodes: { id: number }[];
  caches: { level: number }[];
  cores: { cpus: number[] }[];
  pci: { address: string; bridge: boolean; node: number | null; iommuGroup: number | null; driver: string | null }[];
  memory: { blocks: { range: { start: number; end: number }; node: number }[] };
};

describe('the dashboard on the default simulated server', () => {
  let daemon: Daemon;
  let base: string;
  let page: Page;
  let topology: ApiTopology;
  const api = async <T,>(route: string): Promise<T> => (await (await fetch(`${base}/api/v1/${route}`)).json()) as T;
  /** Answers the next confirmation dialog, and gives its text. */
  const nextDialog = (accept: boolean): Promise<string> => new Promise((resolve) => page.once('dialog', (d) => void (accept ? d.accept() : d.dismiss()).then(() => resolve(d.message()))));
  beforeAll(async () => {
    ({ daemon, base } = await daemonOn({ kind: 'default' }));
    topology = await api<ApiTopology>('topology');
    page = await browser.newPage({ viewport: { width: 1600, height: 1200 } });
    await page.goto(base);
    await page.waitForSelector('[data-cpu]');
  });
  afterAll(() => daemon?.close());

  it('draws every CPU, all the boot kernel\'s before any layout', async () => {
    const colors = await cpuColors(page);
    expect(Object.keys(colors).length).toBe(256);
    expect(new Set(Object.values(colors)).size).toBe(1);
  });

  it('nests the machine as lstopo does: packages > NUMA nodes > L3 domains > cores > threads', async () => {
    const counts = await page.evaluate(() => ['package', 'node', 'l3', 'core'].map((k) => document.querySelectorAll(`[data-${k}]`).length));
    expect(counts).toEqual([topology.packages.length, topology.nodes.length, topology.caches.filter((c) => c.level === 3).length, topology.cores.length]);
    // Each CPU sits in its own package's and node's box, and with its core's other threads.
    const placed = await page.$$eval('[data-cpu]', (els) => els.map((e) => ({ cpu: Number((e as HTMLElement).dataset.cpu), node: Number(e.closest<HTMLElement>('[data-node]')!.dataset.node), pkg: Number(e.closest<HTMLElement>('[data-package]')!.dataset.package), core: Array.from(e.closest('[data-core]')!.querySelectorAll<HTMLElement>('[data-cpu]'), (t) => Number(t.dataset.cpu)) })));
    for (const p of placed) {
      const cpu = topology.cpu.find((c) => c.id === p.cpu)!;
      expect([p.pkg, p.node], `CPU ${p.cpu}`).toEqual([cpu.package, cpu.node]);
      expect(p.core.sort((a, b) => a - b), `CPU ${p.cpu}`).toEqual(topology.cores.find((c) => c.cpus.includes(p.cpu))!.cpus);
    }
  });

  it('lists every device with its node, IOMMU group, driver and owner', async () => {
    const rows = await page.$$eval('[data-testid^=device-]', (els) => els.map((e) => Array.from(e.querySelectorAll('td'), (td) => (td.textContent ?? '').trim())));
    const devices = topology.pci.filter((d) => !d.bridge);
    expect(rows.map((r) => r[0])).toEqual(devices.map((d) => d.address));
    for (const [i, d] of devices.entries()) expect([rows[i]![2], rows[i]![3], rows[i]![4], rows[i]![5]], d.address).toEqual([String(d.node ?? '—'), String(d.iommuGroup ?? '—'), d.driver ?? '—', 'boot']);
  });

  it('shows a bad layout\'s diagnostics with line numbers, and never offers to apply it', async () => {
    // With the token in place: a write that was sent would be accepted, not refused for want of it.
    await page.fill('[data-testid=token]', daemon.token);
    const wrong = fs.readFileSync(path.join(ROOT, 'examples/wrong.yaml'), 'utf8');
    await page.fill('[data-testid=layout]', wrong);
    await page.click('[data-testid=validate]');
    await page.waitForSelector('[data-testid=diagnostic]');
    const lines = await page.$$eval('[data-testid=diagnostic]', (els) => els.map((e) => e.textContent ?? ''));
    expect(lines.some((l) => /^layout\.yaml:15:\d+ error H21/.test(l))).toBe(true);
    // Apply plans first: a layout with errors has no plan, so no confirmation is asked and nothing is sent.
    let asked = false;
    const onDialog = (d: { dismiss(): Promise<void> }) => {
      asked = true;
      void d.dismiss();
    };
    page.on('dialog', onDialog);
    try {
      await page.click('[data-testid=apply]');
      await page.waitForSelector('[data-testid=result-note]:has-text("The layout has errors")');
    } finally {
      page.off('dialog', onDialog);
    }
    expect(asked).toBe(false);
    expect((await api<{ transactions: unknown[] }>('transactions')).transactions).toEqual([]);
  });

  it('takes a layout from an uploaded file and plans it without changing anything', async () => {
    await page.setInputFiles('[data-testid=upload]', path.join(ROOT, 'examples/default.yaml'));
    await page.waitForFunction((text) => (document.querySelector('[data-testid=layout]') as HTMLTextAreaElement).value === text, fs.readFileSync(path.join(ROOT, 'examples/default.yaml'), 'utf8'));
    await page.click('[data-testid=plan]');
    await page.waitForSelector('[data-testid=steps] li');
    const planned = (await (await fetch(`${base}/api/v1/plan`, { method: 'POST', headers: { 'content-type': 'application/yaml' }, body: fs.readFileSync(path.join(ROOT, 'examples/default.yaml'), 'utf8') })).json()) as { plan: { steps: { summary: string }[] } };
    expect(await page.$$eval('[data-testid=steps] li', (els) => els.map((e) => e.textContent))).toEqual(planned.plan.steps.map((st) => st.summary));
    expect((await api<ApiStatus>('status')).partitions).toEqual([]);
  });

  it('asks before applying, naming the plan; declined, nothing changes', async () => {
    const question = nextDialog(false);
    await page.click('[data-testid=apply]');
    expect(await question).toMatch(/^Apply layout\.yaml on simulated default server\? \d+ steps: create (db|web|batch), (db|web|batch), (db|web|batch)\.$/);
    await new Promise((r) => setTimeout(r, 500));
    expect((await api<ApiStatus>('status')).partitions).toEqual([]);
    expect((await api<{ transactions: unknown[] }>('transactions')).transactions).toEqual([]);
  });

  it('applies a layout through the page: kernels come up live, each CPU in its owner\'s colour, consoles appear', async () => {
    expect(await page.textContent('[data-testid=applied]')).toContain('No layout applied');
    const cmaBefore = await page.textContent('[data-testid=cma-1]');
    expect(cmaBefore).toContain('0 MiB used');
    await page.fill('[data-testid=token]', daemon.token);
    await page.fill('[data-testid=layout]', fs.readFileSync(path.join(ROOT, 'examples/default.yaml'), 'utf8'));
    const question = nextDialog(true);
    await page.click('[data-testid=apply]');
    expect(await question).toContain('Apply layout.yaml');
    for (const name of ['db', 'web', 'batch']) await page.waitForSelector(`[data-testid=state-${name}]:has-text("online")`, { timeout: 60_000 });
    // What ran is the plan that was confirmed: the page sent the saved plan, not the layout again.
    const writes = (await api<{ transactions: { result: { file: string; outcome: string } | null }[] }>('transactions')).transactions;
    expect(writes.map((t) => [path.basename(t.result?.file ?? ''), t.result?.outcome])).toEqual([['plan.json', 'applied']]);
    await page.waitForFunction(() => (document.querySelector('[data-testid=console-db]')?.textContent ?? '').length > 0, null, { timeout: 15_000 });
    const status = await api<ApiStatus>('status');
    const colors = await cpuColors(page);
    const legend = await page.$$eval('[data-kernel]', (els) => Object.fromEntries(els.map((e) => [(e as HTMLElement).dataset.kernel!, getComputedStyle(e.querySelector('i')!).backgroundColor])));
    for (const p of status.partitions) for (const cpu of p.cpus) expect(colors[String(cpu)], `CPU ${cpu}`).toBe(legend[p.name]);
    const owned = new Set(status.partitions.flatMap((p) => p.cpus));
    for (const [cpu, color] of Object.entries(colors)) if (!owned.has(Number(cpu))) expect(color, `CPU ${cpu}`).toBe(legend.boot);
    // The CMA pools' use follows, without reloading the page: db's 32G came from node 1's pool.
    await page.waitForFunction(() => (document.querySelector('[data-testid=cma-1]')?.textContent ?? '').includes('32 GiB used'), null, { timeout: 15_000 });
    // The applied layout's diagnostics: hazard ids, rules, locations and fixes.
    await page.waitForSelector('[data-testid=applied-diagnostic]', { timeout: 15_000 });
    const applied = await page.$$eval('[data-testid=applied-diagnostic]', (els) => els.map((e) => e.textContent ?? ''));
    expect(applied.some((l) => /^layout\.yaml info H13 \(iommu-passthrough\): .*fix: /.test(l)), applied.join('\n')).toBe(true);
    expect(await page.textContent('[data-testid=applied]')).toContain('Applied layout: layout.yaml');
    await page.hover('[data-cpu="40"]');
    expect(await page.textContent('[data-testid=hover]')).toContain('CPU 40');
    await page.screenshot({ path: path.join(ARTIFACTS, 'default-applied.png'), fullPage: true });
  });

  it('gives each kernel a card: resources, profile, boot time', async () => {
    const status = await api<ApiStatus>('status');
    const db = status.partitions.find((p) => p.name === 'db')!;
    // examples/default.yaml: db, the latency kernel, 32 CPUs from node 1 with 32G of its memory.
    expect(await page.textContent('[data-testid=resources-db]')).toBe(`32 CPUs (32-47,160-175) · 32 GiB on node 1 · ${db.devices.length} devices · profile latency`);
    expect(await page.textContent('[data-testid=resources-batch]')).toContain('profile balanced');
    // The boot as the simulator timed it (start write to online), and the time up since.
    const web = (await api<{ partitions: { name: string; bootMs: number }[] }>('status')).partitions.find((p) => p.name === 'web')!;
    expect(web.bootMs).toBeGreaterThan(0);
    expect(await page.textContent('[data-testid=boot-web]')).toMatch(new RegExp(`^booted in ${(web.bootMs / 1000).toFixed(1).replace('.', '\\.')} s · up \\d+\\.\\d s$`));
  });

  it('draws each partition\'s memory at its range in its node\'s bar, and its devices as owned', async () => {
    const status = await api<ApiStatus>('status');
    for (const p of status.partitions) {
      const node = topology.memory.blocks.find((b) => b.range.start <= p.memory!.start && p.memory!.start <= b.range.end)!.node;
      const bar = await page.$eval(`[data-testid=membar-${node}]`, (e, name) => {
        const seg = e.querySelector<HTMLElement>(`[data-testid=seg-${name}]`);
        return { range: (e as HTMLElement).dataset.range!, left: seg ? parseFloat(seg.style.left) : null, width: seg ? parseFloat(seg.style.width) : null };
      }, p.name);
      // The node's physical range, from its memory blocks as discovered (not from the page).
      const blocks = topology.memory.blocks.filter((b) => b.node === node);
      const lo = Math.min(...blocks.map((b) => b.range.start));
      const hi = Math.max(...blocks.map((b) => b.range.end));
      expect(bar.range, p.name).toBe(`${lo}-${hi}`);
      expect(bar.left, p.name).toBeCloseTo(((p.memory!.start - lo) / (hi + 1 - lo)) * 100, 3);
      expect(bar.width, p.name).toBeCloseTo(((p.memory!.end - p.memory!.start + 1) / (hi + 1 - lo)) * 100, 3);
      for (const address of p.devices) expect(await page.textContent(`[data-testid="device-${address}"] td:last-child`), address).toContain(p.name);
    }
  });

  it('records a layout that changes no step (a new stop command) as the applied layout, after asking', async () => {
    const edited = fs.readFileSync(path.join(ROOT, 'examples/default.yaml'), 'utf8').replace('command: [ssh, root@db.lab, poweroff]', 'command: [ssh, admin@db.lab, sudo, poweroff]');
    await page.fill('[data-testid=layout]', edited);
    const question = nextDialog(true);
    await page.click('[data-testid=apply]');
    expect(await question).toBe('Nothing to change on simulated default server now: record layout.yaml as its applied layout (used at the kernels\' next start)?');
    await expect.poll(async () => (await api<{ layout: { stop: { command: string[] } | null } }>('status/db')).layout.stop?.command, { timeout: 15_000 }).toEqual(['ssh', 'admin@db.lab', 'sudo', 'poweroff']);
  });

  it('stops, starts and destroys a kernel from its card', async () => {
    const stateOf = async (name: string) => (await api<ApiStatus>('status')).partitions.find((p) => p.name === name)?.state;
    let question = nextDialog(true);
    await page.click('[data-testid=stop-db]');
    expect(await question).toBe('stop db on simulated default server?');
    await page.waitForFunction(() => !/online/.test(document.querySelector('[data-testid=state-db]')?.textContent ?? 'online'), null, { timeout: 30_000 });
    expect(await stateOf('db')).not.toBe('online');
    expect(await page.textContent('[data-testid=state-db]')).toBe(await stateOf('db'));
    question = nextDialog(true);
    await page.click('[data-testid=start-db]');
    await question;
    await page.waitForSelector('[data-testid=state-db]:has-text("online")', { timeout: 60_000 });
    expect(await stateOf('db')).toBe('online');
    const batchCpus = (await api<ApiStatus>('status')).partitions.find((p) => p.name === 'batch')!.cpus;
    question = nextDialog(true);
    await page.click('[data-testid=destroy-batch]');
    await question;
    await page.waitForSelector('[data-testid=card-batch]', { state: 'detached', timeout: 30_000 });
    expect(await stateOf('batch')).toBeUndefined();
    // Its CPUs went back to the boot kernel, and are drawn so.
    const colors = await cpuColors(page);
    const bootColor = await page.$eval('[data-kernel=boot] i', (e) => getComputedStyle(e).backgroundColor);
    for (const cpu of batchCpus) expect(colors[String(cpu)], `CPU ${cpu}`).toBe(bootColor);
  });
});

describe('the dashboard on a 4096-CPU machine', () => {
  let daemon: Daemon;
  let base: string;
  beforeAll(async () => {
    ({ daemon, base } = await daemonOn({ kind: 'synthetic', description: 'pack:4 numa:2 l3:4 core:64 pu:2 mem:64G' }));
  });
  afterAll(() => daemon?.close());

  it(`draws every CPU within ${DRAW_BUDGET_MS} ms, never blocking the page longer`, async () => {
    const page = await browser.newPage({ viewport: { width: 1600, height: 1200 } });
    // Every task over 50 ms the page runs (the browser's long tasks): none may freeze it.
    await page.addInitScript(() => {
      const w = window as unknown as { longTasks: number[] };
      w.longTasks = [];
      new PerformanceObserver((list) => list.getEntries().forEach((e) => w.longTasks.push(e.duration))).observe({ type: 'longtask', buffered: true });
    });
    const t0 = Date.now();
    await page.goto(base);
    await page.waitForFunction(() => document.querySelectorAll('[data-cpu]').length === 4096, null, { timeout: 60_000 });
    await page.waitForSelector('[data-testid=render-ms]');
    const loadMs = Date.now() - t0;
    const drawMs = Number(await page.textContent('[data-testid=render-ms]'));
    const longTasks = await page.evaluate(() => (window as unknown as { longTasks: number[] }).longTasks);
    const longestTaskMs = Math.round(Math.max(0, ...longTasks));
    fs.writeFileSync(path.join(ARTIFACTS, 'render-4096.json'), JSON.stringify({ cpus: 4096, drawMs, loadMs, longestTaskMs, longTasks: longTasks.length, drawBudget: DRAW_BUDGET_MS, loadBudget: LOAD_BUDGET_MS }) + '\n');
    expect(drawMs).toBeGreaterThan(0);
    expect(drawMs).toBeLessThan(DRAW_BUDGET_MS);
    expect(longestTaskMs).toBeLessThan(DRAW_BUDGET_MS);
    expect(loadMs).toBeLessThan(LOAD_BUDGET_MS);
    // The page answers after drawing: a hover is shown at once.
    await page.hover('[data-cpu="4095"]');
    expect(await page.textContent('[data-testid=hover]')).toContain('CPU 4095');
    await page.screenshot({ path: path.join(ARTIFACTS, 'machine-4096.png') });
  });
});
