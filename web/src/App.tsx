import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { getJson, postJson, size, type Diagnostic, type Partition, type Status, type Topology, type ValidateReport } from './api';
import { MachineView, type Owners } from './Machine';
import { cpuRanges } from '../../src/units/cpu-ranges';

const PALETTE = ['#e6194b', '#3cb44b', '#4363d8', '#f58231', '#911eb4', '#42d4f4', '#f032e6', '#bfef45', '#469990', '#9a6324', '#800000', '#808000', '#000075', '#fabed4', '#ffd8b1', '#aaffc3'];
const BOOT = '#9ca3af';
const FREE = '#e5e7eb';

/** Each kernel its colour, stable by name order; the boot kernel grey. */
function colorsOf(partitions: Partition[]): Map<string, string> {
  const colors = new Map<string, string>([['boot', BOOT], ['free', FREE]]);
  [...partitions].sort((a, b) => a.name.localeCompare(b.name)).forEach((p, i) => colors.set(p.name, PALETTE[i % PALETTE.length]!));
  return colors;
}

function ownersOf(topology: Topology, status: Status): Owners {
  const owners: Owners = new Map();
  for (const c of topology.cpu) if (c.online) owners.set(c.id, 'boot');
  for (const p of status.partitions) for (const cpu of p.cpus) owners.set(cpu, p.name);
  return owners;
}

interface Result {
  kind: 'validate' | 'plan' | 'apply' | 'error';
  diagnostics?: Diagnostic[];
  steps?: string[];
  text?: string;
}

interface PlanAnswer {
  diagnostics: Diagnostic[];
  plan?: { kernels: { kernel: string; action: string }[]; steps: { summary: string }[] } | null;
  /** With `save`: the plan as `parker plan --out` saves it, for POST /apply {plan}. */
  saved?: unknown;
}

/** "27 steps: create db, web, batch." as the confirmation says it. */
function planSummary(plan: NonNullable<PlanAnswer['plan']>): string {
  const byAction = new Map<string, string[]>();
  for (const k of plan.kernels) if (k.action !== 'unchanged') byAction.set(k.action, [...(byAction.get(k.action) ?? []), k.kernel]);
  const what = [...byAction].map(([action, names]) => `${action} ${names.join(', ')}`).join('; ');
  return `${plan.steps.length} step${plan.steps.length === 1 ? '' : 's'}${what ? `: ${what}` : ''}.`;
}

/** A CPU list as the kernel prints one: 0-7,128-135. */
function cpuList(cpus: number[]): string {
  return cpuRanges([...new Set(cpus)].sort((a, b) => a - b));
}

/** How long a kernel's last boot took, as the machine knows it; else the last start this daemon ran, said so. */
function bootText(p: Partition, status: Status): string {
  if (p.bootMs !== null && p.bootMs !== undefined) return `booted in ${seconds(p.bootMs)} · `;
  const daemonSeconds = status.daemon?.boots?.[p.name];
  return daemonSeconds === undefined ? '' : `last start by this daemon: ${seconds(daemonSeconds * 1000)} to online · `;
}

/** A partition's memory and the NUMA node whose memory blocks hold it: "32 GiB on node 1". */
function memoryText(p: Partition, topology: Topology): string {
  if (!p.memory) return 'no memory';
  const start = p.memory.start;
  const node = topology.memory.blocks.find((b) => b.range.start <= start && start <= b.range.end)?.node ?? null;
  return `${size(p.memory.end - p.memory.start + 1)}${node !== null ? ` on node ${node}` : ''}`;
}

function seconds(ms: number): string {
  if (ms < 59_950) return `${(ms / 1000).toFixed(1)} s`;
  const whole = Math.round(ms / 1000);
  return `${Math.floor(whole / 60)} min ${whole % 60} s`;
}

export function App() {
  const [topology, setTopology] = useState<Topology | null>(null);
  const [status, setStatus] = useState<Status | null>(null);
  const [consoles, setConsoles] = useState<Record<string, string[]>>({});
  const [live, setLive] = useState('connecting');
  const [layout, setLayout] = useState('');
  const [result, setResult] = useState<Result | null>(null);
  const [token, setToken] = useState(() => localStorage.getItem('parker-token') ?? '');
  const [renderMs, setRenderMs] = useState<number | null>(null);
  const refreshTimer = useRef<number | null>(null);
  const dataAt = useRef(0);
  const onDrawn = useCallback((at: number) => setRenderMs(Math.round(at - dataAt.current)), []);

  const refresh = useCallback(async () => {
    try {
      setStatus(await getJson<Status>('/api/v1/status'));
    } catch (e) {
      setResult({ kind: 'error', text: String(e) });
    }
  }, []);
  const soon = useCallback(() => {
    if (refreshTimer.current !== null) return;
    refreshTimer.current = window.setTimeout(() => {
      refreshTimer.current = null;
      void refresh();
    }, 150);
  }, [refresh]);

  useEffect(() => {
    void Promise.all([getJson<Topology>('/api/v1/topology'), getJson<Status>('/api/v1/status')]).then(([t, s]) => {
      // The drawing's own time: from the data to the first paint of the machine (onDrawn).
      dataAt.current = performance.now();
      setTopology(t);
      setStatus(s);
      for (const p of s.partitions) void getJson<{ lines: string[] }>(`/api/v1/console/${p.name}?tail=12`).then((c) => setConsoles((old) => ({ ...old, [p.name]: c.lines })));
    });
    const events = new EventSource('/api/v1/events');
    events.onopen = () => setLive('live');
    events.onerror = () => setLive('reconnecting');
    for (const type of ['partition', 'transaction', 'machine', 'step']) events.addEventListener(type, soon);
    events.addEventListener('console', (e) => {
      const data = JSON.parse((e as MessageEvent).data) as { name: string; lines: string[] };
      setConsoles((old) => ({ ...old, [data.name]: [...(old[data.name] ?? []), ...data.lines].slice(-40) }));
    });
    return () => events.close();
  }, [soon]);

  useEffect(() => localStorage.setItem('parker-token', token), [token]);

  // The applied layout's diagnostics: read again whenever another layout is applied.
  const [applied, setApplied] = useState<{ key: string; report: ValidateReport | null; error: string | null } | null>(null);
  const appliedKey = status?.layout ? `${status.layout.file}@${status.layout.appliedAt}` : null;
  useEffect(() => {
    if (appliedKey === null) return setApplied(null);
    let current = true;
    getJson<ValidateReport>('/api/v1/validate/applied').then(
      (report) => current && setApplied({ key: appliedKey, report, error: null }),
      (e: unknown) => current && setApplied({ key: appliedKey, report: null, error: String(e) }),
    );
    return () => {
      current = false;
    };
  }, [appliedKey]);

  const colors = useMemo(() => colorsOf(status?.partitions ?? []), [status]);
  const owners = useMemo(() => (topology && status ? ownersOf(topology, status) : new Map<number, string>()), [topology, status]);

  /** Validates or plans the layout in the box and shows the answer; the plan report, or null. `save`: with the plan to apply exactly. */
  const post = async (kind: 'validate' | 'plan', save = false): Promise<PlanAnswer | null> => {
    const r = await postJson<PlanAnswer>(`/api/v1/${kind}`, { layout, name: 'layout.yaml', ...(save ? { save: true } : {}) }, save ? token : undefined);
    if (!r.ok) {
      setResult({ kind: 'error', text: `${r.body.error?.code}: ${r.body.error?.message}` });
      return null;
    }
    setResult({ kind, diagnostics: r.body.diagnostics, ...(r.body.plan ? { steps: r.body.plan.steps.map((s) => s.summary) } : {}) });
    return r.body;
  };
  const write = async (path: string, body: unknown, what: string, question = `${what} on ${status?.machine}?`) => {
    if (!window.confirm(question)) return;
    const r = await postJson<{ id: string }>(path, body, token);
    setResult(r.ok ? { kind: 'apply', text: `${what}: transaction ${r.body.id} accepted; progress follows live` } : { kind: 'error', text: `${r.body.error?.code}: ${r.body.error?.message}` });
  };
  // Apply as `parker plan --out` then `parker apply FILE` do: the plan first (shown below the
  // box), then a confirmation that names what will change, then exactly that plan, which the
  // daemon refuses (E_PLAN) if the machine changed meanwhile. A layout with errors has no plan
  // and is never sent to be applied.
  const apply = async () => {
    const planned = await post('plan', true);
    if (!planned) return;
    if (!planned.plan || !planned.saved) return setResult({ kind: 'plan', diagnostics: planned.diagnostics, text: 'The layout has errors: nothing to apply.' });
    // No step can still be a change: a running kernel's image, command line or stop command is
    // the layout's, used at its next start; applying records it, as `parker apply` does.
    const question = planned.plan.steps.length === 0 ? `Nothing to change on ${status?.machine} now: record layout.yaml as its applied layout (used at the kernels' next start)?` : `Apply layout.yaml on ${status?.machine}? ${planSummary(planned.plan)}`;
    await write('/api/v1/apply', { plan: planned.saved }, 'apply the layout', question);
  };
  const upload = (file: File | undefined) => void file?.text().then(setLayout);

  if (!topology || !status) return <p style={{ padding: 16 }}>loading the machine…</p>;
  const txn = status.daemon?.transaction;
  return (
    <>
      <header>
        <h1>parker</h1>
        <span data-testid="machine-name">{status.machine}</span>
        <span>{status.layout ? `layout ${status.layout.file.split('/').pop()}` : 'no layout applied'}</span>
        {txn && <span data-testid="running">running: {txn.action.split('/').pop()} {txn.progress?.index !== undefined ? `step ${txn.progress.index + 1}/${txn.progress.total}` : ''}</span>}
        <span className="live" data-testid="live">{live}{renderMs !== null ? <> · drawn in <span data-testid="render-ms">{renderMs}</span> ms</> : ''}</span>
      </header>
      <main>
        <section>
          <h2>Machine: {topology.cpu.length} CPUs</h2>
          <div className="legend" data-testid="legend">
            {[...colors].filter(([name]) => name === 'boot' || name === 'free' || status.partitions.some((p) => p.name === name)).map(([name, color]) => (
              <span key={name} data-kernel={name}>
                <i style={{ background: color }} />
                {name === 'boot' ? 'boot kernel' : name === 'free' ? 'offline, unowned' : name}
              </span>
            ))}
          </div>
          <MachineView topology={topology} owners={owners} colors={colors} onDrawn={onDrawn} />
        </section>
        <section>
          <h2>Kernels</h2>
          <div className="cards">
            {status.partitions.map((p) => (
              <div className="card" key={p.name} data-testid={`card-${p.name}`} style={{ borderLeftColor: colors.get(p.name) }}>
                <h3>
                  {p.name} <span className={`state ${p.state}`} data-testid={`state-${p.name}`}>{p.state}</span>
                </h3>
                <div data-testid={`resources-${p.name}`} title={p.devices.join(' ')}>
                  {p.cpus.length} CPUs ({cpuList(p.cpus)}) · {memoryText(p, topology)} · {p.devices.length} device{p.devices.length === 1 ? '' : 's'} · profile {p.profile ?? '—'}
                </div>
                <div data-testid={`boot-${p.name}`}>
                  {bootText(p, status)}
                  {p.uptimeMs !== null ? `up ${seconds(p.uptimeMs)}` : 'not running'}
                </div>
                <div style={{ marginTop: 4 }}>
                  <button data-testid={`start-${p.name}`} onClick={() => void write(`/api/v1/kernels/${p.name}/start`, {}, `start ${p.name}`)}>start</button>
                  <button data-testid={`stop-${p.name}`} onClick={() => void write(`/api/v1/kernels/${p.name}/stop`, {}, `stop ${p.name}`)}>stop</button>
                  <button data-testid={`destroy-${p.name}`} onClick={() => void write('/api/v1/destroy', { name: p.name }, `destroy ${p.name}`)}>destroy</button>
                </div>
                <div className="console" data-testid={`console-${p.name}`}>{(consoles[p.name] ?? []).join('\n')}</div>
              </div>
            ))}
            {status.partitions.length === 0 && <p>No partitions: every CPU belongs to the boot kernel.</p>}
          </div>
        </section>
        <div className="two">
          <section>
            <h2>Memory per NUMA node</h2>
            <MemoryBars topology={topology} status={status} colors={colors} />
          </section>
          <section>
            <h2>Machine events</h2>
            {status.events.length === 0 && <p>none</p>}
            {status.events.map((e, i) => (
              <div key={i} className={`diag ${e.severity === 'error' ? 'error' : e.severity}`}>
                {(e.at / 1000).toFixed(1)} s {e.hazard ? `${e.hazard} ` : ''}{e.message}
              </div>
            ))}
          </section>
        </div>
        <section data-testid="applied">
          <h2>Applied layout{status.layout ? `: ${status.layout.file.split('/').pop()}` : ''}</h2>
          {!status.layout && <p>No layout applied.</p>}
          {status.layout && applied?.error && <p className="diag error">{applied.error}</p>}
          {status.layout && applied?.report && <Diagnostics diagnostics={applied.report.diagnostics} testid="applied-diagnostic" />}
        </section>
        <section>
          <h2>Layout</h2>
          <textarea data-testid="layout" value={layout} onChange={(e) => setLayout(e.target.value)} placeholder="paste a layout (YAML) or upload one" />
          <div style={{ marginTop: 6 }}>
            <input data-testid="upload" type="file" accept=".yaml,.yml,.json" onChange={(e) => upload(e.target.files?.[0])} />
            <button data-testid="validate" onClick={() => void post('validate')}>Validate</button>
            <button data-testid="plan" onClick={() => void post('plan')}>Plan</button>
            <button data-testid="apply" onClick={() => void apply()}>Apply…</button>
            <button data-testid="destroy-all" onClick={() => void write('/api/v1/destroy', { all: true }, 'destroy every partition')}>Destroy all…</button>
            <label style={{ marginLeft: 12 }}>
              API token <input data-testid="token" type="password" value={token} onChange={(e) => setToken(e.target.value)} placeholder="parker serve --show-token" />
            </label>
          </div>
          {result && <ResultView result={result} />}
        </section>
        <section>
          <h2>Devices</h2>
          <table data-testid="devices">
            <thead>
              <tr><th>address</th><th>class</th><th>node</th><th>IOMMU group</th><th>driver</th><th>owner</th></tr>
            </thead>
            <tbody>
              {topology.pci.filter((d) => !d.bridge).map((d) => {
                const owner = status.partitions.find((p) => p.devices.includes(d.address))?.name ?? 'boot';
                return (
                  <tr key={d.address} data-testid={`device-${d.address}`}>
                    <td>{d.address}</td><td>{d.className ?? '?'}</td><td>{d.node ?? '—'}</td><td>{d.iommuGroup ?? '—'}</td><td>{d.driver ?? '—'}</td>
                    <td><i style={{ display: 'inline-block', width: 10, height: 10, background: colors.get(owner) }} /> {owner}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </section>
      </main>
    </>
  );
}

function ResultView({ result }: { result: Result }) {
  if (result.kind === 'error' || result.kind === 'apply') return <p data-testid="result" className={result.kind === 'error' ? 'diag error' : ''}>{result.text}</p>;
  return (
    <div data-testid="result">
      {result.text && <p data-testid="result-note">{result.text}</p>}
      <Diagnostics diagnostics={result.diagnostics ?? []} testid="diagnostic" />
      {result.steps && (
        <ol data-testid="steps">
          {result.steps.map((s, i) => (
            <li key={i}>{s}</li>
          ))}
        </ol>
      )}
    </div>
  );
}

/** Diagnostics as validate gives them: file:line:col, severity, hazard id (or rule), message and fix. */
function Diagnostics({ diagnostics, testid }: { diagnostics: Diagnostic[]; testid: string }) {
  return (
    <>
      <p>
        {diagnostics.filter((d) => d.severity === 'error').length} errors, {diagnostics.filter((d) => d.severity === 'warning').length} warnings, {diagnostics.filter((d) => d.severity === 'info').length} notes
      </p>
      {diagnostics.map((d, i) => (
        <div key={i} className={`diag ${d.severity}`} data-testid={testid}>
          {d.location.file}{d.location.line !== undefined ? `:${d.location.line}:${d.location.col}` : ''} {d.severity} {d.hazard ? `${d.hazard} (${d.rule})` : d.rule}: {d.message}
          {d.fix && <div className="fix">fix: {d.fix}</div>}
        </div>
      ))}
    </>
  );
}

function MemoryBars({ topology, status, colors }: { topology: Topology; status: Status; colors: Map<string, string> }) {
  return (
    <div data-testid="memory">
      {topology.nodes.map((n) => {
        const blocks = topology.memory.blocks.filter((b) => b.node === n.id);
        if (!blocks.length || !n.memoryBytes) return null;
        const lo = Math.min(...blocks.map((b) => b.range.start));
        const hi = Math.max(...blocks.map((b) => b.range.end)) + 1;
        const pct = (x: number) => `${((x - lo) / (hi - lo)) * 100}%`;
        // The pools' use as the daemon last read it (it changes with every kernel); their sizes as discovered.
        const pools = status.daemon?.cma ?? topology.cma;
        const pool = pools.find((c) => c.name.endsWith(String(n.id)) && c.name.replace(/\d+$/, '') !== '');
        const parts = status.partitions.filter((p) => p.memory && p.memory.start >= lo && p.memory.start < hi);
        return (
          <div key={n.id}>
            <div>
              node {n.id}: {size(n.memoryBytes)}
              {pool?.totalPages ? <span data-testid={`cma-${n.id}`}>{` · CMA pool ${size(pool.totalPages * 4096)}, ${size((pool.totalPages - (pool.availablePages ?? 0)) * 4096)} used`}</span> : ''}
              {parts.map((p) => ` · ${p.name} ${size(p.memory!.end - p.memory!.start + 1)}`).join('')}
            </div>
            {/* The node's physical range, low to high: each partition at its own range. The
                kernel does not say where in the node its CMA pool lies, so the pool is drawn by
                its size only, at the top end (where memblock reserves it), and the partitions
                are carved from it. */}
            <div className="membar" data-testid={`membar-${n.id}`} data-range={`${lo}-${hi - 1}`}>
              {pool?.totalPages ? <div className="seg cma" title={`CMA pool ${size(pool.totalPages * 4096)} (its place in the node is not shown by the kernel)`} style={{ right: 0, width: `${(pool.totalPages * 4096 * 100) / (hi - lo)}%` }} /> : null}
              {parts.map((p) => (
                <div key={p.name} className="seg" data-testid={`seg-${p.name}`} title={`${p.name} 0x${p.memory!.start.toString(16)}-0x${p.memory!.end.toString(16)}`} style={{ left: pct(p.memory!.start), width: `${((p.memory!.end - p.memory!.start + 1) * 100) / (hi - lo)}%`, background: colors.get(p.name) }} />
              ))}
            </div>
          </div>
        );
      })}
    </div>
  );
}
